"""Product categories (v2 ``/productCategories``): a tree of categories products are in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .errors import Invalid
from .images import checked_image
from .indexes import HashIndex
from .resource import DeclaredStore, Field, ResourceSpec


@record_class
class ProductCategory:
    id: int
    name: str
    display_order_index: int | None = None
    parent_category_id: int | None = None
    image_name: str | None = None
    image_data: str | None = None  # base64 (keapsim/store/images.py)


PRODUCT_CATEGORY = ResourceSpec(
    record=ProductCategory,
    kind="ProductCategory",
    id_kind="product_category",
    # No source names a hook event for product categories: the noun is keapsim's own.
    noun="productCategory",
    fields=(
        Field("name", required=True, max_length=255),
        Field("display_order_index", int, minimum=0),
        Field("parent_category_id", int, reference="product_categories"),
        Field("image_name"),
        Field("image_data"),
    ),
    indexes=lambda: [
        HashIndex[ProductCategory](
            "parent_category_id",
            lambda c: () if c.parent_category_id is None else (c.parent_category_id,),
        )
    ],
)


class ProductCategoryStore(DeclaredStore[ProductCategory]):
    spec = PRODUCT_CATEGORY

    def normalise(
        self, values: dict[str, Any], current: ProductCategory | None, now: datetime
    ) -> dict[str, Any]:
        parent = values.get("parent_category_id")
        if current is not None and parent == current.id:
            raise Invalid("A category cannot be its own parent", field="parent_category_id")
        return values

    def set_image(self, ident: int, file_name: str, data: bytes) -> ProductCategory:
        with self.core.write():
            self.table.fetch(ident)
            return self.update(
                ident, image_name=file_name, image_data=checked_image(file_name, data)
            )

    def clear_image(self, ident: int) -> ProductCategory:
        return self.update(ident, image_name=None, image_data=None)

    def delete(self, ident: int) -> None:
        """A deleted category leaves its products (they lose the assignment) and its
        subcategories (they become top-level: keapsim's choice, no document says)."""
        with self.core.write():
            self.table.fetch(ident)
            self.tenant.products.forget_category(ident)
            for child in list(self.table.scan(lambda c: c.parent_category_id == ident)):
                self.table.replace(replace(child, parent_category_id=None))
            self.table.remove(ident)

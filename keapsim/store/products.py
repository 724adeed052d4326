"""Products (v1 ``/products``, v2 ``/products``, one store for both views) and their inventory.

A product's price is a ``Decimal`` in the account's currency unit (dollars): v1 sends and
reads it as a number (``product_price``), v2 as an integer of cents on requests and a
``CurrencyValue`` on answers. Inventory is a count the product keeps (``inventory_count``)
that ``:adjustInventory`` moves up or down; the v2 document says counts and limits "must be
greater than or equal to 0", so a decrease below zero is refused.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..datarecord import record_class
from .errors import Invalid
from .images import checked_image
from .resource import DeclaredStore, Field, ResourceSpec

INVENTORY_CHANGES = ("INCREASE", "DECREASE")


@record_class
class Product:
    id: int
    name: str
    price: Decimal = Decimal(0)
    sku: str | None = None
    active: bool = True
    description: str | None = None
    short_description: str | None = None
    subscription_only: bool = False
    shippable: bool = False
    weight: Decimal | None = None
    taxable: bool = False
    storefront_hidden: bool = False
    country_taxable: bool = False
    state_taxable: bool = False
    city_taxable: bool = False
    top_html: str | None = None
    bottom_html: str | None = None
    is_package: bool = False
    needs_digital_delivery: bool = False
    delivery_description: str | None = None
    inventory_limit: int | None = None
    inventory_count: int | None = None
    out_of_stock_enabled: bool = False
    email_for_inventory_notifications: str | None = None
    category_ids: tuple[int, ...] = ()
    image_name: str | None = None
    image_data: str | None = None  # base64 (keapsim/store/images.py)
    image_legacy: bool = False  # also the legacy cart's image (v1 uploads; v2 ``legacy=true``)
    create_time: datetime | None = None
    update_time: datetime | None = None


PRODUCT = ResourceSpec(
    record=Product,
    kind="Product",
    id_kind="product",
    noun="product",  # Keap's hook keys product.add|edit|delete (keapsim/hooks/catalogue.py)
    fields=(
        Field("name", required=True, max_length=255),
        Field("price", Decimal, default=Decimal(0)),
        Field("sku", max_length=255),
        Field("active", bool, default=True),
        Field("description"),
        Field("short_description"),
        Field("subscription_only", bool, default=False),
        Field("shippable", bool, default=False),
        Field("weight", Decimal),
        Field("taxable", bool, default=False),
        Field("storefront_hidden", bool, default=False),
        Field("country_taxable", bool, default=False),
        Field("state_taxable", bool, default=False),
        Field("city_taxable", bool, default=False),
        Field("top_html"),
        Field("bottom_html"),
        Field("is_package", bool, default=False),
        Field("needs_digital_delivery", bool, default=False),
        Field("delivery_description"),
        Field("inventory_limit", int, minimum=0),
        Field("inventory_count", int, minimum=0),
        Field("out_of_stock_enabled", bool, default=False),
        Field("email_for_inventory_notifications", max_length=255),
        Field("category_ids", tuple, default=()),
        Field("image_name"),
        Field("image_data"),
        Field("image_legacy", bool, default=False),
    ),
    created="create_time",
    updated="update_time",
)


class ProductStore(DeclaredStore[Product]):
    spec = PRODUCT

    def normalise(
        self, values: dict[str, Any], current: Product | None, now: datetime
    ) -> dict[str, Any]:
        # "Must be greater than or equal to 0" (v2 CreateProductRequest_Detail: price, weight).
        for name in ("price", "weight"):
            value = values.get(name)
            if isinstance(value, Decimal) and value < 0:
                raise Invalid(f"{name} must be greater than or equal to 0", field=name)
        if "category_ids" in values:
            for ident in values["category_ids"] or ():
                if ident not in self.tenant.product_categories:
                    raise Invalid(f"Product category {ident} does not exist", field="categories")
        return values

    def adjust_inventory(self, ident: int, change: str, quantity: int) -> Product:
        """``:adjustInventory``: the count goes up or down by ``quantity`` (a product that has
        never counted its stock starts from 0); a count below 0 is refused."""
        if change not in INVENTORY_CHANGES:
            raise Invalid(f"type must be one of {', '.join(INVENTORY_CHANGES)}", field="type")
        if quantity < 1:
            raise Invalid("quantity must be at least 1", field="quantity")
        with self.core.write():
            product = self.table.fetch(ident)
            step = quantity if change == "INCREASE" else -quantity
            count = (product.inventory_count or 0) + step
            if count < 0:
                raise Invalid(
                    f"Inventory of product {ident} is {product.inventory_count or 0}; "
                    f"it cannot decrease by {quantity}",
                    field="quantity",
                )
            return self.update(ident, inventory_count=count)

    def assign_categories(self, category_id: int, product_ids: list[int]) -> None:
        """``:assignProducts``: exactly ``product_ids`` are in the category afterwards ("any
        IDs omitted are removed automatically", v2 document); every id must exist."""
        with self.core.write():
            self.tenant.product_categories.get(category_id)
            wanted = set(product_ids)
            for ident in wanted:
                if ident not in self.table:
                    raise Invalid(f"Product {ident} does not exist", field="product_ids")
            for product in self.in_category(category_id):
                if product.id not in wanted:
                    ids = tuple(i for i in product.category_ids if i != category_id)
                    self.update(product.id, category_ids=ids)
            for ident in sorted(wanted):
                product = self.table.fetch(ident)
                if category_id not in product.category_ids:
                    self.update(ident, category_ids=(*product.category_ids, category_id))

    def set_image(
        self, ident: int, file_name: str, data: bytes, *, legacy: bool, checksum: str | None = None
    ) -> Product:
        """The product's one image (a new upload replaces it)."""
        with self.core.write():
            self.table.fetch(ident)
            encoded = checked_image(file_name, data, checksum)
            return self.update(ident, image_name=file_name, image_data=encoded, image_legacy=legacy)

    def clear_image(self, ident: int) -> Product:
        """Removes the image; a product without one is left as it is (keapsim's choice: the
        documents give no error for it)."""
        with self.core.write():
            if self.table.fetch(ident).image_data is None:
                return self.table.fetch(ident)
            return self.update(ident, image_name=None, image_data=None, image_legacy=False)

    def in_category(self, category_id: int) -> list[Product]:
        return list(self.table.scan(lambda p: category_id in p.category_ids))

    def forget_category(self, category_id: int) -> None:
        for product in self.in_category(category_id):
            ids = tuple(i for i in product.category_ids if i != category_id)
            self.table.replace(replace(product, category_ids=ids))

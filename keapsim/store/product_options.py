"""Product options: a product's LIST options (with their items) and TEXT options (with rules)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import Invalid, NotFound
from .indexes import HashIndex
from .products import Product
from .resource import DeclaredStore, Field, ResourceSpec

OPTION_TYPES = ("LIST", "TEXT")
CHARACTER_RULES = ("NONE", "LETTER", "DIGIT", "BOTH")


@record_class
class OptionItem:
    """One selectable value of a LIST option (``ListOption``)."""

    id: int
    label: str
    code: str | None = None
    display_order: int = 0
    price_adjustment: Decimal = Decimal(0)  # negative: subtracted from the product's price


@record_class
class TextRules:
    """What a TEXT option accepts (``TextOption``)."""

    minimum_characters: int | None = None
    maximum_characters: int | None = None
    allow_spaces: bool | None = None
    only_starts_with: str | None = None
    only_ends_with: str | None = None
    only_contains: str | None = None
    error_message: str | None = None


@record_class
class ProductOption:
    id: int
    product_id: int
    option_type: str
    option_label: str | None = None
    required: bool = False
    display_order: int = 0
    list_items: tuple[OptionItem, ...] = ()
    text_rules: TextRules | None = None


PRODUCT_OPTION = ResourceSpec(
    record=ProductOption,
    kind="ProductOption",
    id_kind="product_option",
    noun="productOption",  # keapsim's own: no source names a hook for product options
    fields=(
        Field("product_id", int, required=True, reference="products"),
        Field("option_type", required=True, choices=OPTION_TYPES),
        Field("option_label", max_length=255),
        Field("required", bool, default=False),
        Field("display_order", int, default=0, minimum=0),
        Field("list_items", tuple, default=()),
        Field("text_rules", TextRules),
    ),
    indexes=lambda: [HashIndex[ProductOption]("product_id", lambda o: (o.product_id,))],
)


class ProductOptionStore(DeclaredStore[ProductOption]):
    spec = PRODUCT_OPTION

    def attach(self) -> None:
        # A deleted product's options go with it.
        self.tenant.products.table.on_remove.append(self._forget_product)

    def _forget_product(self, product: Product) -> None:
        for option in self.of_product(product.id):
            self.table.remove(option.id)

    def of_product(self, product_id: int) -> list[ProductOption]:
        query: Query[ProductOption] = Query(lookups=[Lookup("product_id", "eq", product_id)])
        return sorted(self.table.select(query), key=lambda o: (o.display_order, o.id))

    def get_of(self, product_id: int, ident: int) -> ProductOption:
        self.tenant.products.get(product_id)
        option = self.table.get(ident)
        if option is None or option.product_id != product_id:
            raise NotFound(self.spec.kind, ident)
        return option

    def new_item(self, label: str | None, **values: Any) -> OptionItem:
        """An item with a fresh id ("Cannot be whitespace only": a blank label is a 400)."""
        if label is None or not label.strip():
            raise Invalid(
                "item_label is required and cannot be whitespace only", field="item_label"
            )
        if values.get("display_order") is not None and values["display_order"] < 0:
            raise Invalid("item_display_order must be at least 0", field="item_display_order")
        clean = {k: v for k, v in values.items() if v is not None}
        return OptionItem(id=self.core.next_id("product_option_item"), label=label, **clean)

    def normalise(
        self, values: dict[str, Any], current: ProductOption | None, now: datetime
    ) -> dict[str, Any]:
        label = values.get("option_label")
        if isinstance(label, str) and not label.strip():
            raise Invalid("option_label cannot be whitespace only", field="option_label")
        kind = values.get("option_type") if current is None else current.option_type
        if kind == "TEXT" and values.get("list_items"):
            raise Invalid("list_items are only for a LIST option", field="list_items")
        if kind == "LIST" and values.get("text_rules") is not None:
            raise Invalid("text_rules are only for a TEXT option", field="text_rules")
        rules = values.get("text_rules")
        if isinstance(rules, TextRules):
            _check_rules(rules)
        return values

    def add_items(self, option_id: int, items: list[OptionItem]) -> ProductOption:
        with self.core.write():
            option = self.table.fetch(option_id)
            if option.option_type != "LIST":
                raise Invalid("Only a LIST option has list items", field="option_type")
            return self.update(option_id, list_items=(*option.list_items, *items))

    def item_of(self, option: ProductOption, item_id: int) -> OptionItem:
        for item in option.list_items:
            if item.id == item_id:
                return item
        raise NotFound("ProductOptionListItem", item_id)

    def replace_item(self, option_id: int, item: OptionItem) -> ProductOption:
        with self.core.write():
            option = self.table.fetch(option_id)
            self.item_of(option, item.id)
            items = tuple(item if i.id == item.id else i for i in option.list_items)
            return self.update(option_id, list_items=items)

    def remove_item(self, option_id: int, item_id: int) -> ProductOption:
        with self.core.write():
            option = self.table.fetch(option_id)
            self.item_of(option, item_id)
            items = tuple(i for i in option.list_items if i.id != item_id)
            return self.update(option_id, list_items=items)


def _check_rules(rules: TextRules) -> None:
    for name in ("minimum_characters", "maximum_characters"):
        value = getattr(rules, name)
        if value is not None and value < 0:
            raise Invalid(f"{name} must be at least 0", field=name)
    low, high = rules.minimum_characters, rules.maximum_characters
    if low is not None and high is not None and high < low:
        raise Invalid(
            "maximum_characters must not be below minimum_characters", field="maximum_characters"
        )
    for name in ("only_starts_with", "only_ends_with", "only_contains"):
        value = getattr(rules, name)
        if value is not None and value not in CHARACTER_RULES:
            raise Invalid(f"{name} must be one of {', '.join(CHARACTER_RULES)}", field=name)
    if rules.error_message is not None and not rules.error_message.strip():
        raise Invalid("error_message cannot be whitespace only", field="error_message")

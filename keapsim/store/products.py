"""The catalogue: products (v1 ``/products``, v2 ``/products``, one store for both views) and
product categories (v2 ``/productCategories``).

A product's price is a ``Decimal`` in the account's currency unit (dollars): v1 sends and
reads it as a number (``product_price``), v2 as an integer of cents on requests and a
``CurrencyValue`` on answers. Inventory is a count the product keeps (``inventory_count``)
that ``:adjustInventory`` moves up or down; the v2 document says counts and limits "must be
greater than or equal to 0", so a decrease below zero is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from .base import Lookup, Query
from .errors import Invalid, NotFound
from .images import checked_image
from .indexes import HashIndex
from .resource import DeclaredStore, Field, ResourceSpec

INVENTORY_CHANGES = ("INCREASE", "DECREASE")


@dataclass(slots=True)
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


@dataclass(slots=True)
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


# -- subscription plans ----------------------------------------------------------------------
# Billing cycles in v2's words (the store's); v1 names them YEAR, MONTH, WEEK, DAY.
CYCLES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
CYCLE_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


@dataclass(slots=True)
class SubscriptionPlan:
    id: int
    product_id: int
    cycle: str
    plan_price: Decimal
    frequency: int = 1
    total_cycles: int = 0  # 0: the plan never ends
    active: bool = True
    prorate: bool = False
    display_order_index: int = 0


SUBSCRIPTION_PLAN = ResourceSpec(
    record=SubscriptionPlan,
    kind="SubscriptionPlan",
    id_kind="subscription_plan",
    # Keap's subscription.* hooks are about customers' subscriptions (COM-3), not plans.
    noun="subscriptionPlan",
    fields=(
        Field("product_id", int, required=True, reference="products"),
        Field("cycle", required=True, choices=CYCLES),
        Field("plan_price", Decimal, required=True),
        Field("frequency", int, default=1, minimum=1),  # "Must be greater than 0"
        Field("total_cycles", int, default=0, minimum=0),
        Field("active", bool, default=True),
        Field("prorate", bool, default=False),
        Field("display_order_index", int, default=0),
    ),
    indexes=lambda: [HashIndex[SubscriptionPlan]("product_id", lambda s: (s.product_id,))],
)


class SubscriptionPlanStore(DeclaredStore[SubscriptionPlan]):
    spec = SUBSCRIPTION_PLAN

    def attach(self) -> None:
        # A deleted product's plans go with it.
        self.tenant.products.table.on_remove.append(self._forget_product)

    def _forget_product(self, product: Product) -> None:
        for plan in self.of_product(product.id):
            self.table.remove(plan.id)

    def of_product(self, product_id: int) -> list[SubscriptionPlan]:
        query: Query[SubscriptionPlan] = Query(lookups=[Lookup("product_id", "eq", product_id)])
        return list(self.table.select(query))

    def get_of(self, product_id: int, ident: int) -> SubscriptionPlan:
        """The plan, a 404 when it is missing or belongs to another product."""
        self.tenant.products.get(product_id)
        plan = self.table.get(ident)
        if plan is None or plan.product_id != product_id:
            raise NotFound(self.spec.kind, ident)
        return plan

    def normalise(
        self, values: dict[str, Any], current: SubscriptionPlan | None, now: datetime
    ) -> dict[str, Any]:
        price = values.get("plan_price")
        if isinstance(price, Decimal) and price < 0:
            raise Invalid("plan_price must be greater than or equal to 0", field="plan_price")
        return values

    def name_of(self, plan: SubscriptionPlan) -> str:
        """The plan's display name. No document says how Keap names a plan; keapsim's is the
        product's name and the period ("Widget monthly", "Widget every 3 months")."""
        product = self.tenant.products.find(plan.product_id)
        base = product.name if product is not None else "Plan"
        unit = CYCLE_UNITS.get(plan.cycle, "period")
        if plan.frequency == 1:
            return f"{base} {plan.cycle.lower()}"
        return f"{base} every {plan.frequency} {unit}s"


# -- product interest bundles ----------------------------------------------------------------
INTEREST_TYPES = ("PRODUCT", "SUBSCRIPTION_PLAN")


@dataclass(slots=True)
class ProductInterestBundle:
    id: int
    name: str
    description: str


PRODUCT_INTEREST_BUNDLE = ResourceSpec(
    record=ProductInterestBundle,
    kind="ProductInterestBundle",
    id_kind="product_interest_bundle",
    noun="productInterestBundle",  # keapsim's own: no source names a hook for bundles
    fields=(
        Field("name", required=True, max_length=255),
        Field("description", required=True),
    ),
)


class ProductInterestBundleStore(DeclaredStore[ProductInterestBundle]):
    spec = PRODUCT_INTEREST_BUNDLE

    def delete(self, ident: int) -> None:
        """A deleted bundle's interests go with it."""
        with self.core.write():
            self.table.fetch(ident)
            for interest in self.tenant.product_interests.of_bundle(ident):
                self.tenant.product_interests.table.remove(interest.id)
            self.table.remove(ident)


@dataclass(slots=True)
class ProductInterest:
    id: int
    bundle_id: int
    type: str
    entity_id: int  # a product's id (PRODUCT) or a subscription plan's (SUBSCRIPTION_PLAN)
    price: Decimal
    quantity: int = 1  # "Defaults to 1"
    discount_percent: int = 0  # "Defaults to 0"


PRODUCT_INTEREST = ResourceSpec(
    record=ProductInterest,
    kind="ProductInterest",
    id_kind="product_interest",
    noun="productInterest",  # keapsim's own
    fields=(
        Field("bundle_id", int, required=True, reference="product_interest_bundles"),
        Field("type", required=True, choices=INTEREST_TYPES),
        Field("entity_id", int, required=True),
        Field("price", Decimal, required=True),
        Field("quantity", int, default=1, minimum=1),
        Field("discount_percent", int, default=0, minimum=0, maximum=100),
    ),
    indexes=lambda: [HashIndex[ProductInterest]("bundle_id", lambda i: (i.bundle_id,))],
)


class ProductInterestStore(DeclaredStore[ProductInterest]):
    spec = PRODUCT_INTEREST

    def attach(self) -> None:
        # An interest in a deleted product or plan goes with it.
        self.tenant.products.table.on_remove.append(
            lambda product: self._forget("PRODUCT", product.id)
        )
        self.tenant.subscription_plans.table.on_remove.append(
            lambda plan: self._forget("SUBSCRIPTION_PLAN", plan.id)
        )

    def _forget(self, kind: str, entity_id: int) -> None:
        gone = self.table.scan(lambda i: i.type == kind and i.entity_id == entity_id)
        for interest in list(gone):
            self.table.remove(interest.id)

    def of_bundle(self, bundle_id: int) -> list[ProductInterest]:
        query: Query[ProductInterest] = Query(lookups=[Lookup("bundle_id", "eq", bundle_id)])
        return list(self.table.select(query))

    def get_of(self, bundle_id: int, ident: int) -> ProductInterest:
        self.tenant.product_interest_bundles.get(bundle_id)
        interest = self.table.get(ident)
        if interest is None or interest.bundle_id != bundle_id:
            raise NotFound(self.spec.kind, ident)
        return interest

    def normalise(
        self, values: dict[str, Any], current: ProductInterest | None, now: datetime
    ) -> dict[str, Any]:
        price = values.get("price")
        if isinstance(price, Decimal) and price < 0:
            raise Invalid("price must be greater than or equal to 0", field="price")
        if current is None:
            kind, entity = values.get("type"), values.get("entity_id")
            store = self.tenant.products if kind == "PRODUCT" else self.tenant.subscription_plans
            if kind in INTEREST_TYPES and isinstance(entity, int) and entity not in store:
                raise Invalid(f"entity_id {entity} does not exist", field="entity_id")
        return values


# -- product options -------------------------------------------------------------------------
OPTION_TYPES = ("LIST", "TEXT")
CHARACTER_RULES = ("NONE", "LETTER", "DIGIT", "BOTH")


@dataclass(slots=True)
class OptionItem:
    """One selectable value of a LIST option (``ListOption``)."""

    id: int
    label: str
    code: str | None = None
    display_order: int = 0
    price_adjustment: Decimal = Decimal(0)  # negative: subtracted from the product's price


@dataclass(slots=True)
class TextRules:
    """What a TEXT option accepts (``TextOption``)."""

    minimum_characters: int | None = None
    maximum_characters: int | None = None
    allow_spaces: bool | None = None
    only_starts_with: str | None = None
    only_ends_with: str | None = None
    only_contains: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
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

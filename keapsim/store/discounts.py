"""Discounts (v2 ``/discounts/...``): the five kinds Keap has (shipping, products, product
categories, order totals, free trials), each with criteria, and the rule that decides which
discounts apply to an order and how much each takes off.

One store holds the five kinds: they share a name, a description and criteria, and differ
only in what they discount (a kind's fields are ``None`` on the others). Their CRUD is plain
(a :class:`~keapsim.store.resource.DeclaredStore`); Keap behaviour lives in the criteria
(:meth:`DiscountStore.add_criterion`, :meth:`DiscountStore.remove_criterion`) and in
:meth:`DiscountStore.lines_for` (which discounts apply to a basket). Shapes: the v2
document's ``ShippingDiscount``, ``ProductDiscount``, ``CategoryDiscount``,
``OrderTotalDiscount``, ``FreeTrialDiscount`` and ``DiscountCriteria``.

What the documents leave open, keapsim decides (docs/reference/commerce-subscriptions-discounts.md):
every criterion of a discount must hold (a discount without criteria always applies); a
promo code matches case-insensitively; a date range includes both ends; a product discount
of type AMOUNT takes its value off each unit; money is rounded half-up to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import UNCONVERTIBLE, Invalid, NotFound
from .indexes import HashIndex
from .order_records import DiscountLine, Order
from .resource import DeclaredStore, Field, ResourceSpec

SHIPPING, PRODUCT, CATEGORY, ORDER_TOTAL, FREE_TRIAL = (
    "SHIPPING",
    "PRODUCT",
    "CATEGORY",
    "ORDER_TOTAL",
    "FREE_TRIAL",
)
KINDS = (SHIPPING, PRODUCT, CATEGORY, ORDER_TOTAL, FREE_TRIAL)
# The NotFound wording of each kind ("Unable to find this <kind>").
KIND_NAMES = {
    SHIPPING: "Shipping Discount",
    PRODUCT: "Product Discount",
    CATEGORY: "Category Discount",
    ORDER_TOTAL: "Order Total Discount",
    FREE_TRIAL: "Free Trial Discount",
}
DISCOUNT_TYPES = ("AMOUNT", "PERCENT")
STRATEGIES = ("GROSS", "NET")  # "GROSS (before tax) or NET (after tax)"
CRITERIA_TYPES = ("DATE_RANGE", "PROMO_CODE", "PRODUCT", "SUBSCRIPTION_PLAN", "ORDER_TOTAL")
# "Type of criteria: DATE_RANGE or PROMO_CODE" (CategoryDiscountCriteriaRequest).
CATEGORY_CRITERIA_TYPES = ("DATE_RANGE", "PROMO_CODE")
OPERATORS = ("LESS_THAN", "GREATER_THAN")
CENT = Decimal("0.01")
# Keap's item type of each kind's discount line on an order (v2 OrderItem.item_type).
ITEM_TYPES = {
    SHIPPING: "DISCOUNT_SHIPPING",
    PRODUCT: "DISCOUNT_PRODUCT",
    CATEGORY: "DISCOUNT_PRODUCT_CATEGORY",
    ORDER_TOTAL: "DISCOUNT_ORDER_TOTAL",
    FREE_TRIAL: "DISCOUNT_FREE_TRIAL",
}
# Order items that are not goods a discount looks at.
NOT_GOODS = frozenset({"SHIPPING", "TAX", "FEE", "TIP", "FINANCE_CHARGE", "DISCOUNT"}) | set(
    ITEM_TYPES.values()
)
HUNDRED = Decimal(100)


@record_class(frozen=True)
class Criterion:
    """One ``DiscountCriteria``: which of its fields count depends on ``type``."""

    criteria_id: int
    type: str
    code: str | None = None
    range_start_time: datetime | None = None
    range_end_time: datetime | None = None
    product_id: int | None = None
    product_quantity_min: int | None = None
    product_quantity_max: int | None = None
    plan_id: int | None = None
    subscription_quantity: int | None = None
    total_amount: Decimal | None = None
    operator: str | None = None


@record_class
class Discount:
    id: int
    kind: str
    name: str
    description: str | None = None
    criteria: tuple[Criterion, ...] = ()
    discount_type: str | None = None  # shipping, products, order totals
    discount_value: Decimal | None = None
    apply_to_commissions: bool | None = None  # products, categories, order totals
    product_id: int | None = None  # products
    discount_percent: Decimal | None = None  # categories
    product_category_ids: tuple[int, ...] = ()  # categories
    discount_strategy: str | None = None  # order totals
    subscription_plan_id: int | None = None  # free trials
    free_trial_days: int | None = None
    hide_price: bool | None = None


DISCOUNT = ResourceSpec(
    record=Discount,
    kind="Discount",
    id_kind="discount",
    # No source names a hook event for discounts: the noun is keapsim's own.
    noun="discount",
    fields=(
        Field("kind", required=True, choices=KINDS),
        Field("name", required=True, max_length=255),
        Field("description"),
        Field("criteria", tuple, factory=tuple),
        Field("discount_type", choices=DISCOUNT_TYPES),
        Field("discount_value", Decimal),
        Field("apply_to_commissions", bool),
        Field("product_id", int, reference="products"),
        Field("discount_percent", Decimal),
        Field("product_category_ids", tuple, factory=tuple),
        Field("discount_strategy", choices=STRATEGIES),
        Field("subscription_plan_id", int, reference="subscription_plans"),
        Field("free_trial_days", int, minimum=0),
        Field("hide_price", bool),
    ),
    indexes=lambda: [HashIndex[Discount]("kind", lambda d: (d.kind,))],
)

# The fields each kind requires (the Create*DiscountRequest ``required`` lists) and the only
# kind-specific fields it may carry.
REQUIRED = {
    SHIPPING: ("discount_type", "discount_value"),
    PRODUCT: ("discount_type", "discount_value", "product_id"),
    CATEGORY: ("apply_to_commissions", "discount_percent", "product_category_ids"),
    ORDER_TOTAL: ("discount_type", "discount_value"),
    FREE_TRIAL: ("subscription_plan_id",),
}
OWN_FIELDS = {
    SHIPPING: ("discount_type", "discount_value"),
    PRODUCT: ("discount_type", "discount_value", "apply_to_commissions", "product_id"),
    CATEGORY: ("apply_to_commissions", "discount_percent", "product_category_ids"),
    ORDER_TOTAL: ("discount_type", "discount_value", "apply_to_commissions", "discount_strategy"),
    FREE_TRIAL: ("subscription_plan_id", "free_trial_days", "hide_price"),
}
COMMON_FIELDS = ("name", "description", "criteria")


# -- what a discount is applied to ------------------------------------------------------------
@record_class(frozen=True)
class BasketItem:
    """An order line as discounts see it: ``price`` is the unit price."""

    product_id: int | None
    quantity: int
    price: Decimal
    subscription_plan_id: int | None = None
    category_ids: frozenset[int] = frozenset()
    item_id: int | None = None

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


@record_class(frozen=True)
class Basket:
    """What an order offers the discount rules: its items, shipping, promo codes and time."""

    items: tuple[BasketItem, ...]
    time: datetime
    shipping: Decimal = Decimal(0)
    promo_codes: frozenset[str] = frozenset()

    @property
    def subtotal(self) -> Decimal:
        return sum((item.total for item in self.items), Decimal(0))


@record_class(frozen=True)
class DiscountAmount:
    """One discount applied to an order: ``amount`` is positive money off. ``applies_to``
    says what it reduced: ``ITEMS`` (product and category discounts), ``ORDER`` (order-total
    discounts, ``strategy`` GROSS or NET) or ``SHIPPING``."""

    discount_id: int
    kind: str
    name: str
    amount: Decimal
    applies_to: str
    strategy: str | None = None
    item_id: int | None = None


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _off(discount_type: str | None, value: Decimal | None, base: Decimal) -> Decimal:
    """What an AMOUNT or PERCENT discount takes off ``base`` (never more than ``base``)."""
    if value is None or base <= 0:
        return Decimal(0)
    amount = value if discount_type == "AMOUNT" else base * value / HUNDRED
    return min(cents(amount), base)


class DiscountStore(DeclaredStore[Discount]):
    spec = DISCOUNT

    def attach(self) -> None:
        # Order totals ask this store which discounts apply (docs/design/commerce.md).
        self.tenant.orders.discount_source = self
        # A discount on a deleted product, plan or category has nothing left to discount.
        self.tenant.products.table.on_remove.append(self._forget_product)
        self.tenant.subscription_plans.table.on_remove.append(self._forget_plan)
        self.tenant.product_categories.table.on_remove.append(self._forget_category)

    def _forget_product(self, product: Any) -> None:
        for discount in self.of_kind(PRODUCT):
            if discount.product_id == product.id:
                self.table.remove(discount.id)

    def _forget_plan(self, plan: Any) -> None:
        for discount in self.of_kind(FREE_TRIAL):
            if discount.subscription_plan_id == plan.id:
                self.table.remove(discount.id)

    def _forget_category(self, category: Any) -> None:
        for discount in self.of_kind(CATEGORY):
            if category.id in discount.product_category_ids:
                kept = tuple(i for i in discount.product_category_ids if i != category.id)
                self.table.replace(replace(discount, product_category_ids=kept))

    # -- reads ---------------------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Discount]:
        """The discounts of a kind in id order."""
        return list(self.table.select(Query(lookups=[Lookup("kind", "eq", kind)])))

    def get_of(self, kind: str, ident: int) -> Discount:
        """The discount, a 404 when it is missing or of another kind."""
        discount = self.table.get(ident)
        if discount is None or discount.kind != kind:
            raise NotFound(KIND_NAMES[kind], ident)
        return discount

    # -- writes --------------------------------------------------------------------------------
    def create(self, *positional: Any, **values: Any) -> Discount:
        """A discount of ``values["kind"]`` (what scenario files' ``records`` call): the same
        checks as :meth:`create_of`."""
        if positional:
            raise TypeError("discount fields are given by name")
        fields = dict(values)
        return self.create_of(fields.pop("kind", None), fields)

    def create_of(self, kind: str | None, values: dict[str, Any]) -> Discount:
        """A discount of ``kind`` from store values (criteria as dicts of criterion fields)."""
        if kind is None or kind not in KINDS:
            raise Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
        self._only_own(kind, values)
        for name in REQUIRED[kind]:
            if values.get(name) in (None, ()):
                raise Invalid(f"{name} is required", field=name)
        with self.core.write():
            criteria = self._criteria(kind, values.pop("criteria", None) or ())
            return super().create(kind=kind, criteria=criteria, **values)

    def update_of(self, kind: str, ident: int, values: dict[str, Any]) -> Discount:
        """Change the given fields; ``criteria`` given replaces every criterion."""
        self._only_own(kind, values)
        with self.core.write():
            self.get_of(kind, ident)
            if "criteria" in values:
                values["criteria"] = self._criteria(kind, values["criteria"] or ())
            return self.update(ident, **values)

    def delete_of(self, kind: str, ident: int) -> None:
        with self.core.write():
            self.get_of(kind, ident)
            self.delete(ident)

    def add_criterion(self, kind: str, ident: int, values: dict[str, Any]) -> Criterion:
        with self.core.write():
            discount = self.get_of(kind, ident)
            (criterion,) = self._criteria(kind, [values])
            self.table.replace(replace(discount, criteria=(*discount.criteria, criterion)))
            return criterion

    def remove_criterion(self, kind: str, ident: int, criteria_id: int) -> None:
        with self.core.write():
            discount = self.get_of(kind, ident)
            kept = tuple(c for c in discount.criteria if c.criteria_id != criteria_id)
            if len(kept) == len(discount.criteria):
                raise NotFound("Discount Criteria", criteria_id)
            self.table.replace(replace(discount, criteria=kept))

    def normalise(
        self, values: dict[str, Any], current: Discount | None, now: datetime
    ) -> dict[str, Any]:
        if isinstance(values.get("product_category_ids"), list):
            values = {**values, "product_category_ids": tuple(values["product_category_ids"])}
        for name in ("discount_value", "discount_percent"):
            amount = values.get(name)
            if isinstance(amount, Decimal) and amount < 0:
                raise Invalid(f"{name} must be greater than or equal to 0", field=name)
        percent_type = values.get("discount_type", current.discount_type if current else None)
        value = values.get("discount_value", current.discount_value if current else None)
        if percent_type == "PERCENT" and isinstance(value, Decimal) and value > HUNDRED:
            raise Invalid("A PERCENT discount_value must be at most 100", field="discount_value")
        percent = values.get("discount_percent")
        if isinstance(percent, Decimal) and percent > HUNDRED:
            raise Invalid("discount_percent must be at most 100", field="discount_percent")
        for category in values.get("product_category_ids") or ():
            if category not in self.tenant.product_categories:
                raise Invalid(
                    f"product_category_ids {category} does not exist", field="product_category_ids"
                )
        return values

    @staticmethod
    def _only_own(kind: str, values: dict[str, Any]) -> None:
        allowed = set(COMMON_FIELDS) | set(OWN_FIELDS[kind])
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(unknown)}", field=unknown[0])

    def _criteria(self, kind: str, items: Iterable[dict[str, Any]]) -> tuple[Criterion, ...]:
        allowed = CATEGORY_CRITERIA_TYPES if kind == CATEGORY else CRITERIA_TYPES
        return tuple(self._criterion(allowed, item) for item in items)

    def _criterion(self, allowed: Sequence[str], values: dict[str, Any]) -> Criterion:
        kind = values.get("type")
        if not isinstance(kind, str) or kind not in allowed:
            raise Invalid(f"criteria type must be one of {', '.join(allowed)}", field="type")
        _check_criterion(kind, values)
        if values.get("product_id") is not None and values["product_id"] not in (
            self.tenant.products
        ):
            raise Invalid(f"product_id {values['product_id']} does not exist", field="product_id")
        if values.get("plan_id") is not None and values["plan_id"] not in (
            self.tenant.subscription_plans
        ):
            raise Invalid(f"plan_id {values['plan_id']} does not exist", field="plan_id")
        fields = {
            k: _criterion_value(k, v) for k, v in values.items() if k not in ("type", "criteria_id")
        }
        try:
            return Criterion(self.core.next_id("discount_criteria"), kind, **fields)
        except TypeError:
            raise Invalid("Unknown criteria field") from None

    # -- which discounts apply ----------------------------------------------------------------
    def lines_for(self, basket: Basket) -> list[DiscountAmount]:
        """The discounts that apply to ``basket``, in the order they are taken off: item
        discounts (product, then category), then order totals (on the items after their
        discounts), then shipping. Free trials move a subscription's first bill date instead
        (:meth:`free_trial_days_for`): they take no money off an order."""
        lines: list[DiscountAmount] = []
        applicable = [d for d in self.table.values() if self.applies(d, basket)]
        for discount in (d for d in applicable if d.kind == PRODUCT):
            lines += _product_lines(discount, basket)
        for discount in (d for d in applicable if d.kind == CATEGORY):
            lines += _category_lines(discount, basket)
        items_after = basket.subtotal - sum((line.amount for line in lines), Decimal(0))
        for discount in (d for d in applicable if d.kind == ORDER_TOTAL):
            amount = _off(discount.discount_type, discount.discount_value, items_after)
            if amount:
                lines.append(
                    _line(discount, amount, "ORDER", discount.discount_strategy or "GROSS")
                )
                items_after -= amount
        shipping_left = basket.shipping
        for discount in (d for d in applicable if d.kind == SHIPPING):
            amount = _off(discount.discount_type, discount.discount_value, shipping_left)
            if amount:
                lines.append(_line(discount, amount, "SHIPPING"))
                shipping_left -= amount
        return lines

    def discounts_for(self, order: Order) -> Sequence[DiscountLine]:
        """The order's discount lines (``tenant.orders``' DiscountSource): its items other
        than shipping are the basket, its shipping items the shipping, at its order time."""
        goods = tuple(
            BasketItem(
                item.product_id,
                item.quantity,
                item.price,
                item.subscription_plan_id,
                self._categories_of(item.product_id),
                item.id,
            )
            for item in order.items
            if item.item_type not in NOT_GOODS
        )
        shipping = sum(
            (item.total for item in order.items if item.item_type == "SHIPPING"), Decimal(0)
        )
        basket = Basket(
            goods,
            order.order_time,
            shipping,
            frozenset(code.casefold() for code in order.promo_codes),
        )
        return [
            DiscountLine(
                line.name, line.amount, ITEM_TYPES[line.kind], line.discount_id, line.item_id
            )
            for line in self.lines_for(basket)
        ]

    def _categories_of(self, product_id: int | None) -> frozenset[int]:
        product = self.tenant.products.find(product_id)
        return frozenset(product.category_ids) if product is not None else frozenset()

    def applies(self, discount: Discount, basket: Basket) -> bool:
        """Every criterion holds (a discount without criteria applies to every order)."""
        return all(criterion_holds(c, basket) for c in discount.criteria)

    def free_trial_days_for(
        self, plan_id: int, promo_codes: Iterable[str], moment: datetime
    ) -> int:
        """The longest free trial that applies to a new subscription of ``plan_id``."""
        basket = Basket(
            items=(BasketItem(None, 1, Decimal(0), subscription_plan_id=plan_id),),
            time=moment,
            promo_codes=frozenset(code.casefold() for code in promo_codes),
        )
        trials = [
            d.free_trial_days or 0
            for d in self.of_kind(FREE_TRIAL)
            if d.subscription_plan_id == plan_id and self.applies(d, basket)
        ]
        return max(trials, default=0)


def _check_criterion(kind: str, values: dict[str, Any]) -> None:
    """A criterion names what its type needs."""
    needs = {
        "PROMO_CODE": ("code",),
        "PRODUCT": ("product_id",),
        "SUBSCRIPTION_PLAN": ("plan_id",),
        "ORDER_TOTAL": ("total_amount", "operator"),
        "DATE_RANGE": (),
    }[kind]
    for name in needs:
        if values.get(name) in (None, ""):
            raise Invalid(f"{name} is required for {kind} criteria", field=name)
    if values.get("operator") is not None and values["operator"] not in OPERATORS:
        raise Invalid(f"operator must be one of {', '.join(OPERATORS)}", field="operator")
    start, end = values.get("range_start_time"), values.get("range_end_time")
    if start is not None and end is not None and end < start:
        raise Invalid("range_end_time must not be before range_start_time", field="range_end_time")
    low, high = values.get("product_quantity_min"), values.get("product_quantity_max")
    if low is not None and high is not None and high < low:
        raise Invalid(
            "product_quantity_max must not be below product_quantity_min",
            field="product_quantity_max",
        )


# The type of each criterion field (text values from a scenario file are converted).
_CRITERION_FIELD_TYPES: dict[str, type] = {
    "code": str,
    "operator": str,
    "range_start_time": datetime,
    "range_end_time": datetime,
    "product_id": int,
    "product_quantity_min": int,
    "product_quantity_max": int,
    "plan_id": int,
    "subscription_quantity": int,
    "total_amount": Decimal,
}


def _criterion_value(name: str, value: Any) -> Any:
    kind = _CRITERION_FIELD_TYPES.get(name)
    if kind is None:
        raise Invalid(f"Unknown criteria field: {name}", field=name)
    if value is None:
        return None
    try:
        if kind is datetime and isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        elif (
            kind is Decimal and isinstance(value, int | float | str) and not isinstance(value, bool)
        ):
            value = Decimal(str(value))
    except (ValueError, InvalidOperation):
        raise Invalid(UNCONVERTIBLE, field=name) from None
    wrong_int = kind is int and isinstance(value, bool)
    infinite = isinstance(value, Decimal) and not value.is_finite()
    if not isinstance(value, kind) or wrong_int or infinite:
        raise Invalid(UNCONVERTIBLE, field=name)
    return value


def criterion_holds(criterion: Criterion, basket: Basket) -> bool:
    kind = criterion.type
    if kind == "DATE_RANGE":
        start, end = criterion.range_start_time, criterion.range_end_time
        return (start is None or basket.time >= start) and (end is None or basket.time <= end)
    if kind == "PROMO_CODE":
        return (criterion.code or "").casefold() in basket.promo_codes
    if kind == "PRODUCT":
        quantity = sum(i.quantity for i in basket.items if i.product_id == criterion.product_id)
        low = criterion.product_quantity_min or 1
        high = criterion.product_quantity_max
        return quantity >= low and (high is None or quantity <= high)
    if kind == "SUBSCRIPTION_PLAN":
        quantity = sum(
            i.quantity for i in basket.items if i.subscription_plan_id == criterion.plan_id
        )
        return quantity >= max(criterion.subscription_quantity or 1, 1)
    total = criterion.total_amount or Decimal(0)  # ORDER_TOTAL: on the items' subtotal
    if criterion.operator == "LESS_THAN":
        return basket.subtotal < total
    return basket.subtotal > total


def _line(
    discount: Discount,
    amount: Decimal,
    applies_to: str,
    strategy: str | None = None,
    item_id: int | None = None,
) -> DiscountAmount:
    return DiscountAmount(
        discount.id, discount.kind, discount.name, amount, applies_to, strategy, item_id
    )


def _product_lines(discount: Discount, basket: Basket) -> list[DiscountAmount]:
    lines = []
    for item in basket.items:
        if item.product_id != discount.product_id or item.quantity <= 0:
            continue
        if discount.discount_type == "AMOUNT":  # off each unit (keapsim's reading)
            per_unit = min(discount.discount_value or Decimal(0), item.price)
            amount = cents(per_unit * item.quantity)
        else:
            amount = _off("PERCENT", discount.discount_value, item.total)
        if amount:
            lines.append(_line(discount, amount, "ITEMS", item_id=item.item_id))
    return lines


def _category_lines(discount: Discount, basket: Basket) -> list[DiscountAmount]:
    wanted = set(discount.product_category_ids)
    lines = []
    for item in basket.items:
        if wanted & item.category_ids:
            amount = _off("PERCENT", discount.discount_percent, item.total)
            if amount:
                lines.append(_line(discount, amount, "ITEMS", item_id=item.item_id))
    return lines


__all__ = [
    "Basket",
    "BasketItem",
    "Criterion",
    "Discount",
    "DiscountAmount",
    "DiscountStore",
]

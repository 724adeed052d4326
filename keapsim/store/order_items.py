"""Order items: adding, changing and removing them, taxes and commissions on them (the
``OrderStore`` half that works on items; ``orders.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..datarecord import record_class
from .core import StoreCore
from .errors import Invalid
from .order_records import (
    ITEM_TYPES,
    MAX_AMOUNT,
    MAX_ORDER_TOTAL,
    MAX_QUANTITY,
    PAYOUT_TYPES,
    ZERO,
    Commission,
    Order,
    OrderItem,
    TaxLine,
    cents,
)

if TYPE_CHECKING:
    from .tenant import Tenant

ITEM_UPDATABLE = frozenset(
    {
        "name",
        "description",
        "notes",
        "quantity",
        "price",
        "cost",
        "product_id",
        "subscription_plan_id",
    }
)


@record_class(frozen=True)
class ItemInput:
    """An item to add: a product (its name and price are the default) or a free line with a
    ``name`` and ``price``; ``price`` overrides the product's."""

    quantity: int = 1
    product_id: int | None = None
    price: Decimal | None = None
    name: str | None = None
    description: str | None = None
    notes: str | None = None
    item_type: str | None = None
    cost: Decimal | None = None
    subscription_plan_id: int | None = None


class OrderStorePart:
    """What the halves of :class:`~keapsim.store.orders.OrderStore` (items, payments) use of
    the whole store."""

    if TYPE_CHECKING:  # provided by OrderStore
        tenant: Tenant
        core: StoreCore
        tax_rate: Decimal

        def get(self, ident: int) -> Order: ...
        def item(self, order_id: int, item_id: int) -> OrderItem: ...
        def _save(self, order: Order) -> Order: ...
        def _with_discounts(self, order: Order) -> Order: ...


class OrderItems(OrderStorePart):
    """Item operations of :class:`~keapsim.store.orders.OrderStore`."""

    def add_item(self, order_id: int, item: ItemInput) -> OrderItem:
        with self.core.write():
            order = self.get(order_id)
            new = self._new_item(item)
            changed = check_order_total(replace(order, items=(*order.items, new)))
            self._save(self._with_discounts(changed))
            return new

    def update_item(self, order_id: int, item_id: int, **changes: Any) -> OrderItem:
        unknown = set(changes) - ITEM_UPDATABLE
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}")
        with self.core.write():
            order = self.get(order_id)
            current = self.item(order_id, item_id)
            updated = _checked_item(replace(current, **changes))
            self._check_item_refs(updated)
            items = tuple(updated if i.id == item_id else i for i in order.items)
            self._save(self._with_discounts(check_order_total(replace(order, items=items))))
            return updated

    def remove_item(self, order_id: int, item_id: int) -> Order:
        with self.core.write():
            order = self.get(order_id)
            self.item(order_id, item_id)
            items = tuple(i for i in order.items if i.id != item_id)
            taxes = tuple(t for t in order.taxes if t.item_id != item_id)
            return self._save(self._with_discounts(replace(order, items=items, taxes=taxes)))

    def apply_commission(self, order_id: int, item_id: int, commission: Commission) -> OrderItem:
        """``:applyCommission``: adds an affiliate's commission to an item (of an affiliate
        the tenant has)."""
        check_choice(commission.payout_type, PAYOUT_TYPES, "payout_type")
        if commission.pay_percent is None and commission.commission_amount is None:
            raise Invalid("pay_percent or commission_amount is required", field="pay_percent")
        affiliates = self.tenant.affiliates
        with self.core.write():
            order = self.get(order_id)
            current = self.item(order_id, item_id)
            if commission.affiliate_id not in affiliates:
                raise Invalid(f"Affiliate {commission.affiliate_id} does not exist", "affiliate_id")
            updated = replace(current, commissions=(*current.commissions, commission))
            items = tuple(updated if i.id == item_id else i for i in order.items)
            self._save(replace(order, items=items))
            return updated

    def apply_tax(self, order_id: int, rate: Decimal | None = None) -> Order:
        """``:applyTax``: one tax line per item of a taxable product, replacing earlier ones."""
        rate = self.tax_rate if rate is None else rate
        with self.core.write():
            order = self.get(order_id)
            taxes = []
            for item in order.items:
                product = self.tenant.products.find(item.product_id)
                if product is not None and product.taxable:
                    amount = cents(item.total * rate)
                    taxes.append(TaxLine("Sales tax", rate, amount, item.id))
            return self._save(replace(order, taxes=tuple(taxes)))

    def _new_item(self, spec: ItemInput) -> OrderItem:
        product = (
            self.tenant.products.find(spec.product_id) if spec.product_id is not None else None
        )
        if spec.product_id is not None and product is None:
            raise Invalid(f"Product {spec.product_id} does not exist", field="product_id")
        plan = self._plan(spec.subscription_plan_id)
        price = (
            spec.price
            if spec.price is not None
            else (plan.plan_price if plan else product.price if product else None)
        )
        name = spec.name or (product.name if product else None)
        if name is None:
            raise Invalid("An item needs a product_id or a name", field="name")
        if price is None:
            raise Invalid("An item without a product needs a price", field="price")
        item_type = spec.item_type or ("SUBSCRIPTION" if plan else "PRODUCT")
        item = OrderItem(
            self.tenant.next_id("order_item"),
            name,
            spec.quantity,
            price,
            item_type,
            spec.product_id,
            spec.subscription_plan_id,
            spec.cost if spec.cost is not None else ZERO,
            spec.description
            if spec.description is not None
            else (product.description if product else None),
            spec.notes,
        )
        return _checked_item(item)

    def _plan(self, plan_id: int | None) -> Any:
        if plan_id is None:
            return None
        plan = self.tenant.subscription_plans.find(plan_id)
        if plan is None:
            raise Invalid(
                f"Subscription plan {plan_id} does not exist", field="subscription_plan_id"
            )
        return plan

    def _check_item_refs(self, item: OrderItem) -> None:
        if item.product_id is not None and item.product_id not in self.tenant.products:
            raise Invalid(f"Product {item.product_id} does not exist", field="product_id")
        self._plan(item.subscription_plan_id)


def _checked_item(item: OrderItem) -> OrderItem:
    quantity = item.quantity
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise Invalid(f"quantity must be between 1 and {MAX_QUANTITY}", field="quantity")
    if item.price < 0 and not item.item_type.startswith("DISCOUNT"):
        raise Invalid("price must be greater than or equal to 0", field="price")
    if item.cost < 0:
        raise Invalid("cost must be greater than or equal to 0", field="cost")
    for name, amount in (("price", item.price), ("cost", item.cost), ("price", item.total)):
        check_amount_bound(amount, name)
    check_choice(item.item_type, ITEM_TYPES, "item_type")
    return item


def check_amount_bound(amount: Decimal, name: str, bound: Decimal = MAX_AMOUNT) -> None:
    if not amount.is_finite() or abs(amount) > bound:
        raise Invalid(f"{name} must be at most {bound}", field=name)


def check_order_total(order: Order) -> Order:
    """An order whose items would add up beyond :data:`MAX_ORDER_TOTAL` is refused."""
    check_amount_bound(order.subtotal, "price", MAX_ORDER_TOTAL)
    return order


def check_choice(value: Any, choices: Sequence[str], name: str) -> None:
    if value not in choices:
        raise Invalid(f"{name} must be one of {', '.join(choices)}", field=name)

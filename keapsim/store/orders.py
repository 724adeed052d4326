"""Orders (v1 ``/orders``, v2 ``/orders``, one store for both views): items, totals, status,
payments, refunds and the transactions behind them (docs/design/commerce.md, "Orders core").

An order's totals are computed from its items, the discount lines its
:class:`~keapsim.store.order_records.DiscountSource` granted and the tax lines ``:applyTax``
added, so they always follow the items. Its status follows the money: UNPAID, PARTIALLY_PAID,
PAID, REFUNDED. A payment is written with its transaction in one write; a declined card leaves
a FAILED transaction and no payment. Events: the table raises Keap's ``order.add|edit|delete``;
payments raise ``invoice.payment.add|edit`` (``payments.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .base import Lookup, Query, Table
from .custom_fields import ORDER
from .errors import Invalid, NotFound
from .indexes import HashIndex, SortedIndex
from .order_items import ItemInput, OrderItems, check_amount_bound, check_choice, check_order_total
from .order_payments import COLLECTION, OrderPayments, PaymentOutcome, next_collection
from .order_records import (
    ORDER_TYPES,
    SOURCE_TYPES,
    DiscountSource,
    NoDiscounts,
    Order,
    OrderItem,
    PaymentPlan,
)
from .resource import RecordStore

__all__ = ["DEFAULT_TAX_RATE", "ItemInput", "OrderStore", "PaymentOutcome"]

# The rate ``:applyTax`` charges on taxable products (keapsim's choice: Keap computes taxes from
# the account's tax set-up, which no document describes; the store's ``tax_rate`` changes it).
DEFAULT_TAX_RATE = Decimal("0.10")
# Payment-plan bounds (keapsim's choice: the documents give none): at most 1,000 payments,
# 10 years apart at most, over 100 years at most, starting before year 9800 (so every due date
# is a date Python can hold).
MAX_PAYMENTS = 1000
MAX_DAYS_BETWEEN = 3650
MAX_PLAN_DAYS = 36525
LAST_START_YEAR = 9800
# Fields ``update`` may change (both versions' PATCH/PUT bodies name no others).
UPDATABLE = frozenset(
    {
        "title",
        "contact_id",
        "order_time",
        "order_type",
        "notes",
        "terms",
        "lead_affiliate_id",
        "sales_affiliate_id",
        "shipping_address",
        "promo_codes",
        "custom_fields",
        "invoice_number",
        "sent_time",
        "due_time",
        "payment_plan",
        "external_create_user",
        "external_create_time",
        "external_update_time",
    }
)


class OrderStore(RecordStore[Order], OrderItems, OrderPayments):
    record_type = Order

    def __init__(self, tenant: Any) -> None:
        super().__init__(tenant)
        self.discount_source: DiscountSource = NoDiscounts()
        self.tax_rate = DEFAULT_TAX_RATE

    def make_table(self) -> Table[Order]:
        return Table(
            self.core,
            kind="Order",
            id_kind="order",
            noun="order",  # Keap's order.add|edit|delete (keapsim/hooks/catalogue.py)
            indexes=[
                HashIndex[Order]("contact_id", lambda o: (o.contact_id,)),
                HashIndex[Order]("product_id", lambda o: o.product_ids),
                SortedIndex[Order](COLLECTION, next_collection),
                SortedIndex[Order]("order_time", lambda o: (o.order_time,), ordering=True),
                SortedIndex[Order]("update_time", lambda o: (o.update_time,), ordering=True),
            ],
        )

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)
        self.tenant.custom_fields.table.on_remove.append(self._drop_custom_field)

    def _drop_custom_field(self, field: Any) -> None:
        for order in list(self.table.scan(lambda o: field.id in o.custom_fields)):
            values = {k: v for k, v in order.custom_fields.items() if k != field.id}
            self.table.replace(replace(order, custom_fields=values))

    def _forget_contact(self, contact: Any) -> None:
        """A deleted contact's orders and their payments go with it (transactions stay: they
        are the gateway's history)."""
        for order in self.of_contact(contact.id):
            for payment in self.tenant.payments.of_order(order.id):
                self.tenant.payments.table.remove(payment.id)
            self.table.remove(order.id)

    def move_to_contact(self, from_contact: int, to_contact: int) -> None:
        """A merge: the duplicate's orders, their payments and transactions become the
        primary's (before the duplicate is deleted, which would take its orders along)."""
        with self.core.write():
            for order in self.of_contact(from_contact):
                self.table.replace(replace(order, contact_id=to_contact))
                for payment in self.tenant.payments.of_order(order.id):
                    self.tenant.payments.table.replace(replace(payment, contact_id=to_contact))
            for tx in list(
                self.tenant.transactions.table.scan(lambda t: t.contact_id == from_contact)
            ):
                self.tenant.transactions.table.replace(replace(tx, contact_id=to_contact))

    # -- reading ------------------------------------------------------------------------------
    def of_contact(self, contact_id: int) -> list[Order]:
        return list(self.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    def with_product(self, product_id: int) -> list[Order]:
        return list(self.select(Query(lookups=[Lookup("product_id", "eq", product_id)])))

    def item(self, order_id: int, item_id: int) -> OrderItem:
        found = self.get(order_id).item(item_id)
        if found is None:
            raise NotFound("Order Item", item_id)
        return found

    # -- orders -------------------------------------------------------------------------------
    def create(
        self,
        contact_id: int,
        items: Iterable[ItemInput] = (),
        *,
        title: str,
        order_time: datetime | None = None,
        order_type: str = "ONLINE",
        source_type: str = "API",
        **details: Any,
    ) -> Order:
        """A new order of ``contact_id``; ``details`` are further :data:`UPDATABLE` fields."""
        _check_details(details, allowed=UPDATABLE - {"payment_plan"})
        check_choice(order_type, ORDER_TYPES, "order_type")
        check_choice(source_type, SOURCE_TYPES, "source_type")
        if not title or not str(title).strip():
            raise Invalid("order_title is required", field="order_title")
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            self._check_references(details)
            now = self.core.now()
            order = Order(
                self.table.new_id(),
                contact_id,
                str(title),
                order_time or now,
                now,
                now,
                order_type=order_type,
                source_type=source_type,
                **details,
            )
            order = check_order_total(replace(order, items=tuple(self._new_item(i) for i in items)))
            return self.table.add(self._with_discounts(order))

    def update(self, order_id: int, **changes: Any) -> Order:
        _check_details(changes, allowed=UPDATABLE)
        if "order_type" in changes:
            check_choice(changes["order_type"], ORDER_TYPES, "order_type")
        if "title" in changes and not (changes["title"] or "").strip():
            raise Invalid("order_title is required", field="order_title")
        for name in ("contact_id", "order_time"):
            if name in changes and changes[name] is None:
                raise Invalid(f"{name} cannot be cleared", field=name)
        with self.core.write():
            order = self.get(order_id)
            if "contact_id" in changes:
                self.tenant.contacts.get(changes["contact_id"])
            self._check_references(changes)
            plan = changes.get("payment_plan")
            if plan is not None:
                self._check_plan(plan)
            order = replace(order, **changes)
            if "promo_codes" in changes:
                order = self._with_discounts(order)
            return self._save(order)

    def check_delete(self, record: Order) -> None:
        # keapsim's choice (no document says): an order that has taken money keeps its
        # history; a refund or a write-off does not free it either.
        if self.tenant.payments.of_order(record.id):
            raise Invalid(f"Order {record.id} has payments and cannot be deleted")

    def set_payment_plan(self, order_id: int, plan: PaymentPlan) -> Order:
        return self.update(order_id, payment_plan=plan)

    # -- files --------------------------------------------------------------------------------
    def attach_file(self, order_id: int, file_id: int) -> Order:
        with self.core.write():
            order = self.get(order_id)
            if file_id not in self.tenant.files:
                raise Invalid(f"File {file_id} does not exist", field="file_id")
            if file_id in order.file_ids:
                return order
            return self._save(replace(order, file_ids=(*order.file_ids, file_id)))

    def detach_file(self, order_id: int, file_id: int) -> Order:
        with self.core.write():
            order = self.get(order_id)
            if file_id not in order.file_ids:
                raise Invalid(f"File {file_id} is not attached to order {order_id}", "file_id")
            return self._save(
                replace(order, file_ids=tuple(f for f in order.file_ids if f != file_id))
            )

    # -- internals ----------------------------------------------------------------------------
    def _check_references(self, values: dict[str, Any]) -> None:
        if values.get("custom_fields"):
            self.tenant.custom_fields.check_values(ORDER, values["custom_fields"], "custom_fields")
        if "promo_codes" in values:
            values["promo_codes"] = tuple(values["promo_codes"] or ())
        if "file_ids" in values:
            raise Invalid("file_ids are changed by attach_file / detach_file")

    def _check_plan(self, plan: PaymentPlan) -> None:
        """Keap's plan fields, within bounds keapsim sets (the documents give none): at most
        :data:`MAX_PAYMENTS` payments, at most :data:`MAX_DAYS_BETWEEN` days apart."""
        if not 1 <= plan.number_of_payments <= MAX_PAYMENTS:
            raise Invalid(
                f"number_of_payments must be between 1 and {MAX_PAYMENTS}", "number_of_payments"
            )
        if not 0 <= plan.days_between_payments <= MAX_DAYS_BETWEEN:
            raise Invalid(
                f"days_between_payments must be between 0 and {MAX_DAYS_BETWEEN}",
                "days_between_payments",
            )
        span = plan.days_between_payments * (plan.number_of_payments - 1)
        if span > MAX_PLAN_DAYS:
            raise Invalid("A payment plan may span at most 100 years", "number_of_payments")
        if date.fromisoformat(plan.plan_start_date).year > LAST_START_YEAR:
            raise Invalid("plan_start_date is too far in the future", "plan_start_date")
        if plan.initial_payment_amount is not None:
            if plan.initial_payment_amount < 0:
                raise Invalid("initial_payment_amount must be at least 0", "initial_payment_amount")
            check_amount_bound(plan.initial_payment_amount, "initial_payment_amount")
        if plan.card_id is not None and plan.card_id not in self.tenant.credit_cards:
            raise Invalid(
                f"Payment method {plan.card_id} does not exist", field="payment_method_id"
            )

    def _with_discounts(self, order: Order) -> Order:
        return replace(order, discounts=tuple(self.discount_source.discounts_for(order)))

    def _save(self, order: Order) -> Order:
        return self.table.replace(replace(order, update_time=self.core.now()))


def _check_details(values: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}")

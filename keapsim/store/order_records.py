"""The order records and their money: items, discount and tax lines, totals, status, payment
plans (the store that writes them is ``orders.py``; docs/design/commerce.md, "Orders core").

Every amount is a ``Decimal`` in the account's currency unit (dollars), rounded half-up to
cents where keapsim computes it (a tax, a plan instalment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Protocol

from ..datarecord import record_class
from .errors import Invalid

CENT = Decimal("0.01")
ZERO = Decimal(0)
# Bounds keapsim puts on amounts (keapsim's choice: the documents give none) so that every
# total fits v2's int64 of cents and Decimal's 28 digits: one price, cost, line or payment, and
# an order's total.
MAX_AMOUNT = Decimal("999999999.99")
MAX_ORDER_TOTAL = Decimal("999999999999.99")
MAX_QUANTITY = 2**31 - 1  # int32, as both documents type it

# Order status (v1's ``status`` is a bare string in its document; these are keapsim's words,
# issue 13's "unpaid / paid / partially paid / refunded"). v2 maps them onto its enum.
UNPAID, PARTIALLY_PAID, PAID, REFUNDED = "UNPAID", "PARTIALLY_PAID", "PAID", "REFUNDED"
ORDER_STATUSES = (UNPAID, PARTIALLY_PAID, PAID, REFUNDED)
# Refund status, after the legacy Invoice.RefundStatus values 0 / 1 / 2 (no refund, partially,
# completely refunded; community.infusionsoft.com/t/status-field-options-in-invoice-table/606).
# v2's ``refund_status`` example is "NONE"; the other two names are keapsim's.
REFUND_NONE, REFUND_PARTIAL, REFUND_FULL = "NONE", "PARTIALLY_REFUNDED", "FULLY_REFUNDED"

ORDER_TYPES = ("ONLINE", "OFFLINE")  # v2's words; v1 says Online / Offline
SOURCE_TYPES = ("API", "CHECKOUT_FORM", "INVOICE", "MANUAL_PAYMENT", "QUICKBOOKS", "UNKNOWN")
# Item types (v2's OrderItem.item_type enum; v1's SPECIAL_* names are mapped to the DISCOUNT_*
# ones by the v1 adapter). A discount item carries a negative price.
ITEM_TYPES = (
    "PRODUCT",
    "SHIPPING",
    "TAX",
    "SERVICE",
    "UPSELL",
    "FINANCE_CHARGE",
    "PROGRAM",
    "SUBSCRIPTION",
    "DISCOUNT",
    "DISCOUNT_FREE_TRIAL",
    "DISCOUNT_ORDER_TOTAL",
    "DISCOUNT_PRODUCT",
    "DISCOUNT_PRODUCT_CATEGORY",
    "DISCOUNT_SHIPPING",
    "TIP",
    "OTHER",
    "FEE",
    "UNKNOWN",
)
PAYOUT_TYPES = ("UPFRONT", "PAYMENT_RECEIVED")  # v2 ApplyCommissionRequest.payout_type


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@record_class
class Commission:
    """An affiliate commission applied to an item (v2 ``:applyCommission``)."""

    affiliate_id: int
    payout_type: str
    pay_percent: Decimal | None = None
    commission_amount: Decimal | None = None
    description: str | None = None
    commission_date: str | None = None  # ISO date


@record_class
class OrderItem:
    id: int
    name: str
    quantity: int
    price: Decimal  # per unit
    item_type: str = "PRODUCT"
    product_id: int | None = None
    subscription_plan_id: int | None = None
    cost: Decimal = ZERO  # per unit
    description: str | None = None
    notes: str | None = None
    commissions: tuple[Commission, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


@record_class(frozen=True)
class DiscountLine:
    """A discount a :class:`DiscountSource` grants an order: ``amount`` (positive) comes off
    the total. ``item_type`` is Keap's word for it (DISCOUNT_ORDER_TOTAL, DISCOUNT_PRODUCT,
    DISCOUNT_SHIPPING, DISCOUNT_FREE_TRIAL ...); ``item_id`` the item it is for, if one."""

    name: str
    amount: Decimal
    item_type: str = "DISCOUNT"
    discount_id: int | None = None
    item_id: int | None = None


@record_class(frozen=True)
class TaxLine:
    """A tax ``:applyTax`` computed for one taxable item."""

    name: str
    rate: Decimal
    amount: Decimal
    item_id: int


@record_class
class PaymentPlan:
    """How an order's total is paid over time (v1 ``paymentPlan`` PUT, v2 PATCH
    ``payment_plan``): an optional initial payment, then ``number_of_payments`` equal
    payments ``days_between_payments`` apart from ``plan_start_date``. Dates are ISO dates
    ("YYYY-MM-DD") in the account's time zone."""

    number_of_payments: int
    days_between_payments: int
    plan_start_date: str
    initial_payment_amount: Decimal | None = None
    initial_payment_date: str | None = None
    auto_charge: bool = False
    card_id: int | None = None
    merchant_id: int | None = None
    max_charge_attempts: int | None = None
    days_between_retries: int | None = None
    # The automatic collection's state (``OrderStore.collect_due``): failed charges in a row
    # and the date of the last attempt.
    failed_attempts: int = 0
    last_attempt: str | None = None

    @property
    def charges_automatically(self) -> bool:
        return self.auto_charge and self.card_id is not None


@record_class(frozen=True)
class PlanInstalment:
    """One scheduled payment of a plan, with what has been paid towards it (payments are
    applied to instalments in date order). Status in v2's PaymentPlanItem words."""

    due_date: str
    amount_due: Decimal
    amount_paid: Decimal
    status: str


@record_class
class Order:
    id: int
    contact_id: int
    title: str
    order_time: datetime
    create_time: datetime
    update_time: datetime
    items: tuple[OrderItem, ...] = ()
    order_type: str = "ONLINE"
    source_type: str = "API"
    notes: str | None = None
    terms: str | None = None
    lead_affiliate_id: int | None = None
    sales_affiliate_id: int | None = None
    shipping_address: dict[str, Any] | None = None
    promo_codes: tuple[str, ...] = ()
    discounts: tuple[DiscountLine, ...] = ()
    taxes: tuple[TaxLine, ...] = ()
    total_paid: Decimal = ZERO  # every payment taken (refunds not subtracted)
    refund_total: Decimal = ZERO
    payment_plan: PaymentPlan | None = None
    file_ids: tuple[int, ...] = ()
    custom_fields: dict[int, Any] = field(default_factory=dict)
    # {product id: quantity} the order has already taken off the products' inventory (taken
    # when the order is paid in full: docs/design/commerce.md, "Inventory").
    stock_taken: dict[int, int] = field(default_factory=dict)
    invoice_number: str | None = None
    sent_time: datetime | None = None
    due_time: datetime | None = None
    external_create_user: str | None = None
    external_create_time: datetime | None = None
    external_update_time: datetime | None = None

    # What the dashboard's records page shows of an order (keapsim/admin/records.py).
    dashboard_columns: ClassVar[tuple[str, ...]] = (
        "title",
        "status",
        "total",
        "total_due",
        "update_time",
    )

    # -- money (computed, so totals always follow the items) ----------------------------------
    @property
    def subtotal(self) -> Decimal:
        return sum((item.total for item in self.items), ZERO)

    @property
    def discount_total(self) -> Decimal:
        """What the discounts take off, never more than the items are worth."""
        return min(sum((line.amount for line in self.discounts), ZERO), max(self.subtotal, ZERO))

    @property
    def tax_total(self) -> Decimal:
        return sum((line.amount for line in self.taxes), ZERO)

    @property
    def total(self) -> Decimal:
        """Never below 0 (discount items carry negative prices)."""
        return max(self.subtotal - self.discount_total + self.tax_total, ZERO)

    @property
    def total_due(self) -> Decimal:
        """What is still owed: the total less what was paid and kept (a refund re-opens
        nothing: a refunded order is settled)."""
        return max(self.total - self.total_paid, ZERO)

    @property
    def status(self) -> str:
        if self.refund_total > 0 and self.refund_total >= self.total_paid:
            return REFUNDED
        if self.total_paid <= 0:
            return PAID if self.items and self.total == 0 else UNPAID
        return PAID if self.total_paid >= self.total else PARTIALLY_PAID

    @property
    def refund_status(self) -> str:
        if self.refund_total <= 0:
            return REFUND_NONE
        return REFUND_FULL if self.refund_total >= self.total_paid else REFUND_PARTIAL

    @property
    def product_ids(self) -> tuple[int, ...]:
        return tuple({i.product_id for i in self.items if i.product_id is not None})

    def item(self, item_id: int) -> OrderItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def instalments(self) -> list[PlanInstalment]:
        return plan_instalments(self) if self.payment_plan is not None else []


class DiscountSource(Protocol):
    """What the order totals ask for discounts (com3's ``tenant.discounts`` implements it).
    Called inside the write that changes an order's items or promo codes; the lines it returns
    are kept on the order until the next such change."""

    def discounts_for(self, order: Order) -> Sequence[DiscountLine]: ...


class NoDiscounts:
    """The default :class:`DiscountSource`: no discounts."""

    def discounts_for(self, order: Order) -> Sequence[DiscountLine]:
        return ()


def plan_instalments(order: Order) -> list[PlanInstalment]:
    """The plan's schedule: the initial payment (if any), then the rest of the total in equal
    parts (the last one takes the rounding); what was paid is applied in date order."""
    plan = order.payment_plan
    assert plan is not None
    dues: list[tuple[str, Decimal]] = []
    rest = order.total
    if plan.initial_payment_amount:
        initial = min(plan.initial_payment_amount, rest)
        dues.append((plan.initial_payment_date or plan.plan_start_date, initial))
        rest -= initial
    count = max(plan.number_of_payments, 1)
    part = cents(rest / count)
    start = date.fromisoformat(plan.plan_start_date)
    for number in range(count):
        amount = part if number < count - 1 else rest - part * (count - 1)
        due = start + timedelta(days=plan.days_between_payments * number)
        dues.append((due.isoformat(), amount))
    paid = order.total_paid - order.refund_total
    unpaid_status = "UNPAID_AUTOCHARGE" if plan.auto_charge else "UNPAID_MANUAL"
    schedule = []
    for due_date, amount in dues:
        applied = min(max(paid, ZERO), amount)
        paid -= applied
        status = "PAID" if applied >= amount else unpaid_status
        schedule.append(PlanInstalment(due_date, amount, applied, status))
    return schedule


def iso_date(value: str | date | datetime, name: str) -> str:
    """An ISO date string, or Invalid naming the field."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise Invalid(f"{name} must be a date (YYYY-MM-DD)", field=name) from None

"""The affiliate ledger: commissions earned on paid orders, clawbacks on refunds, payments to
affiliates, and the summaries the API reports (earned, clawbacks, balance).

Commission rules (keapsim's reading of ``swagger.yml``'s DefaultCommission /
ProductCommission / SubscriptionCommission; the document gives the fields, not the
arithmetic; ``docs/design/commerce.md`` "Affiliates"):

- An order names a **sales** affiliate and a **lead** affiliate. Each earns from the first of
  its programs, lowest ``priority`` first, that has a rate for the line: a subscription
  commission for the line's plan, else a product commission for its product, else the
  program's default commission. No program with a rate, no commission.
- The sales affiliate earns ``level_1.sale_percent`` % of the line total plus
  ``level_1.sale_amount`` per unit; the lead affiliate ``level_1.lead_percent`` /
  ``level_1.lead_amount``. The parent of each earns the ``level_2`` values of the same role.
  ``unused`` is kept and shown but earns nothing: no source says when it applies.
- ``PAYMENT_RECEIVED`` earns in step with payments (a payment of a third of the order total
  earns a third of the commission); ``UPFRONT`` earns the whole commission with the first
  payment.
- An item with commissions applied to it (v2 ``:applyCommission``, ``item.commissions``)
  earns those instead: ``pay_percent`` % of the line total plus ``commission_amount``, for the
  affiliate named, with the payout type given.
- Only goods earn: product, subscription, service, upsell and program lines; shipping, tax,
  fees, finance charges, tips and discount lines do not, and order discounts do not lower
  the line totals commissions are figured on.
- A refund claws back, from every affiliate that earned on the order, the refunded share of
  what had been paid, of what it earned there (never more than it still holds from it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from ..datarecord import record_class
from .affiliate_programs import CommissionItem, CommissionProgram, CommissionRates
from .affiliates import Affiliate
from .base import Lookup, Query
from .events import ChangeEvent
from .indexes import HashIndex
from .order_records import Order
from .resource import DeclaredStore, Field, ResourceSpec

ZERO = Decimal(0)
COMMISSIONABLE = frozenset({"PRODUCT", "SUBSCRIPTION", "SERVICE", "UPSELL", "PROGRAM"})
CENT = Decimal("0.01")
ENTRY_KINDS = ("COMMISSION", "CLAWBACK")
ROLES = ("SALE", "LEAD")
PAY_TYPES = (
    "CASH",
    "CHECK",
    "CREDIT_CARD",
    "CREDIT_CARD_MANUAL",
    "MONEY_ORDER",
    "ADJUSTMENT",
    "CREDIT",
    "REFUND",
)


# Room for any amount a double can hold: quantizing to cents never runs out of digits.
WIDE = Context(prec=400)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


# -- the records -----------------------------------------------------------------------------
@record_class
class CommissionEntry:
    """One line of an affiliate's ledger: a commission earned (``COMMISSION``) or taken back
    (``CLAWBACK``; ``amount`` is positive in both)."""

    id: int
    affiliate_id: int
    kind: str
    amount: Decimal
    time_earned: datetime
    order_id: int | None = None
    contact_id: int | None = None
    sales_affiliate_id: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    subscription_plan_name: str | None = None
    description: str | None = None
    role: str = "SALE"
    level: int = 1


COMMISSION_ENTRY = ResourceSpec(
    record=CommissionEntry,
    kind="AffiliateCommission",
    id_kind="affiliate_commission",
    noun="affiliateCommission",  # keapsim's own: no source names a hook for commissions
    fields=(
        Field("affiliate_id", int, required=True, reference="affiliates"),
        Field("kind", required=True, choices=ENTRY_KINDS),
        Field("amount", Decimal, required=True),
        Field("time_earned", datetime, required=True),
        Field("order_id", int),
        Field("contact_id", int),
        Field("sales_affiliate_id", int),
        Field("product_id", int),
        Field("product_name"),
        Field("subscription_plan_name"),
        Field("description"),
        Field("role", default="SALE", choices=ROLES),
        Field("level", int, default=1, minimum=1, maximum=2),
    ),
    indexes=lambda: [
        HashIndex[CommissionEntry]("affiliate_id", lambda c: (c.affiliate_id,)),
        HashIndex[CommissionEntry](
            "order_id", lambda c: () if c.order_id is None else (c.order_id,)
        ),
    ],
)


@record_class
class AffiliatePayment:
    """A payment made to an affiliate (no API operation creates one: seed data, scenario
    files and ``tenant.affiliate_payments.create`` do)."""

    id: int
    affiliate_id: int
    pay_amount: Decimal
    pay_type: str = "CHECK"
    pay_date: datetime | None = None
    pay_notes: str | None = None
    create_time: datetime | None = None


AFFILIATE_PAYMENT = ResourceSpec(
    record=AffiliatePayment,
    kind="AffiliatePayment",
    id_kind="affiliate_payment",
    noun="affiliatePayment",  # keapsim's own
    fields=(
        Field("affiliate_id", int, required=True, reference="affiliates"),
        Field("pay_amount", Decimal, required=True),
        Field("pay_type", default="CHECK", choices=PAY_TYPES),
        Field("pay_date", datetime),
        Field("pay_notes"),
    ),
    created="create_time",
    indexes=lambda: [HashIndex[AffiliatePayment]("affiliate_id", lambda p: (p.affiliate_id,))],
)


class AffiliatePaymentStore(DeclaredStore[AffiliatePayment]):
    spec = AFFILIATE_PAYMENT

    def attach(self) -> None:
        self.tenant.affiliates.table.on_remove.append(self._forget_affiliate)

    def normalise(
        self, values: dict[str, Any], current: AffiliatePayment | None, now: datetime
    ) -> dict[str, Any]:
        if current is None and values.get("pay_date") is None:
            return {**values, "pay_date": now}  # paid when recorded, unless told otherwise
        return values

    def of_affiliate(self, affiliate_id: int) -> list[AffiliatePayment]:
        query: Query[AffiliatePayment] = Query(lookups=[Lookup("affiliate_id", "eq", affiliate_id)])
        return list(self.table.select(query))

    def _forget_affiliate(self, affiliate: Affiliate) -> None:
        for payment in self.of_affiliate(affiliate.id):
            self.table.remove(payment.id)


# -- what an order tells the ledger ----------------------------------------------------------
@record_class(frozen=True)
class AppliedCommission:
    """A commission applied to an order item by hand (the order store's ``Commission``)."""

    affiliate_id: int
    payout_type: str
    percent: Decimal
    amount: Decimal


@record_class(frozen=True)
class SaleLine:
    product_id: int | None
    name: str | None
    quantity: int
    total: Decimal  # the line's price × quantity
    subscription_plan_id: int | None = None
    subscription_plan_name: str | None = None
    applied: tuple[AppliedCommission, ...] = ()


@record_class(frozen=True)
class Sale:
    """The parts of an order commissions read (built from ``tenant.orders``' order)."""

    order_id: int
    contact_id: int | None
    total: Decimal
    lines: tuple[SaleLine, ...]
    sales_affiliate_id: int | None = None
    lead_affiliate_id: int | None = None


@record_class(frozen=True)
class Earning:
    """A commission one affiliate earns on one line (before payments are applied)."""

    affiliate_id: int
    line: SaleLine
    amount: Decimal
    payout_type: str
    role: str
    level: int


@record_class(frozen=True)
class Summary:
    affiliate_id: int
    amount_earned: Decimal
    clawbacks: Decimal
    payments: Decimal

    @property
    def balance(self) -> Decimal:
        return self.amount_earned - self.clawbacks - self.payments


class CommissionStore(DeclaredStore[CommissionEntry]):
    spec = COMMISSION_ENTRY
    _unsubscribe: Callable[[], None] | None = None

    def attach(self) -> None:
        self.tenant.affiliates.table.on_remove.append(self._forget_affiliate)
        if len(self.tenant.affiliates):
            self.listen()

    # -- the order events ----------------------------------------------------------------------
    def listen(self) -> None:
        """Earn and claw back from now on. Called once the tenant has an affiliate: a tenant
        without one earns nothing, and its writes keep skipping change events when nothing
        else listens (``EventBus.active``)."""
        if self._unsubscribe is None:
            self._unsubscribe = self.tenant.events.subscribe(self._on_event)

    def _on_event(self, event: ChangeEvent) -> None:
        if self.tenant.built("affiliate_commissions") is not self:
            # A reset rebuilt the stores (the event bus stays): this one is retired.
            if self._unsubscribe is not None:
                self._unsubscribe()
            return
        if event.event_key == "invoice.payment.add":
            self.on_payment(event.object_id)

    def on_payment(self, payment_id: int) -> list[CommissionEntry]:
        """Earn on a payment taken, claw back on a refund (``docs/design/commerce.md``)."""
        payment = self.tenant.payments.find(payment_id)
        if payment is None:
            return []
        order = self.tenant.orders.find(payment.order_id)
        if order is None:
            return []
        sale = self.sale_of(order)
        # What had happened before this payment, read from the order's earlier payment
        # records (ids grow), not from its totals: a later payment may have landed already.
        earlier = [p for p in self.tenant.payments.of_order(order.id) if p.id < payment.id]
        if payment.refund_of is not None:
            paid_before = _sum(p.amount for p in earlier if p.refund_of is None) - _sum(
                p.amount for p in earlier if p.refund_of is not None
            )
            return self.claw_back(sale, payment.amount, paid_before)
        if payment.skip_commission:
            return []
        first = not any(p.refund_of is None for p in earlier)
        return self.earn(sale, payment.amount, first_payment=first)

    def sale_of(self, order: Order) -> Sale:
        lines = []
        for item in order.items:
            if item.item_type not in COMMISSIONABLE:
                continue
            plan = self.tenant.subscription_plans.find(item.subscription_plan_id)
            applied = tuple(
                AppliedCommission(
                    c.affiliate_id,
                    c.payout_type,
                    c.pay_percent or ZERO,
                    c.commission_amount or ZERO,
                )
                for c in item.commissions
            )
            lines.append(
                SaleLine(
                    product_id=item.product_id,
                    name=item.name,
                    quantity=item.quantity,
                    total=item.price * item.quantity,
                    subscription_plan_id=None if plan is None else plan.id,
                    subscription_plan_name=None if plan is None else item.name,
                    applied=applied,
                )
            )
        return Sale(
            order_id=order.id,
            contact_id=order.contact_id,
            total=order.total,
            lines=tuple(lines),
            sales_affiliate_id=order.sales_affiliate_id,
            lead_affiliate_id=order.lead_affiliate_id,
        )

    # -- reads ---------------------------------------------------------------------------------
    def of_affiliate(
        self,
        affiliate_id: int,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[CommissionEntry]:
        query: Query[CommissionEntry] = Query(lookups=[Lookup("affiliate_id", "eq", affiliate_id)])
        return [
            entry
            for entry in self.table.select(query)
            if (kind is None or entry.kind == kind)
            and (since is None or entry.time_earned >= since)
            and (until is None or entry.time_earned <= until)
        ]

    def of_order(self, order_id: int) -> list[CommissionEntry]:
        return list(self.table.select(Query(lookups=[Lookup("order_id", "eq", order_id)])))

    def summary(
        self, affiliate_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> Summary:
        entries = self.of_affiliate(affiliate_id, since=since, until=until)
        payments = [
            p.pay_amount
            for p in self.tenant.affiliate_payments.of_affiliate(affiliate_id)
            if (since is None or (p.pay_date is not None and p.pay_date >= since))
            and (until is None or (p.pay_date is not None and p.pay_date <= until))
        ]
        return Summary(
            affiliate_id,
            _sum(e.amount for e in entries if e.kind == "COMMISSION"),
            _sum(e.amount for e in entries if e.kind == "CLAWBACK"),
            _sum(payments),
        )

    # -- earning -------------------------------------------------------------------------------
    def earn(self, sale: Sale, paid: Decimal, *, first_payment: bool) -> list[CommissionEntry]:
        """Record the commissions a payment of ``paid`` on ``sale`` earns."""
        if sale.total <= ZERO or paid <= ZERO:
            return []
        share = min(paid / sale.total, Decimal(1))
        with self.core.write():
            now = self.core.now()
            entries = []
            for earning in self.earnings(sale):
                if earning.payout_type == "UPFRONT":
                    amount = earning.amount if first_payment else ZERO
                else:
                    amount = earning.amount * share
                amount = cents(amount)
                if amount > ZERO:
                    entries.append(self._entry(sale, earning, amount, now))
            return entries

    def claw_back(self, sale: Sale, refunded: Decimal, paid: Decimal) -> list[CommissionEntry]:
        """Take back, from what each affiliate earned on ``sale``, the share ``refunded`` is
        of ``paid`` (what the customer had paid before the refund)."""
        if paid <= ZERO or refunded <= ZERO:
            return []
        share = min(refunded / paid, Decimal(1))
        with self.core.write():
            now = self.core.now()
            entries = []
            for key, (earned, held, sample) in self._held_by_affiliate(sale.order_id).items():
                amount = min(cents(earned * share), held)
                if amount <= ZERO:
                    continue
                record = self._add_entry(
                    sale,
                    affiliate_id=key,
                    kind="CLAWBACK",
                    amount=amount,
                    time_earned=now,
                    product_id=sample.product_id,
                    product_name=sample.product_name,
                    subscription_plan_name=sample.subscription_plan_name,
                    description=f"Refund of order {sale.order_id}",
                    role=sample.role,
                    level=sample.level,
                )
                entries.append(record)
            return entries

    def earnings(self, sale: Sale) -> list[Earning]:
        """Every commission the sale's affiliates (and their parents) earn on its lines."""
        found = [
            Earning(
                applied.affiliate_id,
                line,
                line.total * applied.percent / Decimal(100) + applied.amount,
                applied.payout_type,
                "SALE",
                1,
            )
            for line in sale.lines
            for applied in line.applied
            if applied.affiliate_id in self.tenant.affiliates
        ]
        automatic = tuple(line for line in sale.lines if not line.applied)
        return [e for e in found + self._program_earnings(sale, automatic) if e.amount > ZERO]

    def _program_earnings(self, sale: Sale, lines: tuple[SaleLine, ...]) -> list[Earning]:
        recipients = [
            (sale.sales_affiliate_id, "SALE"),
            (sale.lead_affiliate_id, "LEAD"),
        ]
        found: list[Earning] = []
        for affiliate_id, role in recipients:
            affiliate = self.tenant.affiliates.find(affiliate_id)
            if affiliate is None or affiliate.status != "ACTIVE":
                continue
            parent = self.tenant.affiliates.find(affiliate.parent_id)
            for line in lines:
                rates = self.rates_for(affiliate, line)
                if rates is None:
                    continue
                found.append(_earning(affiliate.id, line, rates, rates.level_1, role, 1))
                if parent is not None and parent.status == "ACTIVE":
                    found.append(_earning(parent.id, line, rates, rates.level_2, role, 2))
        return found

    def rates_for(self, affiliate: Affiliate, line: SaleLine) -> CommissionRates | None:
        programs = self.tenant.affiliate_programs.by_priority(affiliate.program_ids)
        for program in programs:
            rates = _program_rates(program, line)
            if rates is not None:
                return rates
        return None

    # -- helpers -------------------------------------------------------------------------------
    def _add_entry(self, sale: Sale, **fields: Any) -> CommissionEntry:
        """A new ledger entry for ``sale`` (its order, contact and sales affiliate)."""
        return self.table.add(
            CommissionEntry(
                id=self.table.new_id(),
                order_id=sale.order_id,
                contact_id=sale.contact_id,
                sales_affiliate_id=sale.sales_affiliate_id,
                **fields,
            )
        )

    def _entry(
        self, sale: Sale, earning: Earning, amount: Decimal, now: datetime
    ) -> CommissionEntry:
        line = earning.line
        role = "sale" if earning.role == "SALE" else "lead"
        return self._add_entry(
            sale,
            affiliate_id=earning.affiliate_id,
            kind="COMMISSION",
            amount=amount,
            time_earned=now,
            product_id=line.product_id,
            product_name=line.name,
            subscription_plan_name=line.subscription_plan_name,
            description=f"Level {earning.level} {role} commission on order {sale.order_id}",
            role=earning.role,
            level=earning.level,
        )

    def _held_by_affiliate(
        self, order_id: int
    ) -> dict[int, tuple[Decimal, Decimal, CommissionEntry]]:
        """Per affiliate: what it earned on the order, what it still holds, one entry."""
        totals: dict[int, tuple[Decimal, Decimal, CommissionEntry]] = {}
        for entry in self.of_order(order_id):
            earned, held, sample = totals.get(entry.affiliate_id, (ZERO, ZERO, entry))
            if entry.kind == "COMMISSION":
                totals[entry.affiliate_id] = (earned + entry.amount, held + entry.amount, sample)
            else:
                totals[entry.affiliate_id] = (earned, held - entry.amount, sample)
        return totals

    def _forget_affiliate(self, affiliate: Affiliate) -> None:
        for entry in self.of_affiliate(affiliate.id):
            self.table.remove(entry.id)


def _program_rates(program: CommissionProgram, line: SaleLine) -> CommissionRates | None:
    if line.subscription_plan_id is not None:
        for subscription in program.subscription_commissions:
            if subscription.subscription_plan_id == line.subscription_plan_id:
                return subscription.rates
    if line.product_id is not None:
        for product in program.product_commissions:
            if product.product_id == line.product_id:
                return product.rates
    return program.default_commission


def _earning(
    affiliate_id: int,
    line: SaleLine,
    rates: CommissionRates,
    item: CommissionItem,
    role: str,
    level: int,
) -> Earning:
    percent, fixed = (
        (item.sale_percent, item.sale_amount)
        if role == "SALE"
        else (item.lead_percent, item.lead_amount)
    )
    amount = line.total * percent / Decimal(100) + fixed * line.quantity
    return Earning(affiliate_id, line, amount, rates.payout_type, role, level)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)

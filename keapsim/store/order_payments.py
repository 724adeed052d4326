"""Payments on orders: the test-card charge, manual payments, refunds and the transactions
behind them (the ``OrderStore`` half that moves money; ``orders.py``, ``payments.py``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ..datarecord import record_class
from .base import Lookup
from .errors import DomainError, Invalid
from .order_items import OrderStorePart
from .order_records import PAID, Order
from .payments import (
    APPROVED,
    CAPTURE,
    CARD_METHOD,
    DEFAULT_MANUAL_METHOD,
    MANUAL,
    MANUAL_PAID,
    PAYMENT,
    PAYMENT_PLAN,
    REFUND,
    REFUNDED,
    TX_APPROVED,
    TX_FAILED,
    ChargeAttempt,
    ChargeResult,
    Payment,
    Transaction,
    charge,
)

if TYPE_CHECKING:
    pass

# Charges of a payment plan that may fail in a row before keapsim stops trying (when the plan
# names no max_charge_attempts: keapsim's choice).
MAX_ATTEMPTS = 3


# The orders' sorted index of the date their payment plan next charges a card.
COLLECTION = "next_collection"


def next_collection(order: Order) -> tuple[date, ...]:
    """The day ``collect_due`` next charges the order's plan: the first unpaid instalment's
    due date, no earlier than ``days_between_retries`` (1 by default) after the last
    attempt; none when the plan does not charge on its own, nothing is owed, or the attempts
    in a row are used up. Only the record decides it, so an index can keep it."""
    plan = order.payment_plan
    if plan is None or not plan.charges_automatically or order.total_due <= 0:
        return ()
    if plan.failed_attempts >= (plan.max_charge_attempts or MAX_ATTEMPTS):
        return ()
    unpaid = [date.fromisoformat(i.due_date) for i in order.instalments() if i.status != PAID]
    if not unpaid:
        return ()
    day = min(unpaid)
    if plan.last_attempt:
        wait = timedelta(days=plan.days_between_retries or 1)
        day = max(day, date.fromisoformat(plan.last_attempt) + wait)
    return (day,)


@record_class(frozen=True)
class PaymentOutcome:
    """What ``add_payment`` did: the transaction always; the payment only when the money came
    in (a declined card: ``payment is None``, ``transaction.status == "FAILED"``)."""

    order: Order
    transaction: Transaction
    payment: Payment | None

    @property
    def approved(self) -> bool:
        return self.payment is not None

    @property
    def error(self) -> str | None:
        return self.transaction.error


class OrderPayments(OrderStorePart):
    """Money operations of :class:`~keapsim.store.orders.OrderStore`."""

    def has_due(self) -> bool:
        """Whether a payment plan has a charge due by today: one bisection, O(log n)."""
        today = self.core.now().date()
        index = self.tenant.orders.table.index(COLLECTION)
        return index.estimate(Lookup(COLLECTION, "range", high=today)) > 0

    def collect_due(self) -> list[PaymentOutcome]:
        """Charge what auto-charge payment plans have due by today (the simulator clock's date,
        in UTC): one charge per order for every instalment due and unpaid. A declined charge
        is retried ``days_between_retries`` days later (1 by default), at most
        ``max_charge_attempts`` times in a row (3 by default). The orders whose next charge is
        due come from a sorted index on that date (:func:`next_collection`), so this is
        O(log n + due); ``keapsim.store.due.catch_up`` runs it with subscription billing
        before every API request and on the admin clock advance."""
        if not self.has_due():
            return []
        today = self.core.now().date()
        outcomes = []
        with self.core.write():
            due = Lookup(COLLECTION, "range", high=today)
            for order_id in self.tenant.orders.table.index(COLLECTION).lookup(due):
                outcome = self._collect(self.get(order_id), today)
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def _collect(self, order: Order, today: date) -> PaymentOutcome | None:
        plan = order.payment_plan
        assert plan is not None and plan.card_id is not None
        due = sum(
            (
                i.amount_due - i.amount_paid
                for i in order.instalments()
                if i.status != "PAID" and date.fromisoformat(i.due_date) <= today
            ),
            Decimal(0),
        )
        due = min(due, order.total_due)
        if due <= 0:
            return None
        try:
            outcome: PaymentOutcome | None = self.add_payment(
                order.id,
                due,
                card_id=plan.card_id,
                merchant_id=plan.merchant_id,
                source=PAYMENT_PLAN,
            )
        except DomainError:  # the card is gone or is another contact's: a failed attempt
            outcome = None
        approved = outcome is not None and outcome.approved
        current = self.get(order.id)
        assert current.payment_plan is not None
        state = replace(
            current.payment_plan,
            failed_attempts=0 if approved else plan.failed_attempts + 1,
            last_attempt=today.isoformat(),
        )
        self._save(replace(current, payment_plan=state))
        return outcome

    def charge(self, card_id: int, amount: Decimal) -> ChargeResult:
        """Ask the test gateway about a charge on a stored card (nothing is written)."""
        _check_amount(amount)
        return charge(self.tenant.credit_cards.get(card_id), amount, self.core.now())

    def add_payment(
        self,
        order_id: int,
        amount: Decimal,
        *,
        card_id: int | None = None,
        method: str | None = None,
        note: str | None = None,
        pay_time: datetime | None = None,
        skip_commission: bool = False,
        merchant_id: int | None = None,
        source: str = PAYMENT,
    ) -> PaymentOutcome:
        """Take ``amount`` towards the order: charged to ``card_id`` (a card of the order's
        contact) through the test gateway, or recorded as a manual payment (``method``: CASH,
        CHECK ...). A declined card writes a FAILED transaction and no payment. ``source``
        (PAYMENT, PAYMENT_PLAN, SUBSCRIPTION) tells the tenant's charge policy (payment fault
        rules) where a card charge comes from."""
        _check_amount(amount)
        with self.core.write():
            order = self.get(order_id)
            if amount > order.total_due:
                raise Invalid(
                    f"Payment of {amount} exceeds the {order.total_due} due on order {order_id}",
                    field="payment_amount",
                )
            if card_id is None:
                return self._record_payment(
                    order,
                    amount,
                    MANUAL,
                    method or DEFAULT_MANUAL_METHOD,
                    note,
                    pay_time,
                    None,
                    None,
                    skip_commission,
                )
            card = self.tenant.credit_cards.get(card_id)
            if card.contact_id != order.contact_id:
                raise Invalid(
                    f"Card {card_id} is not a card of contact {order.contact_id}",
                    "payment_method_id",
                )
            merchant = self.tenant.merchants.for_charge(merchant_id)
            attempt = ChargeAttempt(
                self.tenant.id, order.contact_id, order.id, card.id, amount, source
            )
            result = self.tenant.charge_policy.decide_charge(attempt) or charge(
                card, amount, self.core.now()
            )
            if not result.approved:
                tx = self._transaction(
                    order, amount, TX_FAILED, CAPTURE, card_id, merchant.id, result
                )
                return PaymentOutcome(order, tx, None)
            return self._record_payment(
                order,
                amount,
                CAPTURE,
                CARD_METHOD,
                note,
                pay_time,
                card_id,
                merchant.id,
                skip_commission,
            )

    def refund(
        self, payment_id: int, amount: Decimal | None = None, note: str | None = None
    ) -> Payment:
        """Give back ``amount`` (all that is left of the payment by default): a REFUNDED payment
        record, a REFUND transaction, the order's ``refund_total`` grows."""
        with self.core.write():
            original = self.tenant.payments.get(payment_id)
            if original.is_refund:
                raise Invalid(f"Payment {payment_id} is a refund", field="payment_id")
            left = original.amount - original.refunded
            amount = left if amount is None else amount
            _check_amount(amount)
            if amount > left:
                raise Invalid(
                    f"Refund of {amount} exceeds the {left} left of payment {payment_id}", "amount"
                )
            order = self.get(original.order_id)
            now = self.core.now()
            tx = self._transaction(
                order, amount, TX_APPROVED, REFUND, original.card_id, original.merchant_id
            )
            refund = self.tenant.payments.table.add(
                Payment(
                    self.tenant.payments.table.new_id(),
                    order.id,
                    order.contact_id,
                    amount,
                    now,
                    REFUNDED,
                    original.method,
                    tx.id,
                    now,
                    note=note,
                    card_id=original.card_id,
                    merchant_id=original.merchant_id,
                    refund_of=payment_id,
                )
            )
            self.tenant.transactions.table.replace(replace(tx, payment_id=refund.id))
            self.tenant.payments.table.replace(
                replace(original, refunded=original.refunded + amount, update_time=now)
            )
            self._save(replace(order, refund_total=order.refund_total + amount))
            return refund

    def _record_payment(
        self,
        order: Order,
        amount: Decimal,
        tx_method: str,
        method: str,
        note: str | None,
        pay_time: datetime | None,
        card_id: int | None,
        merchant_id: int | None,
        skip_commission: bool,
    ) -> PaymentOutcome:
        tx = self._transaction(order, amount, TX_APPROVED, tx_method, card_id, merchant_id)
        now = self.core.now()
        status = MANUAL_PAID if tx_method == MANUAL else APPROVED
        payments = self.tenant.payments.table
        payment = payments.add(
            Payment(
                payments.new_id(),
                order.id,
                order.contact_id,
                amount,
                pay_time or now,
                status,
                method,
                tx.id,
                now,
                note=note,
                card_id=card_id,
                merchant_id=merchant_id,
                skip_commission=skip_commission,
            )
        )
        tx = self.tenant.transactions.table.replace(replace(tx, payment_id=payment.id))
        order = self._save(replace(order, total_paid=order.total_paid + amount))
        if order.status == PAID:
            order = self._take_stock(order)
        return PaymentOutcome(order, tx, payment)

    def _take_stock(self, order: Order) -> Order:
        """A paid-in-full order takes its goods off the inventory of every product that keeps
        a count (``inventory_count`` set); only what it has not taken before (items added
        after an earlier full payment). The count stops at 0: the v2 document says it "must
        be greater than or equal to 0". A refund puts nothing back (no source says it does).
        docs/design/commerce.md, "Inventory"."""
        wanted: dict[int, int] = {}
        for item in order.items:
            if item.product_id is not None:
                wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
        taken = dict(order.stock_taken)
        for product_id, quantity in wanted.items():
            more = quantity - taken.get(product_id, 0)
            if more <= 0:
                continue
            taken[product_id] = quantity
            product = self.tenant.products.find(product_id)
            if product is not None and product.inventory_count:
                step = min(more, product.inventory_count)
                self.tenant.products.adjust_inventory(product_id, "DECREASE", step)
        if taken == order.stock_taken:
            return order
        return self._save(replace(order, stock_taken=taken))

    def _transaction(
        self,
        order: Order,
        amount: Decimal,
        status: str,
        method: str,
        card_id: int | None,
        merchant_id: int | None,
        result: ChargeResult | None = None,
    ) -> Transaction:
        table = self.tenant.transactions.table
        return table.add(
            Transaction(
                table.new_id(),
                order.contact_id,
                (order.id,),
                amount,
                status,
                method,
                self.core.now(),
                card_id=card_id,
                merchant_id=merchant_id,
                error=result.message if result else None,
                decline_code=result.decline_code if result else None,
                description=order.title,
            )
        )


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise Invalid("payment_amount must be greater than 0", field="payment_amount")

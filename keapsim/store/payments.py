"""Payments on orders, the gateway transactions behind them, merchant accounts, and the test
card gateway that decides a card charge (docs/design/commerce.md, "Orders core").

keapsim charges nothing: a charge against a stored card (``tenant.credit_cards``: last four
digits, type and expiry only) is decided by :func:`charge` from Stripe's published test card
numbers (https://docs.stripe.com/testing), which pass the Luhn check the card store enforces:

=====================  ======================  =================================
card number            outcome                 transaction ``error_details``
=====================  ======================  =================================
4242 4242 4242 4242    approved                ``None``
4000 0000 0000 0002    declined                ``Card declined``
4000 0000 0000 0069    expired                 ``Card expired``
4000 0000 0000 9995    insufficient funds      ``Insufficient funds``
any other valid card   approved                ``None``
=====================  ======================  =================================

The card store keeps only the last four digits, so the outcome follows them (a real card
ending in 0002 would be declined too: keapsim never sees real cards). A card whose expiry
month has passed on the simulator clock, or one deactivated through v2's
``paymentMethods/{id}:deactivate``, is refused as well.

Payments raise Keap's ``invoice.payment.add|edit|delete`` hook events (keap-facts.md §3.6:
Keap spells the key with a dot); transactions and merchant accounts raise keapsim-only nouns.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .credit_cards import CreditCard
from .errors import Invalid
from .indexes import HashIndex, SortedIndex
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec

# -- payments ---------------------------------------------------------------------------------
# Payment statuses in v2's words (InvoiceOrderPayment.pay_status): a manual payment is
# MANUAL_PAID, an approved card charge APPROVED, a refund record REFUNDED.
MANUAL_PAID, APPROVED, REFUNDED = "MANUAL_PAID", "APPROVED", "REFUNDED"
# A manual payment's method when none is given (keapsim's choice: v2's payment_method_type is
# a free string without a documented list).
DEFAULT_MANUAL_METHOD = "CASH"
CARD_METHOD = "CREDIT_CARD"


@record_class
class Payment:
    """One payment on an order (Keap's invoice payment), or a refund of one (``refund_of``
    set, ``amount`` positive: the amount given back)."""

    id: int
    order_id: int
    contact_id: int
    amount: Decimal
    pay_time: datetime
    pay_status: str
    method: str
    transaction_id: int
    update_time: datetime
    note: str | None = None
    card_id: int | None = None
    merchant_id: int | None = None
    refund_of: int | None = None
    refunded: Decimal = Decimal(0)  # how much of this payment has been refunded since
    skip_commission: bool = False

    @property
    def is_refund(self) -> bool:
        return self.refund_of is not None


class PaymentStore(RecordStore[Payment]):
    """Payments are written by ``tenant.orders`` (``add_payment``, ``refund``); this store
    reads them."""

    record_type = Payment

    def make_table(self) -> Table[Payment]:
        return Table(
            self.core,
            kind="Payment",
            id_kind="payment",
            noun="invoice.payment",  # invoice.payment.add|edit|delete (keap-facts.md §3.6)
            indexes=[
                HashIndex[Payment]("order_id", lambda p: (p.order_id,)),
                HashIndex[Payment]("contact_id", lambda p: (p.contact_id,)),
                SortedIndex[Payment]("pay_time", lambda p: (p.pay_time,), ordering=True),
            ],
        )

    def of_order(self, order_id: int) -> list[Payment]:
        return list(self.select(Query(lookups=[Lookup("order_id", "eq", order_id)])))


# -- transactions -----------------------------------------------------------------------------
# v2 TransactionV2 words: status APPROVED | FAILED | ERROR ..., transaction_method
# CAPTURE (a card charge) | REFUND | MANUAL (a payment recorded by hand).
TX_APPROVED, TX_FAILED = "APPROVED", "FAILED"
CAPTURE, REFUND, MANUAL = "CAPTURE", "REFUND", "MANUAL"


@record_class
class Transaction:
    """What the gateway did: every charge attempt (approved or not), every manual payment and
    every refund has one."""

    id: int
    contact_id: int
    order_ids: tuple[int, ...]
    amount: Decimal
    status: str
    method: str
    transaction_time: datetime
    currency: str = "USD"
    payment_id: int | None = None
    card_id: int | None = None
    merchant_id: int | None = None
    error: str | None = None  # why a charge failed: "Card declined" ...
    decline_code: str | None = None  # Stripe's code: card_declined, expired_card ...
    description: str | None = None

    @property
    def successful(self) -> bool:
        return self.status == TX_APPROVED


class TransactionStore(RecordStore[Transaction]):
    record_type = Transaction

    def make_table(self) -> Table[Transaction]:
        return Table(
            self.core,
            kind="Transaction",
            id_kind="transaction",
            noun="transaction",  # keapsim's own: Keap has no transaction.* hook
            indexes=[
                HashIndex[Transaction]("contact_id", lambda t: (t.contact_id,)),
                HashIndex[Transaction]("order_id", lambda t: t.order_ids),
                SortedIndex[Transaction](
                    "transaction_time", lambda t: (t.transaction_time,), ordering=True
                ),
            ],
        )

    def of_order(self, order_id: int) -> list[Transaction]:
        return list(self.select(Query(lookups=[Lookup("order_id", "eq", order_id)])))


# -- merchant accounts ------------------------------------------------------------------------
MERCHANT_TYPES = ("PAYPAL", "UNSUPPORTED", "AUTHORIZE", "EWAY", "WEPAY", "STRIPE", "KEAP_PAY")
TEST_MERCHANT_NAME = "keapsim test gateway"


@record_class
class Merchant:
    id: int
    name: str
    type: str = "STRIPE"
    is_test: bool = True
    default: bool = False


MERCHANT = ResourceSpec(
    record=Merchant,
    kind="Merchant",
    id_kind="merchant",
    noun="merchant",  # keapsim's own: Keap has no merchant hook
    fields=(
        Field("name", required=True, max_length=255),
        Field("type", default="STRIPE", choices=MERCHANT_TYPES),
        Field("is_test", bool, default=True),
        Field("default", bool, default=False),
    ),
)


class MerchantStore(DeclaredStore[Merchant]):
    """Merchant accounts (v1 and v2 ``/merchants``, v2 ``sales/merchants/{id}:setDefault``).
    Keap sets them up in its web app; no document offers a create, so seed data, scenario
    files (``records: {merchants: [...]}``) and :meth:`create` make them. Exactly one is the
    default once any exists: the first one made, or the last one made or set as default."""

    spec = MERCHANT

    def normalise(
        self, values: dict[str, Any], current: Merchant | None, now: datetime
    ) -> dict[str, Any]:
        if current is None and len(self.table) == 0:
            values["default"] = True
        if current is not None and current.default and values.get("default") is False:
            raise Invalid("Set another merchant account as the default instead", "default")
        return values

    def create(self, *positional: Any, **values: Any) -> Merchant:
        with self.core.write():
            merchant = super().create(*positional, **values)
            return self.set_default(merchant.id) if merchant.default else merchant

    def update(self, ident: int, **changes: Any) -> Merchant:
        with self.core.write():
            merchant = super().update(ident, **changes)
            return self.set_default(merchant.id) if merchant.default else merchant

    def delete(self, ident: int) -> None:
        """A deleted default hands the role to the oldest account left."""
        with self.core.write():
            was_default = self.table.fetch(ident).default
            super().delete(ident)
            left = self.table.values()
            if was_default and left:
                self.set_default(left[0].id)

    def default(self) -> Merchant | None:
        return self.table.first(lambda m: m.default)

    def set_default(self, ident: int) -> Merchant:
        with self.core.write():
            chosen = self.table.fetch(ident)
            for merchant in self.table.values():
                if merchant.default and merchant.id != ident:
                    self.table.replace(replace(merchant, default=False))
            if not chosen.default:
                chosen = self.table.replace(replace(chosen, default=True))
            return chosen

    def for_charge(self, ident: int | None = None) -> Merchant:
        """The account a card charge goes through: the one named, else the default. A tenant
        without any gets keapsim's test gateway (a Stripe test account) on its first card
        charge, so charging needs no set-up (keapsim's choice)."""
        with self.core.write():
            if ident is not None:
                return self.table.fetch(ident)
            return self.default() or self.create(name=TEST_MERCHANT_NAME, type="STRIPE")


# -- the test card gateway --------------------------------------------------------------------
@record_class(frozen=True)
class TestCard:
    number: str
    decline_code: str | None  # None: approved
    message: str | None

    __test__ = False  # not a pytest test class


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4242424242424242", None, None),
    TestCard("4000000000000002", "card_declined", "Card declined"),
    TestCard("4000000000000069", "expired_card", "Card expired"),
    TestCard("4000000000009995", "insufficient_funds", "Insufficient funds"),
)
_BY_LAST_FOUR = {card.number[-4:]: card for card in TEST_CARDS}
INACTIVE_CARD_STATUSES = frozenset({"Inactive", "Deactivated"})


@record_class(frozen=True)
class ChargeResult:
    """The gateway's answer to one charge: ``approved``, or why not (``decline_code`` is
    Stripe's code, ``message`` the transaction's ``error_details``)."""

    approved: bool
    amount: Decimal
    decline_code: str | None = None
    message: str | None = None


# What a declined charge's transaction says, by Stripe's decline code (the test cards' words,
# plus the two codes keapsim's own checks give). Fault rules that decline charges
# (docs/control/faults-payments.md) name one of these codes.
DECLINE_MESSAGES: dict[str, str] = {
    **{card.decline_code: card.message or "" for card in TEST_CARDS if card.decline_code},
    "card_inactive": "Payment method is not active",
    "processing_error": "An error occurred while processing the card",
}

# Where a card charge comes from (a charge policy may tell them apart): a payment a client took
# (v1 ``/orders/{id}/payments``, v2 ``:pay``, Python ``add_payment``), a payment plan's
# automatic charge, a subscription's bill or its retry.
PAYMENT, PAYMENT_PLAN, SUBSCRIPTION = "PAYMENT", "PAYMENT_PLAN", "SUBSCRIPTION"
CHARGE_SOURCES = (PAYMENT, PAYMENT_PLAN, SUBSCRIPTION)


@record_class(frozen=True)
class ChargeAttempt:
    """One card charge about to go to the gateway, as a :class:`ChargePolicy` sees it."""

    tenant_id: str
    contact_id: int
    order_id: int
    card_id: int
    amount: Decimal
    source: str  # one of CHARGE_SOURCES


class ChargePolicy(Protocol):
    """What may fail a card charge before the test card decides it. The store never imports
    the gateway: the composition root (``keapsim.simulator``) hands the fault rules in as the
    tenant's ``charge_policy``."""

    def decide_charge(self, attempt: ChargeAttempt) -> ChargeResult | None:
        """A declined :class:`ChargeResult`, or ``None`` to let the card decide."""
        ...


class NoChargeFaults:
    """The default policy: the card alone decides."""

    def decide_charge(self, attempt: ChargeAttempt) -> ChargeResult | None:
        return None


def declined(amount: Decimal, decline_code: str) -> ChargeResult:
    """A declined charge with the transaction words of ``decline_code``."""
    return ChargeResult(False, amount, decline_code, DECLINE_MESSAGES[decline_code])


def charge(card: CreditCard, amount: Decimal, now: datetime) -> ChargeResult:
    """Decide a charge of ``amount`` on a stored card at time ``now`` (no state changes)."""
    if card.status in INACTIVE_CARD_STATUSES:
        return declined(amount, "card_inactive")
    if _expired(card, now):
        return declined(amount, "expired_card")
    test = _BY_LAST_FOUR.get(card.last_four)
    if test is not None and test.decline_code is not None:
        return declined(amount, test.decline_code)
    return ChargeResult(True, amount)


def _expired(card: CreditCard, now: datetime) -> bool:
    """A card is good through the last day of its expiry month."""
    try:
        year, month = int(card.expiration_year), int(card.expiration_month)
    except ValueError:
        return False
    return (now.year, now.month) > (year, month)


def card_summary(card: CreditCard) -> dict[str, Any]:
    """The token-like view of a card the commerce adapters show (never a full number)."""
    return {
        "id": card.id,
        "card_type": card.card_type,
        "last_four": card.last_four,
        "expiration_month": card.expiration_month,
        "expiration_year": card.expiration_year,
    }

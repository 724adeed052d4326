"""Subscriptions (v1 ``/subscriptions``, v2 ``/subscriptions``): a contact's recurring purchase
of a subscription plan, billed on the simulator's clock.

A subscription bills on its ``next_bill_date``: each cycle makes an invoice (an order of the
plan's product at the subscription's ``billing_amount``) and, with ``auto_charge``, a payment
on the saved card (``payment_method_id``, a ``tenant.credit_cards`` id). Bill dates are whole
days (the documents' ``format: date``), kept as midnight UTC; a cycle is due once the clock's
UTC date reaches it.

Billing catches up when asked (:meth:`SubscriptionStore.bill_due`): the API calls it before
every request of the tenant is routed and the admin clock advance calls it for every tenant,
so advancing the clock three months bills three monthly cycles, in date order. Due
subscriptions are found through a sorted index on the next bill date, so a check with nothing
due costs O(log n) and a catch-up O(due cycles · log n).
(docs/design/commerce.md, "Subscriptions and discounts").
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from ..datarecord import record_class
from .base import Lookup, Query
from .custom_fields import SUBSCRIPTION
from .errors import DomainError, Invalid
from .indexes import HashIndex, SortedIndex
from .lead_sources import add_months
from .resource import DeclaredStore, Field, ResourceSpec

# The documents' billing cycles (``billing_cycle`` enum); plans name them in v2's words.
BILLING_CYCLES = ("YEAR", "MONTH", "WEEK", "DAY")
PLAN_CYCLES = {"YEARLY": "YEAR", "MONTHLY": "MONTH", "WEEKLY": "WEEK", "DAILY": "DAY"}
# "Default is the configured [Max Retries] value" / "[Num Days Between Retries]": an account
# setting keapsim does not model; these are the documents' examples.
DEFAULT_MAX_CHARGE_ATTEMPTS = 3
DEFAULT_DAYS_BETWEEN_RETRIES = 5
DUE = "next_bill_date"
log = logging.getLogger(__name__)  # the sorted index of active subscriptions' next bill dates


@record_class
class Subscription:
    id: int
    contact_id: int
    subscription_plan_id: int
    product_id: int
    billing_amount: Decimal
    billing_cycle: str
    billing_frequency: int
    start_date: datetime
    next_bill_date: datetime | None
    modification_time: datetime
    quantity: int = 1
    active: bool = True
    auto_charge: bool = True
    max_charge_attempts: int = DEFAULT_MAX_CHARGE_ATTEMPTS
    days_between_retries: int = DEFAULT_DAYS_BETWEEN_RETRIES
    last_bill_date: datetime | None = None
    end_date: datetime | None = None
    payment_method_id: int | None = None
    payment_gateway_id: int | None = None
    allow_tax: bool = False
    lead_affiliate_id: int | None = None
    sale_affiliate_id: int | None = None
    shipping_address: dict[str, Any] = field(default_factory=dict)
    promo_code: str | None = None
    shipping_option_id: int | None = None
    reason_stopped: str | None = None
    custom_fields: dict[int, Any] = field(default_factory=dict)
    # The schedule: the next bill date is ``anchor_date`` plus ``cycles_since_anchor``
    # periods (a month-end start keeps its day where months allow); a new next_bill_date
    # re-anchors it.
    anchor_date: datetime | None = None
    cycles_since_anchor: int = 0
    invoice_ids: tuple[int, ...] = ()  # the orders billing made, oldest first
    # A declined charge is tried again every ``days_between_retries`` days until
    # ``max_charge_attempts`` attempts: the invoice it is for, the next try, tries so far.
    retry_invoice_id: int | None = None
    retry_date: datetime | None = None
    charge_attempts: int = 0


def next_event(subscription: Subscription) -> datetime | None:
    """When billing next has something to do: the next bill date or a charge retry, the
    earlier; nothing for an inactive subscription."""
    if not subscription.active:
        return None
    dates = [d for d in (subscription.next_bill_date, subscription.retry_date) if d is not None]
    return min(dates, default=None)


def _due_key(subscription: Subscription) -> tuple[datetime, ...]:
    event = next_event(subscription)
    return () if event is None else (event,)


SUBSCRIPTION_SPEC = ResourceSpec(
    record=Subscription,
    kind="Subscription",
    id_kind="subscription",
    noun="subscription",  # Keap's subscription.add|edit|delete
    fields=(
        Field("contact_id", int, required=True, reference="contacts"),
        Field("subscription_plan_id", int, required=True, reference="subscription_plans"),
        Field("product_id", int, required=True, reference="products"),
        Field("billing_amount", Decimal, required=True),
        Field("billing_cycle", required=True, choices=BILLING_CYCLES),
        Field("billing_frequency", int, required=True, minimum=1),
        Field("start_date", datetime, required=True),
        Field("next_bill_date", datetime),
        Field("quantity", int, default=1, minimum=1),
        Field("active", bool, default=True),
        Field("auto_charge", bool, default=True),
        Field("max_charge_attempts", int, default=DEFAULT_MAX_CHARGE_ATTEMPTS, minimum=1),
        Field("days_between_retries", int, default=DEFAULT_DAYS_BETWEEN_RETRIES, minimum=1),
        Field("last_bill_date", datetime),
        Field("end_date", datetime),
        Field("payment_method_id", int, reference="credit_cards"),
        Field("payment_gateway_id", int),
        Field("allow_tax", bool, default=False),
        Field("lead_affiliate_id", int),
        Field("sale_affiliate_id", int),
        Field("shipping_address", dict, factory=dict),
        Field("promo_code", max_length=255),
        Field("shipping_option_id", int),
        Field("reason_stopped"),
        Field("custom_fields", dict, factory=dict),
        Field("anchor_date", datetime),
        Field("cycles_since_anchor", int, default=0),
        Field("invoice_ids", tuple, factory=tuple),
        Field("retry_invoice_id", int),
        Field("retry_date", datetime),
        Field("charge_attempts", int, default=0),
    ),
    updated="modification_time",
    indexes=lambda: [
        HashIndex[Subscription]("contact_id", lambda s: (s.contact_id,)),
        SortedIndex[Subscription](DUE, _due_key),
    ],
)

# What a client may set (the Create/UpdateSubscriptionRequest properties the store keeps);
# the schedule fields are the store's own.
CLIENT_FIELDS = frozenset(
    {
        "contact_id",
        "subscription_plan_id",
        "billing_amount",
        "billing_cycle",
        "billing_frequency",
        "start_date",
        "next_bill_date",
        "quantity",
        "active",
        "auto_charge",
        "max_charge_attempts",
        "days_between_retries",
        "end_date",
        "payment_method_id",
        "payment_gateway_id",
        "allow_tax",
        "lead_affiliate_id",
        "sale_affiliate_id",
        "shipping_address",
        "promo_code",
        "shipping_option_id",
        "reason_stopped",
        "custom_fields",
    }
)


def day_of(moment: datetime) -> datetime:
    """The UTC day ``moment`` falls on, as midnight UTC."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def period_after(start: datetime, cycle: str, frequency: int, cycles: int) -> datetime:
    """``start`` plus ``cycles`` billing periods of ``frequency`` ``cycle``s."""
    steps = frequency * cycles
    if cycle == "MONTH":
        return add_months(start, steps)
    if cycle == "YEAR":
        return add_months(start, 12 * steps)
    return start + timedelta(days=steps * (7 if cycle == "WEEK" else 1))


@record_class(frozen=True)
class Billed:
    """What billing one cycle did: the invoice made, and whether a card charge on it was
    declined."""

    invoice_id: int
    declined: bool = False


class Billing(Protocol):
    """How a cycle is billed (``keapsim/store/subscription_billing.py`` bills through the
    orders core)."""

    def bill(self, subscription: Subscription, bill_date: datetime) -> Billed:
        """Invoice one cycle on its bill date (and charge it with auto charge)."""
        ...

    def retry(self, subscription: Subscription, invoice_id: int, when: datetime) -> bool | None:
        """Charge what is still due on an invoice again: approved or not, ``None`` when
        nothing is left to charge (paid, deleted, no card)."""
        ...


class SubscriptionStore(DeclaredStore[Subscription]):
    spec = SUBSCRIPTION_SPEC

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._drop_contact)
        self.tenant.custom_fields.table.on_remove.append(self._drop_custom_field)
        self.tenant.orders.table.on_remove.append(lambda order: self.forget_invoice(order.id))
        self.tenant.subscription_plans.table.on_remove.append(self._stop_plan)

    def _stop_plan(self, plan: Any) -> None:
        """A deleted plan's subscriptions stop billing (keapsim's choice: no document says
        what becomes of them); they stay readable."""
        for subscription in list(self.table.scan(lambda s: s.subscription_plan_id == plan.id)):
            if subscription.active:
                stopped = replace(
                    subscription, active=False, reason_stopped="The subscription plan was deleted"
                )
                self.table.replace(stopped)

    def _drop_contact(self, contact: Any) -> None:
        for subscription in self.of_contact(contact.id):
            self.table.remove(subscription.id)

    def _drop_custom_field(self, custom: Any) -> None:
        for subscription in list(self.table.scan(lambda s: custom.id in s.custom_fields)):
            values = {k: v for k, v in subscription.custom_fields.items() if k != custom.id}
            self.table.replace(replace(subscription, custom_fields=values))

    def of_contact(self, contact_id: int) -> list[Subscription]:
        query: Query[Subscription] = Query(lookups=[Lookup("contact_id", "eq", contact_id)])
        return list(self.table.select(query))

    # -- writes --------------------------------------------------------------------------------
    def create(self, *positional: Any, **values: Any) -> Subscription:
        """A subscription from client fields (what scenario files' ``records`` call): the
        same rules as :meth:`subscribe` (``allow_duplicate`` too)."""
        if positional:
            raise TypeError("subscription fields are given by name")
        fields = dict(values)
        allow_duplicate = bool(fields.pop("allow_duplicate", False))
        return self.subscribe(allow_duplicate=allow_duplicate, **fields)

    def subscribe(self, *, allow_duplicate: bool = False, **values: Any) -> Subscription:
        """A new subscription from client fields: the plan gives the product, the cycle,
        the frequency and (by default) the billing amount; it starts today unless
        ``start_date`` says otherwise; a free-trial discount for the plan that applies moves
        the first bill date on by its days."""
        self._only_client_fields(values)
        with self.core.write():
            plan_id = values.get("subscription_plan_id")
            if plan_id is None:
                raise Invalid("subscription_plan_id is required", field="subscription_plan_id")
            plan = self.tenant.subscription_plans.find(plan_id)
            if plan is None:
                raise Invalid(
                    f"subscription_plan_id {plan_id} does not exist", field="subscription_plan_id"
                )
            contact_id = values.get("contact_id")
            if not allow_duplicate and contact_id is not None:
                self._refuse_duplicate(contact_id, plan_id)
            today = day_of(self.core.now())
            start = values.get("start_date") or today
            if day_of(start) < today:
                raise Invalid("start_date must not be in the past", field="start_date")
            start = day_of(start)
            if values.get("end_date") is not None:
                values["end_date"] = day_of(values["end_date"])
            trial = self.tenant.discounts.free_trial_days_for(
                plan_id, [values["promo_code"]] if values.get("promo_code") else [], self.core.now()
            )
            first = start + timedelta(days=trial)
            plan_cycle = PLAN_CYCLES[plan.cycle]
            if values.get("auto_charge", True) and values.get("payment_method_id") is None:
                values["payment_method_id"] = self._latest_card(contact_id)
            filled = {
                "product_id": plan.product_id,
                "billing_cycle": plan_cycle,
                "billing_frequency": plan.frequency,
                "billing_amount": plan.plan_price,
                **{k: v for k, v in values.items() if v is not None},
                "start_date": start,
                "next_bill_date": first,
                "anchor_date": first,
                "cycles_since_anchor": 0,
            }
            if plan.total_cycles and filled.get("end_date") is None:
                filled["end_date"] = period_after(
                    first,
                    filled["billing_cycle"],
                    filled["billing_frequency"],
                    plan.total_cycles - 1,
                )
            return super().create(**filled)

    def change(self, ident: int, **values: Any) -> Subscription:
        """PATCH: the given client fields change. A new next_bill_date (not in the past)
        re-anchors the schedule; a new plan brings its product."""
        self._only_client_fields(values)
        with self.core.write():
            current = self.get(ident)
            changes = dict(values)
            if changes.get("subscription_plan_id") not in (None, current.subscription_plan_id):
                plan = self.tenant.subscription_plans.find(changes["subscription_plan_id"])
                if plan is None:
                    raise Invalid(
                        "subscription_plan_id does not exist", field="subscription_plan_id"
                    )
                changes["product_id"] = plan.product_id
            if {"billing_cycle", "billing_frequency"} & set(changes) and current.next_bill_date:
                # A new period counts from the next bill date already set.
                changes.update(anchor_date=current.next_bill_date, cycles_since_anchor=0)
            if changes.get("next_bill_date") is not None:
                bill = day_of(changes["next_bill_date"])
                if bill < day_of(self.core.now()):
                    raise Invalid("next_bill_date must not be in the past", field="next_bill_date")
                changes.update(next_bill_date=bill, anchor_date=bill, cycles_since_anchor=0)
            if changes.get("end_date") is not None:
                changes["end_date"] = day_of(changes["end_date"])
                if changes["end_date"] < day_of(self.core.now()):
                    raise Invalid("end_date must not be in the past", field="end_date")
            for required in ("contact_id", "subscription_plan_id", "billing_amount"):
                if required in changes and changes[required] is None:
                    raise Invalid(f"{required} is required", field=required)
            if changes.get("active") is True and not current.active:
                changes.setdefault("reason_stopped", None)
            return self.update(ident, **changes)

    def deactivate(self, ident: int, reason: str | None) -> Subscription:
        """``:deactivate`` ("Cancels the specified subscription"): it stops billing."""
        return self.update(ident, active=False, reason_stopped=reason)

    def normalise(
        self, values: dict[str, Any], current: Subscription | None, now: datetime
    ) -> dict[str, Any]:
        out = dict(values)
        amount = out.get("billing_amount")
        if isinstance(amount, Decimal) and amount < 0:
            raise Invalid("billing_amount must be 0 or greater", field="billing_amount")
        if "custom_fields" in out:
            custom = out["custom_fields"] or {}
            self.tenant.custom_fields.check_values(SUBSCRIPTION, custom, "custom_fields")
            out["custom_fields"] = {**(current.custom_fields if current else {}), **custom}
        contact_id = out.get("contact_id", current.contact_id if current else None)
        if current is not None and "contact_id" in out and "payment_method_id" not in out:
            card = self.tenant.credit_cards.find(current.payment_method_id)
            if card is not None and card.contact_id != contact_id:
                out["payment_method_id"] = None  # the old contact's card is not the new one's
        card_id = out.get("payment_method_id")
        if card_id is not None:
            card = self.tenant.credit_cards.find(card_id)
            if card is not None and card.contact_id != contact_id:
                raise Invalid(
                    "payment_method_id is not a card of the subscription's contact",
                    field="payment_method_id",
                )
        return out

    def _only_client_fields(self, values: dict[str, Any]) -> None:
        unknown = sorted(set(values) - CLIENT_FIELDS)
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(unknown)}", field=unknown[0])

    def _refuse_duplicate(self, contact_id: int, plan_id: int) -> None:
        """ "if there is already an identical subscription for the contact" (create's
        ``allow_duplicate``): keapsim reads identical as an active one of the same plan."""
        for other in self.of_contact(contact_id):
            if other.active and other.subscription_plan_id == plan_id:
                raise Invalid(
                    f"Contact {contact_id} already has an active subscription {other.id} to "
                    f"plan {plan_id}; set allow_duplicate to create another",
                    field="allow_duplicate",
                )

    def _latest_card(self, contact_id: int | None) -> int | None:
        """ "Default is the contact's most recently used card": keapsim keeps no card use, so
        it is the card added last."""
        if contact_id is None:
            return None
        cards = self.tenant.credit_cards.of_contact(contact_id)
        return max((card.id for card in cards), default=None)

    # -- billing -------------------------------------------------------------------------------
    def has_due(self, today: datetime | None = None) -> bool:
        """Whether any active subscription has a bill date at or before ``today``: O(log n)."""
        day = today or day_of(self.core.now())
        return self.table.index(DUE).estimate(Lookup(DUE, "range", high=day)) > 0

    def bill_due(self, billing: Billing) -> list[int]:
        """Bill every cycle and retry every declined charge the clock has reached, earliest
        first (ties in id order); returns the invoices made."""
        if not self.has_due():
            return []
        made: list[int] = []
        with self.core.write():
            today = day_of(self.core.now())
            ids = self.table.index(DUE).lookup(Lookup(DUE, "range", high=today))
            # A heap of (date, id): each pop does one step (a cycle or a retry), and a
            # subscription whose following step is due too goes back in, so steps happen in
            # date order across subscriptions.
            heap = [(self._event_date(ident), ident) for ident in ids]
            heapq.heapify(heap)
            while heap:
                _, ident = heapq.heappop(heap)
                invoice = self._step(self.table.fetch(ident), billing)
                if invoice is not None:
                    made.append(invoice)
                following = next_event(self.table.fetch(ident))
                if following is not None and following <= today:
                    heapq.heappush(heap, (following, ident))
        return made

    def _event_date(self, ident: int) -> datetime:
        date = next_event(self.table.fetch(ident))
        assert date is not None  # the index holds only subscriptions with something to do
        return date

    def _step(self, subscription: Subscription, billing: Billing) -> int | None:
        """One cycle or retry. A step the orders refuse stops the subscription (with the
        reason) rather than failing the request that caught billing up, every time."""
        retry, bill = subscription.retry_date, subscription.next_bill_date
        try:
            if retry is not None and (bill is None or retry <= bill):
                self._retry(subscription, billing)
                return None
            return self._bill_one(subscription, billing)
        except DomainError as err:
            log.warning("subscription %s stopped: %s", subscription.id, err.message)
            current = self.table.fetch(subscription.id)
            reason = f"Billing stopped: {err.message}"
            self.table.replace(replace(current, active=False, reason_stopped=reason))
            return None

    def bill_next(self, ident: int, billing: Billing) -> int:
        """Bill the subscription's next cycle now, ahead of its date (``:invoice`` of one that
        has never been billed)."""
        with self.core.write():
            subscription = self.get(ident)
            if subscription.next_bill_date is None:
                raise Invalid("The subscription has no cycle left to bill")
            return self._bill_one(subscription, billing)

    def _bill_one(self, subscription: Subscription, billing: Billing) -> int:
        bill_date = subscription.next_bill_date
        assert bill_date is not None  # only scheduled subscriptions are billed
        billed = billing.bill(subscription, bill_date)
        cycles = subscription.cycles_since_anchor + 1
        anchor = subscription.anchor_date or subscription.start_date
        following: datetime | None = period_after(
            anchor, subscription.billing_cycle, subscription.billing_frequency, cycles
        )
        if subscription.end_date is not None and following is not None:
            following = None if following > subscription.end_date else following
        changes: dict[str, Any] = {
            "last_bill_date": bill_date,
            "next_bill_date": following,
            "cycles_since_anchor": cycles,
            "invoice_ids": (*subscription.invoice_ids, billed.invoice_id),
        }
        if billed.declined and subscription.max_charge_attempts > 1:
            # The newest declined invoice is the one retried (an older one's retries stop).
            changes.update(
                retry_invoice_id=billed.invoice_id,
                retry_date=bill_date + timedelta(days=subscription.days_between_retries),
                charge_attempts=1,
            )
        self.table.replace(replace(subscription, **changes))
        return billed.invoice_id

    def _retry(self, subscription: Subscription, billing: Billing) -> None:
        assert subscription.retry_date is not None and subscription.retry_invoice_id is not None
        approved = billing.retry(
            subscription, subscription.retry_invoice_id, subscription.retry_date
        )
        attempts = subscription.charge_attempts + 1
        if approved is not False or attempts >= subscription.max_charge_attempts:
            stopped = replace(
                subscription, retry_invoice_id=None, retry_date=None, charge_attempts=attempts
            )
            self.table.replace(stopped)
            return
        later = subscription.retry_date + timedelta(days=subscription.days_between_retries)
        self.table.replace(replace(subscription, retry_date=later, charge_attempts=attempts))

    def latest_invoice(self, ident: int) -> int | None:
        invoices = self.get(ident).invoice_ids
        return invoices[-1] if invoices else None

    def forget_invoice(self, invoice_id: int) -> None:
        """A deleted order is no longer one of its subscription's invoices."""
        for subscription in list(self.table.scan(lambda s: invoice_id in s.invoice_ids)):
            kept = tuple(i for i in subscription.invoice_ids if i != invoice_id)
            self.table.replace(replace(subscription, invoice_ids=kept))


__all__ = ["Subscription", "SubscriptionStore"]

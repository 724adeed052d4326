"""Behaviour: discounts priced into orders to the cent, and subscriptions billed on the
simulator's clock (catch-up on the admin clock advance and before a request, test cards that
decline, ``:invoice``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.due import catch_up
from keapsim.store.errors import Invalid
from keapsim.store.order_items import ItemInput
from keapsim.store.subscriptions import Billed, Subscription

from .helpers import V2, email_contact

DAY = 86400


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator of each test's own (these tests move its clock by months, which would
    expire the shared one's tokens), its clock standing at the next midday UTC so that day
    counts never depend on the hour the suite runs."""
    own = Simulator(throttle=False)
    now = own.clock.time()
    midday = now - now % DAY + DAY / 2
    own.clock.freeze(midday if midday >= now else midday + DAY)
    yield own


APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"  # Stripe's "generic decline" test card (commerce.md)


def test_an_order_total_after_items_a_product_discount_and_tax_to_the_cent(
    api: V2, tenant: Tenant
) -> None:
    widget = tenant.products.create(name="Widget", price=Decimal("19.99"), taxable=True)
    gadget = tenant.products.create(name="Gadget", price=Decimal("7.35"), taxable=False)
    api.post(
        "/discounts/products",
        201,
        json={
            "name": "Widgets 15% off",
            "discount_type": "PERCENT",
            "discount_value": 15,
            "product_id": str(widget.id),
        },
    )
    coded = api.post(
        "/discounts/orderTotals",
        201,
        json={"name": "Coded", "discount_type": "AMOUNT", "discount_value": 5},
    )
    api.post(
        f"/discounts/orderTotals/{coded['id']}/criteria",
        201,
        json={"type": "PROMO_CODE", "code": "FIVE"},
    )
    contact = tenant.contacts.create(email_contact("buyer@example.com"))
    order = tenant.orders.create(
        contact.id,
        [
            ItemInput(3, widget.id),
            ItemInput(2, gadget.id),
            ItemInput(1, name="Shipping", price=Decimal("4.95"), item_type="SHIPPING"),
        ],
        title="Cart",
    )
    order = tenant.orders.apply_tax(order.id, Decimal("0.0825"))
    # Items: 3 × 19.99 = 59.97, 2 × 7.35 = 14.70, shipping 4.95 → 79.62.
    # Product discount: 15 % of 59.97 = 8.9955 → 9.00 (the code-less order discount needs FIVE).
    # Tax: 8.25 % of the taxable widgets' 59.97 = 4.947525 → 4.95.
    # Total: 79.62 − 9.00 + 4.95 = 75.57.
    assert [(d.name, d.amount, d.item_type) for d in order.discounts] == [
        ("Widgets 15% off", Decimal("9.00"), "DISCOUNT_PRODUCT")
    ]
    assert order.subtotal == Decimal("79.62") and order.tax_total == Decimal("4.95")
    assert order.total == Decimal("75.57")
    coded_order = tenant.orders.update(order.id, promo_codes=["five"])
    assert coded_order.total == Decimal("70.57")  # and 5.00 off with the code


def test_a_shipping_discount_takes_off_the_shipping_items(tenant: Tenant) -> None:
    product = tenant.products.create(name="Box", price=Decimal("30.00"))
    tenant.discounts.create_of(
        "SHIPPING",
        {"name": "Half shipping", "discount_type": "PERCENT", "discount_value": Decimal(50)},
    )
    contact = tenant.contacts.create(email_contact("ship@example.com"))
    order = tenant.orders.create(
        contact.id,
        [
            ItemInput(1, product.id),
            ItemInput(1, name="Post", price=Decimal("9.99"), item_type="SHIPPING"),
        ],
        title="Boxed",
    )
    assert [(d.amount, d.item_type) for d in order.discounts] == [
        (Decimal("5.00"), "DISCOUNT_SHIPPING")
    ]
    assert order.total == Decimal("34.99")


def _subscriber(tenant: Tenant, card_number: str) -> dict[str, int]:
    product = tenant.products.create(name="Club", price=Decimal("25.00"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle="MONTHLY", plan_price=Decimal("25.00")
    )
    contact = tenant.contacts.create(email_contact(f"{card_number[-4:]}@example.com"))
    card = tenant.credit_cards.create(contact.id, card_number, "12", "2035")
    return {"plan": plan.id, "contact": contact.id, "card": card.id}


def _subscribe(api: V2, sim: Simulator, ids: dict[str, int], **fields: Any) -> dict[str, Any]:
    tomorrow = (sim.clock.now() + timedelta(days=1)).date().isoformat()
    body = {
        "contact_id": str(ids["contact"]),
        "subscription_plan_id": str(ids["plan"]),
        "start_date": tomorrow,
        **fields,
    }
    return api.post("/subscriptions", 201, json=body)


def _advance(sim: Simulator, seconds: float) -> None:
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as admin:
        assert admin.post("/_keapsim/clock/advance", json={"seconds": seconds}).status_code == 200


def test_three_months_on_the_clock_bill_three_invoices_and_payments(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids)
    assert tenant.orders.of_contact(ids["contact"]) == []
    # Three monthly dates (days 1, ~32, ~62), billed by the clock advance before any request.
    _advance(sim, 80 * DAY)
    orders = tenant.orders.of_contact(ids["contact"])
    assert len(orders) == 3
    assert all(o.status == "PAID" and o.total == Decimal("25.00") for o in orders)
    assert all(o.source_type == "INVOICE" for o in orders)
    dates = [o.order_time.date() for o in orders]
    assert dates[1].month != dates[0].month and dates[0].day == dates[1].day == dates[2].day
    payments = [p for o in orders for p in tenant.payments.of_order(o.id)]
    assert len(payments) == 3 and {p.card_id for p in payments} == {ids["card"]}
    subscription = api.get(f"/subscriptions/{created['id']}")
    assert subscription["last_bill_date"] == dates[2].isoformat()
    assert subscription["next_bill_date"] > subscription["last_bill_date"]


def test_a_declined_test_card_leaves_the_invoice_unpaid_with_a_failed_transaction(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, DECLINED_CARD)
    _subscribe(api, sim, ids)
    _advance(sim, 2 * DAY)
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert order.status == "UNPAID" and order.total_due == Decimal("25.00")
    assert tenant.payments.of_order(order.id) == []
    (attempt,) = tenant.transactions.of_order(order.id)
    assert attempt.status == "FAILED" and attempt.decline_code == "card_declined"
    assert attempt.error == "Card declined" and attempt.card_id == ids["card"]


def test_billing_catches_up_before_a_request_when_the_clock_moves_in_process(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids, billing_amount=10, quantity=2)
    sim.clock.advance(40 * DAY)  # no admin call: nothing billed yet
    assert tenant.orders.of_contact(ids["contact"]) == []
    api.get("/subscriptions")  # any request of the tenant catches up first
    orders = tenant.orders.of_contact(ids["contact"])
    assert [o.total for o in orders] == [Decimal("20.00"), Decimal("20.00")]
    assert catch_up(tenant) == []  # nothing left due
    assert tenant.subscriptions.get(int(created["id"])).invoice_ids == tuple(o.id for o in orders)


def test_invoice_returns_the_latest_invoice_or_bills_the_next_cycle(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids)
    first = api.post(f"/subscriptions/{created['id']}:invoice", 200)
    assert first["total"]["amount"] == 2500 and first["status"] == "PAID"
    assert (
        first["source_type"] == "INVOICE" and first["order_items"][0]["item_type"] == "SUBSCRIPTION"
    )
    assert len(tenant.orders.of_contact(ids["contact"])) == 1
    again = api.post(f"/subscriptions/{created['id']}:invoice", 200)
    assert again["id"] == first["id"]  # nothing more is due
    api.error("POST", "/subscriptions/999:invoice", 404)


def test_deactivated_and_auto_charge_off_subscriptions(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    stopped = _subscribe(api, sim, ids)
    manual = _subscribe(api, sim, ids, allow_duplicate=True, auto_charge=False)
    api.raw("POST", f"/subscriptions/{stopped['id']}:deactivate", json={"reason": "Moved"})
    _advance(sim, 2 * DAY)
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert order.status == "UNPAID" and tenant.transactions.of_order(order.id) == []
    assert tenant.subscriptions.get(int(manual["id"])).invoice_ids == (order.id,)


def test_a_free_trial_moves_the_first_bill_date(api: V2, sim: Simulator, tenant: Tenant) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    api.post(
        "/discounts/freeTrials",
        201,
        json={
            "name": "Two weeks free",
            "subscription_plan_id": str(ids["plan"]),
            "free_trial_days": 14,
            "criteria": [{"type": "PROMO_CODE", "code": "TRIAL"}],
        },
    )
    plain = _subscribe(api, sim, ids)
    trial = _subscribe(api, sim, ids, allow_duplicate=True, promo_code="trial")
    start = sim.clock.now().date() + timedelta(days=1)
    assert plain["next_bill_date"] == start.isoformat()
    assert trial["next_bill_date"] == (start + timedelta(days=14)).isoformat()
    assert trial["start_date"] == start.isoformat()


def test_a_plan_with_total_cycles_stops_billing(api: V2, sim: Simulator, tenant: Tenant) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    tenant.subscription_plans.update(ids["plan"], total_cycles=2)
    created = _subscribe(api, sim, ids)
    _advance(sim, 100 * DAY)
    assert len(tenant.orders.of_contact(ids["contact"])) == 2
    done = api.get(f"/subscriptions/{created['id']}")
    assert "next_bill_date" not in done and done["end_date"] == done["last_bill_date"]


def test_a_declined_charge_is_retried_until_max_charge_attempts(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, DECLINED_CARD)
    created = _subscribe(api, sim, ids, max_charge_attempts=3, days_between_retries=2)

    def attempts() -> list[str]:
        (order,) = tenant.orders.of_contact(ids["contact"])
        return [t.status for t in tenant.transactions.of_order(order.id)]

    _advance(sim, 1 * DAY)  # the bill date: the first attempt
    assert attempts() == ["FAILED"]
    _advance(sim, 1 * DAY)  # a day later: no retry yet
    assert attempts() == ["FAILED"]
    _advance(sim, 1 * DAY)  # two days after the bill date
    assert attempts() == ["FAILED", "FAILED"]
    _advance(sim, 20 * DAY)  # the third attempt is the last
    assert attempts() == ["FAILED"] * 3
    stored = tenant.subscriptions.get(int(created["id"]))
    assert stored.retry_date is None and stored.charge_attempts == 3 and stored.active


def test_a_retry_charges_the_card_the_subscription_has_then(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, DECLINED_CARD)
    created = _subscribe(api, sim, ids)
    _advance(sim, 2 * DAY)
    good = tenant.credit_cards.create(ids["contact"], APPROVED_CARD, "12", "2035")
    api.patch(f"/subscriptions/{created['id']}", json={"payment_method_id": str(good.id)})
    _advance(sim, 5 * DAY)
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert order.status == "PAID"
    assert [t.status for t in tenant.transactions.of_order(order.id)] == ["FAILED", "APPROVED"]
    (payment,) = tenant.payments.of_order(order.id)
    assert payment.card_id == good.id


def test_one_attempt_means_no_retry(api: V2, sim: Simulator, tenant: Tenant) -> None:
    ids = _subscriber(tenant, DECLINED_CARD)
    _subscribe(api, sim, ids, max_charge_attempts=1)
    _advance(sim, 20 * DAY)
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert len(tenant.transactions.of_order(order.id)) == 1


def test_a_deleted_plan_stops_its_subscriptions_and_requests_go_on(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids)
    product_id = tenant.subscription_plans.get(ids["plan"]).product_id
    api.delete(f"/products/{product_id}/subscriptions/{ids['plan']}")
    _advance(sim, 40 * DAY)
    stopped = api.get(f"/subscriptions/{created['id']}")
    assert stopped["active"] is False
    assert stopped["reason_stopped"] == "The subscription plan was deleted"
    assert tenant.orders.of_contact(ids["contact"]) == []


class RefusingBilling:
    def bill(self, subscription: Subscription, bill_date: datetime) -> Billed:
        raise Invalid("the orders refused it")

    def retry(self, subscription: Subscription, invoice_id: int, when: datetime) -> bool | None:
        raise AssertionError("no retry expected")


def test_a_cycle_the_orders_refuse_stops_the_subscription_not_the_requests(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids)
    sim.clock.advance(2 * DAY)
    assert tenant.subscriptions.bill_due(RefusingBilling()) == []
    stopped = api.get(f"/subscriptions/{created['id']}")
    assert stopped["active"] is False
    assert stopped["reason_stopped"] == "Billing stopped: the orders refused it"


def test_a_new_contact_does_not_keep_the_old_contacts_card(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    created = _subscribe(api, sim, ids)
    other = tenant.contacts.create(email_contact("heir@example.com"))
    moved = api.patch(f"/subscriptions/{created['id']}", json={"contact_id": str(other.id)})
    assert "payment_method_id" not in moved and moved["contact_id"] == str(other.id)
    _advance(sim, 2 * DAY)
    (invoice,) = tenant.orders.of_contact(other.id)
    assert invoice.status == "UNPAID" and tenant.transactions.of_order(invoice.id) == []

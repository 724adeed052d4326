"""Issue 13's gaps: inventory taken by paid orders, v2 PATCH ``order_items`` refused, one
catch-up step for payment plans and subscriptions, payment fault rules that decline charges,
and subscription invoices that earn their affiliates' commissions."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from api_v2.helpers import V2
from pydantic import ValidationError

from keapsim.scenarios import apply_scenario
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant
from keapsim.store.base import Lookup
from keapsim.store.due import catch_up
from keapsim.store.order_payments import COLLECTION
from keapsim.store.order_records import PaymentPlan
from keapsim.store.orders import ItemInput
from keapsim.store.subscriptions import Subscription

from .affiliate_helpers import a_program, an_affiliate, join
from .helpers import card, v2_contact, v2_order, v2_product

D = Decimal
DAY = 24 * 3600.0
PROGRAMS = "/affiliates/commissionPrograms"


def admin(sim: Simulator) -> httpx.Client:
    """An in-process client for ``/_keapsim`` (in-process requests count as loopback)."""
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url)


def buyer(tenant: Tenant, email: str = "bo@example.com") -> int:
    body = {"given_name": "Bo", "email_addresses": [{"email": email, "field": "EMAIL1"}]}
    return tenant.contacts.create(body).id


# -- inventory --------------------------------------------------------------------------------
def test_a_paid_in_full_order_takes_its_goods_off_the_inventory(tenant: Tenant) -> None:
    counted = tenant.products.create(name="Widget", price=D("10.00"), inventory_count=10)
    uncounted = tenant.products.create(name="Gadget", price=D("5.00"))
    order = tenant.orders.create(
        buyer(tenant), [ItemInput(3, counted.id), ItemInput(2, uncounted.id)], title="Stock"
    )
    tenant.orders.add_payment(order.id, D("20.00"), method="CHECK")  # a part: nothing taken
    assert tenant.products.get(counted.id).inventory_count == 10
    paid = tenant.orders.add_payment(order.id, tenant.orders.get(order.id).total_due)
    assert paid.order.status == "PAID"
    assert tenant.products.get(counted.id).inventory_count == 7
    assert tenant.products.get(uncounted.id).inventory_count is None  # keeps no count
    assert paid.order.stock_taken == {counted.id: 3, uncounted.id: 2}

    assert paid.payment is not None
    tenant.orders.refund(paid.payment.id)  # no source says a refund restocks
    assert tenant.products.get(counted.id).inventory_count == 7

    more = tenant.orders.add_item(order.id, ItemInput(2, counted.id))  # after full payment
    assert more.quantity == 2
    tenant.orders.add_payment(order.id, tenant.orders.get(order.id).total_due, method="CASH")
    assert tenant.products.get(counted.id).inventory_count == 5  # only the two new ones


def test_inventory_stops_at_zero(tenant: Tenant) -> None:
    scarce = tenant.products.create(name="Rare", price=D("1.00"), inventory_count=2)
    order = tenant.orders.create(buyer(tenant), [ItemInput(5, scarce.id)], title="Rare")
    tenant.orders.add_payment(order.id, order.total, method="CASH")
    assert tenant.products.get(scarce.id).inventory_count == 0  # "must be >= 0"


def test_a_card_paid_v2_order_moves_the_v2_inventory(api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    product = v2_product(api, inventory={"inventory_count": 4})
    order = v2_order(api, who, product)  # 2 widgets + shipping
    body = {"payment_amount": 30, "apply_to_commissions": False, "payment_method_id": None}
    body["payment_method_id"] = str(card(tenant, who))
    api.post(f"/orders/{order['id']}/payments", 201, json=body)
    assert api.get(f"/products/{product}")["inventory"]["inventory_count"] == 2


# -- v2 PATCH order_items ---------------------------------------------------------------------
def test_v2_patch_refuses_order_items_and_changes_nothing(api: V2, tenant: Tenant) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    path = f"/orders/{order['id']}"
    body = {"order_items": [{"name": "Other", "quantity": 1, "price_per_unit": 1}]}
    error = api.error("PATCH", path, 400, json=body, params={"update_mask": "order_items"})
    assert "order_items" in error["message"] and "/items" in error["message"]
    api.error("PATCH", path, 400, json={**body, "notes": "x"})  # unmasked: refused too
    api.error("PATCH", path, 400, json={"notes": "x"}, params={"update_mask": "order_items"})
    stored = tenant.orders.get(int(order["id"]))
    assert [i.name for i in stored.items] == ["Widget", "Shipping"] and stored.notes is None


# -- one catch-up step ------------------------------------------------------------------------
def plan_order(tenant: Tenant, number: str = "4242424242424242") -> tuple[int, int]:
    contact = buyer(tenant)
    widget = tenant.products.create(name="Widget", price=D("10.00"))
    order = tenant.orders.create(contact, [ItemInput(3, widget.id)], title="Plan")
    today = tenant.core.now().date().isoformat()
    plan = PaymentPlan(3, 30, today, auto_charge=True, card_id=card(tenant, contact, number))
    tenant.orders.set_payment_plan(order.id, plan)
    return order.id, contact


def test_any_request_collects_due_plan_charges(sim: Simulator, api: V2, tenant: Tenant) -> None:
    order_id, _ = plan_order(tenant)
    api.get("/tags")  # not an order route: the one catch-up step runs before every request
    assert tenant.orders.get(order_id).total_paid == D("10.00")
    sim.clock.advance(30 * DAY)
    with admin(sim) as client:  # the admin clock advance catches up at once
        assert client.post("/_keapsim/clock/advance", json={"seconds": 0}).status_code == 200
    assert tenant.orders.get(order_id).total_paid == D("20.00")


def test_the_collection_index_holds_only_orders_with_a_charge_ahead(tenant: Tenant) -> None:
    due_id, _ = plan_order(tenant)
    manual = tenant.orders.create(buyer(tenant, "cy@example.com"), [], title="No plan")
    index = tenant.orders.table.index(COLLECTION)
    today = tenant.core.now().date()
    assert index.lookup(Lookup(COLLECTION, "range", high=today)) == [due_id]
    assert manual.id not in index.lookup(Lookup(COLLECTION, "range"))
    assert [o.id for o in (x.order for x in tenant.orders.collect_due())] == [due_id]
    # Paid for today; the next instalment is 30 days ahead, so nothing is due now.
    assert index.lookup(Lookup(COLLECTION, "range", high=today)) == []


def test_catch_up_charges_plans_and_bills_subscriptions_in_one_step(
    sim: Simulator, tenant: Tenant
) -> None:
    order_id, contact = plan_order(tenant)
    subscription = a_subscription(tenant, contact)
    touched = catch_up(tenant)
    assert touched[0] == order_id and len(touched) == 2  # the plan's order, then the invoice
    assert tenant.subscriptions.get(subscription.id).invoice_ids == (touched[1],)
    assert catch_up(tenant) == []


# -- payment fault rules ----------------------------------------------------------------------
def a_subscription(tenant: Tenant, contact: int, **fields: object) -> Subscription:
    gym = tenant.products.create(name="Gym", price=D("20.00"))
    plan = tenant.subscription_plans.create(
        product_id=gym.id, cycle="MONTHLY", plan_price=D("20.00")
    )
    cards = tenant.credit_cards.of_contact(contact)
    method = cards[0].id if cards else card(tenant, contact)
    return tenant.subscriptions.create(
        contact_id=contact, subscription_plan_id=plan.id, payment_method_id=method, **fields
    )


def test_a_decline_rule_fails_the_next_bill_like_a_declined_card(
    sim: Simulator, tenant: Tenant
) -> None:
    subscription = a_subscription(tenant, buyer(tenant))
    rule = sim.faults.add(effect="decline", times=1)
    [invoice_id] = catch_up(tenant)
    invoice = tenant.orders.get(invoice_id)
    [attempt] = tenant.transactions.of_order(invoice_id)
    assert invoice.status == "UNPAID" and invoice.total_paid == 0
    assert (attempt.status, attempt.error, attempt.decline_code) == (
        "FAILED",
        "Card declined",
        "card_declined",
    )
    stored = tenant.subscriptions.get(subscription.id)
    assert stored.active and stored.retry_invoice_id == invoice_id  # retried like a card's
    assert sim.faults.get(rule.id).counters() == {"matched": 1, "fired": 1, "exhausted": True}
    sim.clock.advance(stored.days_between_retries * DAY)
    catch_up(tenant)
    assert tenant.orders.get(invoice_id).status == "PAID"


def test_decline_rules_pick_charges_by_contact_source_and_count(
    sim: Simulator, api: V2, tenant: Tenant
) -> None:
    with admin(sim) as client:
        added = client.post(
            "/_keapsim/faults",
            json={"effect": "decline", "decline_code": "insufficient_funds", "times": 2},
        )
    assert added.status_code == 201 and added.json()["effect"] == "decline"
    order_id, contact = plan_order(tenant)  # the plan's first charge: declined (1 of 2)
    api.get("/tags")
    assert tenant.orders.get(order_id).total_paid == 0
    widget = tenant.products.create(name="Thing", price=D("4.00"))
    order = tenant.orders.create(contact, [ItemInput(1, widget.id)], title="Manual")
    card_id = tenant.credit_cards.of_contact(contact)[0].id
    second = tenant.orders.add_payment(order.id, D("4.00"), card_id=card_id)  # 2 of 2
    assert second.error == "Insufficient funds" and not second.approved
    assert tenant.orders.add_payment(order.id, D("4.00"), card_id=card_id).approved
    sim.faults.clear()

    other = buyer(tenant, "cy@example.com")
    sim.faults.add(effect="decline", contact_id=other, decline_code="expired_card")
    mine = tenant.orders.create(contact, [ItemInput(1, widget.id)], title="Mine")
    assert tenant.orders.add_payment(mine.id, D("4.00"), card_id=card_id).approved
    theirs = tenant.orders.create(other, [ItemInput(1, widget.id)], title="Theirs")
    declined = tenant.orders.add_payment(theirs.id, D("4.00"), card_id=card(tenant, other))
    assert declined.transaction.decline_code == "expired_card"
    cash = tenant.orders.add_payment(theirs.id, D("4.00"), method="CASH")
    assert cash.approved  # manual payments are not card charges
    sim.faults.clear()

    sim.faults.add(effect="decline", charge_source="SUBSCRIPTION")
    again = tenant.orders.create(contact, [ItemInput(1, widget.id)], title="Again")
    assert tenant.orders.add_payment(again.id, D("4.00"), card_id=card_id).approved


def test_decline_rules_never_fail_requests_and_refuse_request_fields(
    sim: Simulator, api: V2
) -> None:
    sim.faults.add(effect="decline")
    assert api.get("/tags")["tags"] == []
    with pytest.raises(ValidationError, match="path"):
        sim.faults.add(effect="decline", path="/crm/rest/v2/*")
    with pytest.raises(ValidationError, match="decline_code"):
        sim.faults.add(effect="decline", decline_code="nope")
    with pytest.raises(ValidationError, match="decline"):
        sim.faults.add(status=500, contact_id=1)
    with admin(sim) as client:
        refused = client.post("/_keapsim/faults", json={"effect": "decline", "status": 500})
    assert refused.status_code == 400 and "status" in refused.text


def test_a_tenant_restored_from_a_snapshot_obeys_decline_rules(
    sim: Simulator, tenant: Tenant
) -> None:
    contact = buyer(tenant)
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(json.dumps(dump_state(sim))))
    restored = fresh.tenant()
    fresh.faults.add(effect="decline")
    widget = restored.products.create(name="Thing", price=D("4.00"))
    order = restored.orders.create(contact, [ItemInput(1, widget.id)], title="After")
    outcome = restored.orders.add_payment(order.id, D("4.00"), card_id=card(restored, contact))
    assert not outcome.approved


# -- subscription commissions -----------------------------------------------------------------
def test_a_subscription_bill_paid_on_the_clock_earns_the_plan_commission(
    sim: Simulator, api: V2, tenant: Tenant
) -> None:
    affiliate = an_affiliate(api)
    program = a_program(api, percentage="10")
    contact = buyer(tenant)
    tomorrow = sim.clock.now() + timedelta(days=1)
    subscription = a_subscription(
        tenant, contact, sale_affiliate_id=int(affiliate), start_date=tomorrow
    )
    api.post(
        f"{PROGRAMS}/subscriptionCommissionPrograms/{program}",
        201,
        json={"subscription_id": str(subscription.subscription_plan_id), "dollar_amount": "3"},
    )
    join(api, affiliate, program)
    sim.clock.advance(DAY)
    [invoice_id] = catch_up(tenant)
    invoice = tenant.orders.get(invoice_id)
    assert invoice.status == "PAID" and invoice.sales_affiliate_id == int(affiliate)
    [earned] = tenant.affiliate_commissions.of_affiliate(int(affiliate))
    assert earned.amount == D("3.00")  # the plan's rate, not the 10 % default


def test_a_read_with_nothing_due_writes_nothing(api: V2, tenant: Tenant) -> None:
    plan_order(tenant)
    api.get("/tags")  # the first instalment is charged: a write
    writes = tenant.core.writes
    api.get("/tags")
    api.get("/orders")
    assert tenant.core.writes == writes  # the change log skips a tenant nothing was written to


def test_a_scenario_file_installs_a_decline_rule_for_its_tenant(sim: Simulator) -> None:
    applied = apply_scenario(
        sim,
        {
            "name": "declines",
            "description": "the next card charge is declined",
            "scope_to_tenant": True,
            "faults": [{"effect": "decline", "decline_code": "insufficient_funds", "times": 1}],
        },
    )
    [rule] = applied.rules
    assert rule.spec.tenant == applied.tenant_id
    tenant = sim.tenant(applied.tenant_id)
    contact = buyer(tenant)
    widget = tenant.products.create(name="Thing", price=D("4.00"))
    order = tenant.orders.create(contact, [ItemInput(1, widget.id)], title="Scenario")
    paying = card(tenant, contact)
    first = tenant.orders.add_payment(order.id, D("4.00"), card_id=paying)
    assert first.transaction.decline_code == "insufficient_funds"
    assert tenant.orders.add_payment(order.id, D("4.00"), card_id=paying).approved

"""v1 subscriptions: ``GET /subscriptions`` (contact filter, limit/offset) and
``POST /subscriptions``, answers checked against the v1 document; the store is v2's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V1


def plan_and_contact(tenant: Tenant) -> tuple[int, int, int]:
    product = tenant.products.create(name="Box", price=Decimal("30.00"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle="YEARLY", plan_price=Decimal("300.00")
    )
    contact = tenant.contacts.create(
        {"given_name": "Bo", "email_addresses": [{"email": "bo@example.com", "field": "EMAIL1"}]}
    )
    return product.id, plan.id, contact.id


def test_create_and_list_subscriptions(sim: Simulator, api: V1, tenant: Tenant) -> None:
    product_id, plan_id, contact_id = plan_and_contact(tenant)
    card = tenant.credit_cards.create(contact_id, "5555555555554444", "01", "2030")
    first = (sim.clock.now() + timedelta(days=2)).date().isoformat()
    created = api.post(
        "/subscriptions",
        201,
        json={
            "contact_id": contact_id,
            "subscription_plan_id": plan_id,
            "first_bill_date": first,
            "billing_amount": 250.5,
            "quantity": 2,
        },
    )
    assert created["product_id"] == product_id and created["billing_cycle"] == "YEAR"
    assert created["billing_amount"] == 250.5 and created["credit_card_id"] == card.id
    assert created["start_date"] == first == created["next_bill_date"]
    assert created["use_default_payment_gateway"] is True
    assert tenant.subscriptions.get(created["id"]).billing_amount == Decimal("250.5")

    other = tenant.contacts.create(
        {"given_name": "Cy", "email_addresses": [{"email": "cy@example.com", "field": "EMAIL1"}]}
    )
    api.post("/subscriptions", 201, json={"contact_id": other.id, "subscription_plan_id": plan_id})
    listed = api.get("/subscriptions")
    assert listed["count"] == 2 and [s["contact_id"] for s in listed["subscriptions"]] == [
        contact_id,
        other.id,
    ]
    mine = api.get("/subscriptions", params={"contact_id": contact_id})
    assert [s["id"] for s in mine["subscriptions"]] == [created["id"]]
    paged = api.get("/subscriptions", params={"limit": 1, "offset": 1})
    assert [s["contact_id"] for s in paged["subscriptions"]] == [other.id]


def test_create_errors_store_nothing(api: V1, tenant: Tenant) -> None:
    _, plan_id, contact_id = plan_and_contact(tenant)
    api.error("POST", "/subscriptions", 400, json={"subscription_plan_id": plan_id})
    api.error("POST", "/subscriptions", 400, json={"contact_id": contact_id})
    api.error(
        "POST", "/subscriptions", 400, json={"contact_id": contact_id, "subscription_plan_id": 99}
    )
    api.error(
        "POST",
        "/subscriptions",
        400,
        json={"contact_id": contact_id, "subscription_plan_id": plan_id, "quantity": 0},
    )
    api.error(
        "POST",
        "/subscriptions",
        400,
        json={"contact_id": contact_id, "subscription_plan_id": plan_id, "first_bill_date": "x"},
    )
    api.error("GET", "/subscriptions", 400, params={"contact_id": "abc"})
    assert len(tenant.subscriptions) == 0

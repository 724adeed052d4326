"""v2 subscriptions: create from a plan, get, list (filters, orders), patch (update_mask,
schedule), ``:deactivate`` and custom fields, every answer checked against ``swagger.yml``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2, email_contact


def setup_plan(tenant: Tenant, *, cycle: str = "MONTHLY", frequency: int = 1) -> dict[str, int]:
    product = tenant.products.create(name="Magazine", price=Decimal("12.00"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle=cycle, plan_price=Decimal("9.99"), frequency=frequency
    )
    contact = tenant.contacts.create(email_contact("reader@example.com"))
    card = tenant.credit_cards.create(contact.id, "4242 4242 4242 4242", "12", "2031")
    return {"product": product.id, "plan": plan.id, "contact": contact.id, "card": card.id}


def subscribe(api: V2, ids: dict[str, int], **fields: Any) -> dict[str, Any]:
    body = {"contact_id": str(ids["contact"]), "subscription_plan_id": str(ids["plan"]), **fields}
    return api.post("/subscriptions", 201, json=body)


def today(sim: Simulator) -> str:
    return sim.clock.now().date().isoformat()


def test_create_from_a_plan_takes_its_product_cycle_price_and_the_latest_card(
    sim: Simulator, api: V2, tenant: Tenant
) -> None:
    ids = setup_plan(tenant, cycle="WEEKLY", frequency=2)
    start = (sim.clock.now() + timedelta(days=3)).date().isoformat()
    created = subscribe(api, ids, start_date=start, quantity=2, promo_code="P1")
    assert created["product_id"] == str(ids["product"])
    assert created["billing_cycle"] == "WEEK" and created["billing_frequency"] == 2
    assert created["billing_amount"] == 9.99 and created["quantity"] == 2
    assert created["start_date"] == start == created["next_bill_date"]
    assert created["payment_method_id"] == str(ids["card"]) and created["active"] is True
    stored = tenant.subscriptions.get(int(created["id"]))
    assert stored.billing_amount == Decimal("9.99") and stored.promo_code == "P1"
    assert api.get(f"/subscriptions/{created['id']}") == created


def test_create_refuses_bad_input_and_duplicates(sim: Simulator, api: V2, tenant: Tenant) -> None:
    ids = setup_plan(tenant)
    api.error("POST", "/subscriptions", 400, json={"subscription_plan_id": str(ids["plan"])})
    api.error("POST", "/subscriptions", 400, json={"contact_id": str(ids["contact"])})
    base = {"contact_id": str(ids["contact"]), "subscription_plan_id": str(ids["plan"])}
    api.error("POST", "/subscriptions", 400, json={**base, "subscription_plan_id": "999"})
    api.error("POST", "/subscriptions", 400, json={**base, "contact_id": "999"})
    api.error("POST", "/subscriptions", 400, json={**base, "quantity": 0})
    api.error("POST", "/subscriptions", 400, json={**base, "billing_amount": -1})
    api.error("POST", "/subscriptions", 400, json={**base, "start_date": "2001-01-01"})
    api.error("POST", "/subscriptions", 400, json={**base, "start_date": "soon"})
    api.error("POST", "/subscriptions", 400, json={**base, "payment_method_id": "999"})
    assert len(tenant.subscriptions) == 0
    subscribe(api, ids)
    api.error("POST", "/subscriptions", 400, json=base)
    subscribe(api, ids, allow_duplicate=True)
    assert len(tenant.subscriptions) == 2


def test_patch_changes_given_fields_and_reanchors_the_schedule(
    sim: Simulator, api: V2, tenant: Tenant
) -> None:
    ids = setup_plan(tenant)
    created = subscribe(
        api, ids, start_date=(sim.clock.now() + timedelta(days=1)).date().isoformat()
    )
    path = f"/subscriptions/{created['id']}"
    later = (sim.clock.now() + timedelta(days=40)).date().isoformat()
    patched = api.patch(
        path, json={"billing_amount": 19.5, "next_bill_date": later, "auto_charge": False}
    )
    assert patched["billing_amount"] == 19.5 and patched["next_bill_date"] == later
    assert patched["auto_charge"] is False and patched["start_date"] == created["start_date"]
    masked = api.patch(
        path, params={"update_mask": "quantity"}, json={"quantity": 3, "promo_code": "X"}
    )
    assert masked["quantity"] == 3 and "promo_code" not in masked
    api.error("PATCH", path, 400, json={"next_bill_date": "2001-01-01"})
    api.error("PATCH", path, 400, json={"billing_cycle": "FORTNIGHT"})
    api.error("PATCH", path, 400, params={"update_mask": "colour"}, json={})
    api.error("PATCH", "/subscriptions/999", 404, json={"quantity": 2})
    assert tenant.subscriptions.get(int(created["id"])).billing_amount == Decimal("19.5")


def test_deactivate_stops_it_and_patch_reactivates(sim: Simulator, api: V2, tenant: Tenant) -> None:
    ids = setup_plan(tenant)
    created = subscribe(
        api, ids, start_date=(sim.clock.now() + timedelta(days=5)).date().isoformat()
    )
    response = api.raw(
        "POST", f"/subscriptions/{created['id']}:deactivate", json={"reason": "Too much"}
    )
    assert response.status_code == 200 and response.content == b""
    stopped = api.get(f"/subscriptions/{created['id']}")
    assert stopped["active"] is False and stopped["reason_stopped"] == "Too much"
    assert not tenant.subscriptions.has_due(sim.clock.now() + timedelta(days=30))
    again = api.patch(f"/subscriptions/{created['id']}", json={"active": True})
    assert again["active"] is True and "reason_stopped" not in again
    api.error("POST", "/subscriptions/999:deactivate", 404, json={})


def test_list_filters_and_orders(sim: Simulator, api: V2, tenant: Tenant) -> None:
    ids = setup_plan(tenant)
    other = tenant.contacts.create(email_contact("other@example.com"))
    first = subscribe(api, ids)
    second = subscribe(api, {**ids, "contact": other.id}, billing_amount=50)
    third = subscribe(api, ids, allow_duplicate=True, billing_amount=5)
    assert api.raw("POST", f"/subscriptions/{third['id']}:deactivate", json={}).status_code == 200

    def listed(**params: str) -> list[str]:
        return [s["id"] for s in api.get("/subscriptions", params=params)["subscriptions"]]

    assert listed() == [first["id"], second["id"], third["id"]]
    assert listed(filter=f"contact_id=={ids['contact']}") == [first["id"], third["id"]]
    assert listed(filter="status==Active") == [first["id"], second["id"]]
    assert listed(filter="billing_amount>=10") == [second["id"]]
    assert listed(filter=f"id>{first['id']}") == [second["id"], third["id"]]
    assert listed(filter=f"ids=={first['id']},{third['id']}") == [first["id"], third["id"]]
    assert listed(filter=f"subscription_plan_ids=={ids['plan']}") == listed()
    assert listed(order_by="contact_id desc")[0] == second["id"]
    api.error("GET", "/subscriptions", 400, params={"filter": "status==Paused"})
    api.error("GET", "/subscriptions", 400, params={"order_by": "price"})


def test_custom_fields_are_written_read_and_filtered(api: V2, tenant: Tenant) -> None:
    ids = setup_plan(tenant)
    field = api.post(
        "/subscriptions/model/customFields", 201, json={"label": "Note", "field_type": "TEXT"}
    )
    created = subscribe(api, ids, custom_fields=[{"id": field["id"], "content": "VIP"}])
    assert {"id": field["id"], "content": "VIP"} in created["custom_fields"]
    name = field["field_name"]
    assert [
        s["id"]
        for s in api.get("/subscriptions", params={"filter": f"{name}==VIP"})["subscriptions"]
    ] == [created["id"]]
    api.error(
        "POST",
        "/subscriptions",
        400,
        json={
            "contact_id": str(ids["contact"]),
            "subscription_plan_id": str(ids["plan"]),
            "allow_duplicate": True,
            "custom_fields": [{"id": "999", "content": "x"}],
        },
    )


@pytest.mark.parametrize("path", ["/subscriptions/abc", "/subscriptions/0"])
def test_unknown_subscriptions_are_404(api: V2, path: str) -> None:
    api.error("GET", path, 404)

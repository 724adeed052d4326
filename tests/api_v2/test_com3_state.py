"""Subscriptions and discounts under the rest of keapsim: snapshots, tenant reset, the journal,
fault rules, throttling, change events and the dashboard's records panel."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from keapsim.config import Limits, Window
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant
from keapsim.store.events import ChangeEvent

from .helpers import V2, email_contact


def _populate(api: V2, tenant: Tenant) -> dict[str, str]:
    product = tenant.products.create(name="Club", price=Decimal("20.00"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle="MONTHLY", plan_price=Decimal("19.00")
    )
    contact = tenant.contacts.create(email_contact("member@example.com"))
    tenant.credit_cards.create(contact.id, "4242424242424242", "12", "2031")
    field = api.post(
        "/subscriptions/model/customFields", 201, json={"label": "Tier", "field_type": "TEXT"}
    )
    subscription = api.post(
        "/subscriptions",
        201,
        json={
            "contact_id": str(contact.id),
            "subscription_plan_id": str(plan.id),
            "custom_fields": [{"id": field["id"], "content": "Gold"}],
        },
    )
    discount = api.post(
        "/discounts/products",
        201,
        json={
            "name": "Club 10%",
            "discount_type": "PERCENT",
            "discount_value": 10,
            "product_id": str(product.id),
            "criteria": [{"type": "PROMO_CODE", "code": "CLUB"}],
        },
    )
    return {"subscription": subscription["id"], "discount": discount["id"]}


def test_a_snapshot_keeps_subscriptions_and_discounts(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _populate(api, tenant)
    before_subscription = api.get(f"/subscriptions/{ids['subscription']}")
    before_discount = api.get(f"/discounts/products/{ids['discount']}")
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored = fresh.tenant()
    assert restored.subscriptions.get(int(ids["subscription"])).custom_fields
    with fresh.client() as client:
        again = V2(client)
        assert again.get(f"/subscriptions/{ids['subscription']}") == before_subscription
        assert again.get(f"/discounts/products/{ids['discount']}") == before_discount
        # ids keep growing after a load
        made = again.post(
            "/discounts/shipping",
            201,
            json={"name": "S", "discount_type": "AMOUNT", "discount_value": 1},
        )
        assert int(made["id"]) > int(ids["discount"])


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api, tenant)
    sim.reset(tenant.id)
    assert tenant.subscriptions == {} and tenant.discounts == {}
    assert api.get("/subscriptions") == {"subscriptions": []}
    assert api.get("/discounts/products") == {"discounts": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator, tenant: Tenant) -> None:
    ids = _populate(api, tenant)
    listed = api.get("/discounts/products")
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == (
        "GET",
        "/crm/rest/v2/discounts/products",
        200,
    )
    assert json.loads(entry.response_body) == listed
    api.raw("POST", f"/subscriptions/{ids['subscription']}:deactivate", json={"reason": "x"})
    entry = sim.journal.last()
    assert entry.path == f"/crm/rest/v2/subscriptions/{ids['subscription']}:deactivate"
    assert entry.status == 200


def test_a_fault_rule_answers_instead_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(
        method="POST", path="/crm/rest/v2/discounts/shipping", canned="bad_request", times=1
    )
    body = {"name": "S", "discount_type": "AMOUNT", "discount_value": 1}
    assert api.raw("POST", "/discounts/shipping", json=body).status_code == 400
    assert tenant.discounts == {}
    api.post("/discounts/shipping", 201, json=body)
    assert len(tenant.discounts) == 1


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code
            for path in ("/v2/subscriptions", "/v1/subscriptions", "/v2/discounts/freeTrials")
        ]
    assert statuses == [200, 200, 429]


def test_writes_raise_subscription_and_discount_events(api: V2, tenant: Tenant) -> None:
    seen: list[ChangeEvent] = []
    unsubscribe = tenant.events.subscribe(seen.append)
    try:
        ids = _populate(api, tenant)
        api.patch(f"/subscriptions/{ids['subscription']}", json={"quantity": 2})
        api.delete(f"/discounts/products/{ids['discount']}")
    finally:
        unsubscribe()
    keys = [
        (e.event_key, e.object_id) for e in seen if e.object_type in ("subscription", "discount")
    ]
    sub, disc = int(ids["subscription"]), int(ids["discount"])
    assert ("subscription.add", sub) in keys and ("subscription.edit", sub) in keys
    assert ("discount.add", disc) in keys and ("discount.delete", disc) in keys


def test_the_dashboard_lists_subscriptions_and_discounts(sim: Simulator, api: V2) -> None:
    tenant = sim.tenant()
    _populate(api, tenant)
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as client:
        panel = client.get("/_keapsim/ui/panels/records").text
        page = client.get("/_keapsim/ui/records/subscriptions")
        discounts = client.get("/_keapsim/ui/records/discounts").text
    for name in ("subscriptions", "discounts"):
        row = re.search(rf'data-store="{name}">(.*?)</tr>', panel, re.S)
        assert row and '<td class="num">1</td>' in row.group(1), name
    assert page.status_code == 200
    assert len(re.findall(r'data-record-id="(\d+)"', page.text)) == 1
    assert "Club 10%" in discounts


def test_seed_data_adds_an_active_subscription_and_a_discount() -> None:
    from keapsim.seed import seed_tenant

    sim = Simulator(throttle=False)
    counts = seed_tenant(sim.tenant(), 5, faker_seed=3)
    assert counts["subscriptions"] == 1 and counts["discounts"] == 1
    with sim.client() as client:
        listed = V2(client).get("/subscriptions", params={"filter": "status==Active"})
        assert len(listed["subscriptions"]) == 1
        assert listed["subscriptions"][0]["payment_method_id"]
    # first billed a month on: seeding bills nothing
    assert [o for o in sim.tenant().orders.values() if o.source_type == "INVOICE"] == []


SCENARIO = """
name: club
tenant:
  contacts: [{given_name: Ann, email_addresses: [{email: ann@example.com, field: EMAIL1}]}]
  records:
    products: [{name: Club, price: 25}]
    subscription_plans: [{product_id: 1, cycle: MONTHLY, plan_price: 25}]
    subscriptions: [{contact_id: 1, subscription_plan_id: 1, promo_code: SPRING}]
    discounts:
      - kind: ORDER_TOTAL
        name: Spring
        discount_type: PERCENT
        discount_value: 20
        criteria:
          - {type: PROMO_CODE, code: spring}
          - {type: DATE_RANGE, range_start_time: "2020-01-01T00:00:00Z"}
"""


def test_a_scenario_declares_subscriptions_and_discounts(tmp_path: Path) -> None:
    from keapsim.scenarios import apply_scenario

    sim = Simulator(throttle=False)
    path = tmp_path / "club.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    apply_scenario(sim, path)
    tenant = sim.tenant()
    (subscription,) = tenant.subscriptions.values()
    assert subscription.billing_cycle == "MONTH" and subscription.active
    (discount,) = tenant.discounts.values()
    assert discount.criteria[1].range_start_time is not None
    with sim.client() as client:  # the first request bills today's cycle, 20 % off
        V2(client).get("/subscriptions")
    (invoice,) = tenant.orders.values()
    assert invoice.total == Decimal("20.00")


def test_a_scenario_discount_with_a_bad_criterion_is_refused(tmp_path: Path) -> None:
    from keapsim.scenarios import ScenarioError, apply_scenario

    bad = SCENARIO.replace('range_start_time: "2020-01-01T00:00:00Z"', "range_start_time: soon")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError, match="range_start_time"):
        apply_scenario(Simulator(throttle=False), path)


def test_a_rest_hook_receives_subscription_add_and_billing_edits() -> None:
    from keapsim.config import TenantSettings
    from keapsim.hooks import HookReceiver

    sim = Simulator(settings=TenantSettings(throttle=False, hooks={"delay": "immediate"}))
    receiver = HookReceiver()
    sim.hooks.deliver_to(transport=receiver)
    tenant = sim.tenant()
    with sim.client() as client:
        for key in ("subscription.add", "subscription.edit"):
            client.post("/v1/hooks", json={"eventKey": key, "hookUrl": receiver.url})
        api = V2(client)
        ids = _populate(api, tenant)  # created today: the next request bills its first cycle
        api.get("/subscriptions")
    sim.hooks.flush()
    assert receiver.object_ids("subscription.add") == [int(ids["subscription"])]
    assert int(ids["subscription"]) in receiver.object_ids("subscription.edit")

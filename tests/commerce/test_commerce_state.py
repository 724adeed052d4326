"""Orders, payments, transactions and the sales set-up under the rest of keapsim: snapshots,
tenant reset, the journal, fault rules, throttling and the dashboard."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from api_v2.helpers import V2

from keapsim.config import Limits, TenantSettings, Window
from keapsim.hooks import HookReceiver
from keapsim.scenarios import ScenarioError, apply_scenario
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Invalid, Tenant

from .helpers import card, v2_contact, v2_order, v2_product

COMMERCE_STORES = (
    "orders",
    "payments",
    "transactions",
    "merchants",
    "shipping_methods",
    "payment_method_configs",
)


def _populate(api: V2, tenant: Tenant) -> dict[str, str]:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api, taxable=True))
    api.post(f"/orders/{order['id']}:applyTax")
    api.post(
        f"/orders/{order['id']}/payments",
        201,
        json={
            "payment_amount": 12.5,
            "apply_to_commissions": True,
            "payment_method_id": str(card(tenant, who)),
        },
    )
    tenant.shipping_methods.create(name="Ground")
    api.post("/paymentMethodConfigs", json={"contact_id": who})
    return {"order": order["id"], "contact": who}


def test_a_snapshot_keeps_orders_payments_and_the_sales_set_up(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _populate(api, tenant)
    text = json.dumps(dump_state(sim))
    assert '"12.5"' in text  # money travels as Decimal text
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored = fresh.tenant()
    for name in COMMERCE_STORES:
        assert restored.store(name) == tenant.store(name), name
    order = restored.orders.get(int(ids["order"]))
    assert order.total == Decimal("32.50") and order.status == "PARTIALLY_PAID"
    with fresh.client() as client:
        again = V2(client)
        assert again.get(f"/orders/{ids['order']}") == api.get(f"/orders/{ids['order']}")
        paid = again.post(
            f"/orders/{ids['order']}/payments",
            201,
            json={"payment_amount": 20, "apply_to_commissions": True},
        )
        assert int(paid["id"]) == 2 and int(paid["transaction_id"]) == 2  # ids keep growing
        assert again.get(f"/orders/{ids['order']}")["status"] == "PAID"


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api, tenant)
    sim.reset(tenant.id)
    for name in COMMERCE_STORES:
        assert tenant.store(name) == {}, name
    assert api.get("/orders") == {"orders": []}
    assert api.get("/sales/transactions") == {"transactions": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == ("POST", "/crm/rest/v2/orders", 201)
    assert json.loads(entry.response_body) == order
    with sim.client() as client:
        client.get(f"/v1/orders/{order['id']}/transactions")
    assert sim.journal.last().path == f"/crm/rest/v1/orders/{order['id']}/transactions"


def test_a_fault_rule_answers_instead_and_takes_no_payment(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    path = f"/orders/{order['id']}/payments"
    sim.faults.add(method="POST", path=f"/crm/rest/v2{path}", canned="bad_request", times=1)
    body = {"payment_amount": 5, "apply_to_commissions": True}
    assert api.raw("POST", path, json=body).status_code == 400
    assert len(tenant.payments) == 0 and len(tenant.transactions) == 0
    api.post(path, 201, json=body)
    assert tenant.orders.get(int(order["id"])).status == "PARTIALLY_PAID"


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code
            for path in ("/v2/orders", "/v1/transactions", "/v2/shipping")
        ]
    assert statuses == [200, 200, 429]


def test_the_dashboard_lists_orders_with_status_and_total(api: V2, sim: Simulator) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as admin:
        panel = admin.get("/_keapsim/ui/panels/records").text
        page = admin.get("/_keapsim/ui/records/orders").text
    assert 'data-store="orders"' in panel and 'data-store="transactions"' in panel
    assert "<th>status</th>" in page and "<th>total</th>" in page
    assert f'data-record-id="{order["id"]}"' in page
    assert "Widgets" in page and "UNPAID" in page and "30.00" in page


def test_order_and_payment_hooks_are_delivered() -> None:
    sim = Simulator(settings=TenantSettings(throttle=False, hooks={"delay": "immediate"}))
    receiver = HookReceiver()
    sim.hooks.deliver_to(transport=receiver)
    with sim.client() as client:
        hooks = V2(client)
        for key in ("order.add", "invoice.payment.add"):
            client.post("/v1/hooks", json={"eventKey": key, "hookUrl": receiver.url})
        order = v2_order(hooks, v2_contact(hooks), v2_product(hooks))
        paid = hooks.post(
            f"/orders/{order['id']}/payments",
            201,
            json={"payment_amount": 30, "apply_to_commissions": True},
        )
    sim.hooks.flush()
    assert receiver.object_ids("order.add") == [int(order["id"])]
    assert receiver.object_ids("invoice.payment.add") == [int(paid["id"])]


def test_a_scenario_declares_merchants_and_shipping_methods() -> None:
    sim = Simulator(throttle=False)
    apply_scenario(
        sim,
        {
            "name": "shop",
            "tenant": {
                "records": {
                    "merchants": [
                        {"name": "Stripe", "type": "STRIPE"},
                        {"name": "Backup", "type": "AUTHORIZE", "default": True},
                    ],
                    "shipping_methods": [{"name": "Ground", "settings": {"rate": "5.00"}}],
                }
            },
        },
    )
    with sim.client() as client:
        merchants = V2(client).get("/merchants")
        assert merchants["default_merchant_account_id"] == "2"
        assert V2(client).get("/shipping")["shipping_methods"][0]["name"] == "Ground"
    with pytest.raises(ScenarioError, match="type"):
        apply_scenario(
            sim,
            {"name": "bad", "tenant": {"records": {"merchants": [{"name": "X", "type": "BANK"}]}}},
        )


def test_the_default_merchant_moves_when_it_is_deleted(tenant: Tenant) -> None:
    first = tenant.merchants.create(name="First")
    second = tenant.merchants.create(name="Second")
    with pytest.raises(Invalid):
        tenant.merchants.update(first.id, default=False)
    tenant.merchants.update(second.id, default=True)
    assert tenant.merchants.default() == tenant.merchants.get(second.id)
    tenant.merchants.delete(second.id)
    assert tenant.merchants.default() == tenant.merchants.get(first.id)

"""Affiliates under the rest of keapsim: snapshots, tenant reset, the journal, fault rules,
throttling, change events and seed data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from api_v2.helpers import V2

from keapsim.config import Limits, Window
from keapsim.hooks.catalogue import KEAP_NOUNS, KEAPSIM_ONLY_NOUNS
from keapsim.scenarios.loader import ScenarioError, apply_scenario
from keapsim.seed import seed_tenant
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant
from keapsim.store.events import ChangeEvent

from .affiliate_helpers import a_program, an_affiliate, an_order, join

PROGRAMS = "/affiliates/commissionPrograms"
STORES = (
    "affiliates",
    "affiliate_programs",
    "affiliate_program_resources",
    "affiliate_redirects",
    "affiliate_commissions",
    "affiliate_payments",
)


def _populate(api: V2, tenant: Tenant) -> dict[str, str]:
    affiliate = an_affiliate(api)
    program = a_program(api, percentage="10", level_2={"lead_amount": "1.25"})
    join(api, affiliate, program)
    shirt = tenant.products.create(name="Shirt", price=Decimal("20.00"))
    api.post(
        f"{PROGRAMS}/productCommissionPrograms/{program}", 201, json={"product_id": str(shirt.id)}
    )
    api.post(
        f"{PROGRAMS}/resources",
        201,
        json={"title": "Banner", "type": "BANNER", "commission_program_ids": [program]},
    )
    api.post(
        "/affiliates/redirects",
        201,
        json={
            "name": "Shop",
            "code": "s",
            "website_address": "https://example.com",
            "affiliate_id": affiliate,
        },
    )
    order = an_order(tenant, sales=affiliate)
    paid = tenant.orders.add_payment(order.id, order.total, method="CASH")
    tenant.orders.refund(paid.payment.id, Decimal("10.00"))
    tenant.affiliate_payments.create(affiliate_id=int(affiliate), pay_amount=Decimal("2.00"))
    return {"affiliate": affiliate, "program": program}


def test_a_snapshot_keeps_affiliates_programs_links_and_the_ledger(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _populate(api, tenant)
    before = {
        "program": api.get(f"{PROGRAMS}/{ids['program']}"),
        "commissions": api.get(f"/affiliates/{ids['affiliate']}:commissions"),
        "summaries": api.get("/affiliates/summaries"),
        "links": api.get("/affiliates/redirects"),
    }
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored = fresh.tenant()
    for name in STORES:
        assert restored.store(name) == tenant.store(name), name
    with fresh.client() as client:
        again = V2(client)
        assert again.get(f"{PROGRAMS}/{ids['program']}") == before["program"]
        assert again.get(f"/affiliates/{ids['affiliate']}:commissions") == before["commissions"]
        assert again.get("/affiliates/summaries") == before["summaries"]
        assert again.get("/affiliates/redirects") == before["links"]
        # a restored tenant with affiliates keeps earning
        order = an_order(restored, sales=ids["affiliate"], email="again@example.com")
        restored.orders.add_payment(order.id, order.total, method="CASH")
        assert again.get("/affiliates/summaries")["affiliate_summaries"][0]["amountEarned"] == 20.0


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api, tenant)
    sim.reset(tenant.id)
    for name in STORES:
        assert tenant.store(name) == {}, name
    assert api.get("/affiliates") == {"affiliates": []}
    assert api.get(PROGRAMS) == {"commission_programs": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    created = api.post(PROGRAMS, 201, json={"name": "Gold", "priority": 1})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == (
        "POST",
        "/crm/rest/v2/affiliates/commissionPrograms",
        201,
    )
    assert json.loads(entry.response_body) == created
    api.get("/affiliates/summaries")
    assert sim.journal.last().path == "/crm/rest/v2/affiliates/summaries"


def test_a_fault_rule_answers_instead_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(
        method="POST",
        path="/crm/rest/v2/affiliates/commissionPrograms",
        canned="bad_request",
        times=1,
    )
    response = api.raw("POST", PROGRAMS, json={"name": "Gold", "priority": 1})
    assert response.status_code == 400
    assert tenant.affiliate_programs == {}
    api.post(PROGRAMS, 201, json={"name": "Gold", "priority": 1})


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code
            for path in ("/v2/affiliates", "/v1/affiliates/programs", "/v2/affiliates/summaries")
        ]
    assert statuses == [200, 200, 429]


def test_writes_raise_change_events_with_keapsim_nouns(api: V2, tenant: Tenant) -> None:
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    _populate(api, tenant)
    nouns = {e.object_type for e in seen if e.event_key.endswith(".add")}
    ours = {
        "affiliate",
        "affiliateProgram",
        "affiliateProgramResource",
        "affiliateRedirect",
        "affiliateCommission",
        "affiliatePayment",
    }
    assert ours <= nouns
    assert ours <= KEAPSIM_ONLY_NOUNS and not ours & KEAP_NOUNS


def test_seed_data_has_an_affiliate_with_a_commission() -> None:
    sim = Simulator(throttle=False)
    counts = seed_tenant(sim.tenant(), 5, faker_seed=3)
    assert counts["affiliates"] == 1 and counts["affiliate_commissions"] == 1
    with sim.client() as client:
        api = V2(client)
        [affiliate] = api.get("/affiliates")["affiliates"]
        assert affiliate["code"] == "PARTNER1"
        body = api.get(f"/affiliates/{affiliate['id']}:commissions")
        assert body["amount_earned"] > 0
        [summary] = api.get("/affiliates/summaries")["affiliate_summaries"]
        assert summary["balance"] == body["amount_earned"] - 1.0  # less the payment made


def test_a_scenario_declares_affiliates_programs_links_and_payments(sim: Simulator) -> None:
    contact = {
        "given_name": "Ann",
        "email_addresses": [{"email": "ann@example.com", "field": "EMAIL1"}],
    }
    apply_scenario(
        sim,
        {
            "name": "affiliates",
            "tenant": {
                "contacts": [contact],
                "records": {
                    "affiliate_programs": [{"name": "Partners", "priority": 1}],
                    "affiliates": [{"contact_id": 1, "code": "ANN", "program_ids": [1]}],
                    "affiliate_redirects": [
                        {
                            "name": "Shop",
                            "code": "s",
                            "website_address": "https://example.com",
                            "affiliate_id": 1,
                        }
                    ],
                    "affiliate_payments": [
                        {"affiliate_id": 1, "pay_amount": 12.5, "pay_type": "CASH"}
                    ],
                },
            },
        },
    )
    with sim.client() as client:
        api = V2(client)
        assert api.get("/affiliates/commissionPrograms")["commission_programs"][0][
            "affiliate_ids"
        ] == ["1"]
        assert api.get("/affiliates/1/payments")["affiliate_payments"][0]["pay_amount"] == 12.5
        assert api.get("/affiliates/redirects")["affiliate_links"][0]["affiliate_id"] == "1"
    with pytest.raises(ScenarioError, match="affiliates.0.program_ids"):
        apply_scenario(
            sim,
            {
                "name": "bad",
                "tenant": {
                    "records": {"affiliates": [{"contact_id": 1, "code": "B", "program_ids": [9]}]}
                },
            },
        )

"""Companies and opportunities under the rest of keapsim: snapshots, tenant reset, the journal,
fault rules and throttling work on the new routes without code of their own."""

from __future__ import annotations

import json
from decimal import Decimal

from keapsim.config import Limits, Window
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2, email_contact


def _populate(api: V2) -> dict[str, str]:
    tag = api.post("/tags", 201, json={"name": "Partner"})["id"]
    company = api.post("/companies", 201, json={"company_name": "Acme"})["id"]
    api.post(f"/companies/{company}/tags/{tag}", 204)
    stages = [
        api.post(
            "/opportunities/stages",
            201,
            json={
                "name": name,
                "order": order,
                "probability": 50,
                "target_number_days": 1,
                "checklist_items": [{"description": "Call", "order": 1, "required": True}],
            },
        )["id"]
        for order, name in enumerate(("New", "Won"), start=1)
    ]
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    opportunity = api.post(
        "/opportunities",
        201,
        json={
            "opportunity_title": "Deal",
            "contact_id": contact,
            "stage_id": stages[0],
            "projected_revenue_high": "1234.56",
        },
    )["id"]
    api.patch(f"/opportunities/{opportunity}", json={"stage_id": stages[1]})
    return {
        "tag": tag,
        "company": company,
        "opportunity": opportunity,
        "first_stage": stages[0],
        "stage": stages[1],
    }


def test_a_snapshot_keeps_companies_opportunities_stages_and_moves(api: V2, sim: Simulator) -> None:
    ids = _populate(api)
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    tenant = fresh.tenant()
    opportunity = tenant.opportunities.get(int(ids["opportunity"]))
    assert opportunity.projected_revenue_high == Decimal("1234.56")
    assert tenant.companies.tag_ids_of(int(ids["company"])) == [int(ids["tag"])]
    assert tenant.opportunity_stages.get(int(ids["stage"])).checklist_items[0].description == "Call"
    assert [m.move_to_stage_id for m in tenant.stage_moves.values()] == [
        int(ids["first_stage"]),
        int(ids["stage"]),
    ]
    with fresh.client() as client:
        restored = V2(client)
        assert restored.get(f"/opportunities/{ids['opportunity']}")["stage"]["name"] == "Won"
        # Ids keep growing where they were.
        again = restored.post("/companies", 201, json={"company_name": "Next"})
        assert int(again["id"]) == int(ids["company"]) + 1
        moves = restored.get("/opportunities/stageMoves")["stage_moves"]
        assert len(moves) == 2


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api)
    sim.reset(tenant.id)
    for store in ("companies", "opportunity_stages", "opportunities", "stage_moves"):
        assert tenant.store(store) == {}, store
    assert tenant.companies.tags.pairs() == []
    assert api.get("/companies") == {"companies": []}
    created = api.post("/companies", 201, json={"company_name": "Acme"})
    assert created["id"] == "1"  # ids start again


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    created = api.post("/companies", 201, json={"company_name": "Acme"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == ("POST", "/crm/rest/v2/companies", 201)
    assert json.loads(entry.response_body) == created
    api.get("/opportunities/stageMoves")
    assert sim.journal.last().path == "/crm/rest/v2/opportunities/stageMoves"


def test_a_fault_rule_answers_instead_of_a_new_route_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(
        method="POST", path="/crm/rest/v2/opportunities/stages", canned="bad_request", times=1
    )
    body = {"name": "New", "order": 1, "probability": 5, "target_number_days": 1}
    response = api.raw("POST", "/opportunities/stages", json=body)
    assert response.status_code == 400 and response.json()["code"] == 400
    assert tenant.opportunity_stages == {}
    api.post("/opportunities/stages", 201, json=body)
    sim.faults.add(method="GET", path="/crm/rest/v1/companies", canned="throttled", times=1)
    with sim.client() as client:
        assert client.get("/v1/companies").status_code == 429
        assert client.get("/v1/companies").status_code == 200


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code
            for path in ("/v2/companies", "/v1/opportunity/stage_pipeline", "/v2/opportunities")
        ]
    assert statuses == [200, 200, 429]

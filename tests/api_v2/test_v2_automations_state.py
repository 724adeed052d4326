"""Automations, categories, reports, webforms, referrals, WordPress options and lead-source
expenses under the rest of keapsim: snapshots, tenant reset, the journal, fault rules and
throttling work on the new routes without code of their own, and seeding fills them."""

from __future__ import annotations

import json
from decimal import Decimal

from keapsim.config import Limits, Window
from keapsim.seed import seed_tenant
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2, email_contact

NEW_STORES = (
    "automation_categories",
    "lead_source_expenses",
    "lead_source_recurring_expenses",
    "reports",
    "webforms",
    "referrals",
    "wordpress_options",
)


def _populate(api: V2, tenant: Tenant) -> dict[str, str]:
    campaign = tenant.campaigns.create("Welcome", ["Day 1"], [("Joined", "web", "join")])
    tenant.reports.create(name="All contacts")
    tenant.webforms.create(name="Signup")
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    category = api.post("/automationCategory", 201, json={"name": "Onboarding"})["id"]
    assigned = api.raw(
        "POST",
        "/automations/categories/batchAssign",
        json={"category_ids": [category], "automation_ids": [str(campaign.id)]},
    )
    assert assigned.status_code == 200
    api.post(
        "/automations/goals/achieve",
        json={"contact_id": contact, "integration": "web", "call_name": "join"},
    )
    source = api.post("/leadSources", 201, json={"name": "Ads"})["id"]
    expense = api.post(f"/leadSources/{source}/expenses", 201, json={"amount": 12345})["id"]
    api.post(f"/leadSources/{source}/recurringExpenses", 201, json={"amount": 500})
    referral = api.post("/referrals", 201, json={"contact_id": contact})["id"]
    api.post("/integrations/wordpress/options", 201, json={"key": "Newsletter"})
    return {
        "campaign": str(campaign.id),
        "category": category,
        "source": source,
        "expense": expense,
        "referral": referral,
        "contact": contact,
    }


def test_a_snapshot_keeps_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    ids = _populate(api, tenant)
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored_tenant = fresh.tenant()
    for store in NEW_STORES:
        assert restored_tenant.store(store) == tenant.store(store), store
    assert restored_tenant.lead_source_expenses.get(int(ids["expense"])).amount == Decimal("123.45")
    assert restored_tenant.campaigns.get(int(ids["campaign"])).category_ids == [
        int(ids["category"])
    ]
    assert restored_tenant.campaigns.achievements == tenant.campaigns.achievements
    with fresh.client() as client:
        restored = V2(client)
        goals = restored.get(f"/campaigns/{ids['campaign']}/goals")["goals"]
        assert goals[0]["historical_contact_counts"]["24_hours"] == 1
        again = restored.post("/automationCategory", 201, json={"name": "Next"})
        assert int(again["id"]) == int(ids["category"]) + 1


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api, tenant)
    sim.reset(tenant.id)
    for store in NEW_STORES:
        assert tenant.store(store) == {}, store
    assert tenant.campaigns.achievements == []
    assert api.get("/automationCategory") == {"automation_categories": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    created = api.post("/automationCategory", 201, json={"name": "Nurture"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == (
        "POST",
        "/crm/rest/v2/automationCategory",
        201,
    )
    assert json.loads(entry.response_body) == created


def test_a_fault_rule_answers_instead_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(method="POST", path="/crm/rest/v2/referrals", canned="bad_request", times=1)
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    response = api.raw("POST", "/referrals", json={"contact_id": contact})
    assert response.status_code == 400 and response.json()["code"] == 400
    assert tenant.referrals == {}
    api.post("/referrals", 201, json={"contact_id": contact})


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(p).status_code
            for p in ("/v2/automations", "/v2/webforms", "/v2/reporting/reports")
        ]
    assert statuses == [200, 200, 429]


def test_seeding_fills_the_new_resources(api: V2, tenant: Tenant) -> None:
    counts = seed_tenant(tenant, 10, faker_seed=7)
    assert counts["reports"] == len(tenant.reports) == 3
    assert counts["webforms"] == len(tenant.webforms) == 2
    assert len(tenant.automation_categories) == 2 and len(tenant.wordpress_options) == 1
    automations = api.get("/automations")["automations"]
    assert all(a["categories"] for a in automations)
    everyone = api.post("/reporting/reports/1:run", params={"fields": "Id"})["results"]
    assert len(everyone) == 10
    recurring = api.get("/leadSources/-/recurringExpenses")["lead_source_recurring_expenses"]
    assert len(recurring) == 4
    # The seeded WordPress option's goal starts the first campaign's first sequence.
    contact = str(tenant.contacts.list()[0].id)
    assert api.post(
        "/integrations/wordpress/options/NewsletterOptIn:achieve", 202, json={"contact_id": contact}
    ) == {"successful": True}


def test_scenario_files_declare_reports_webforms_and_wordpress_goals(
    api: V2, sim: Simulator
) -> None:
    from keapsim.scenarios import apply_scenario

    apply_scenario(
        sim,
        {
            "name": "marketing",
            "tenant": {
                "tags": [{"name": "VIP"}],
                "campaigns": [
                    {
                        "name": "Newsletter",
                        "sequences": ["Welcome"],
                        "goals": [
                            {"name": "Blog opt-in", "call_name": "Blog", "type": "WordPress"}
                        ],
                    }
                ],
                "reports": [{"name": "VIP contacts", "tag": "VIP"}],
                "webforms": [{"name": "Contact Us", "webform_type": "LEGACY"}],
            },
        },
    )
    assert [r["name"] for r in api.get("/reporting/reports")["reports"]] == ["VIP contacts"]
    assert api.get("/webforms")["webforms"][0]["webform_type"] == "LEGACY"
    assert api.get("/integrations/wordpress/options")["wordpress_opt_in_options"] == [
        {"key": "Blog", "name": "Blog opt-in"}
    ]
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    achieved = api.post(
        "/integrations/wordpress/options/Blog:achieve", 202, json={"contact_id": contact}
    )
    assert achieved == {"successful": True}
    goals = api.get("/campaigns/1/goals")["goals"]
    assert [(g["name"], g["type"]) for g in goals] == [("Blog opt-in", "WordPress")]

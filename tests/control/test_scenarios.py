"""Scenarios: every shipped one, as a client sees it; validation; the CLI and admin API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from support.contacts import new_contact
from support.serve_process import serve_process

from keapsim.gateway.responses import EXPIRED_TOKEN, THROTTLED
from keapsim.scenarios import ScenarioError, apply_scenario, library, load_scenario
from keapsim.scenarios.cli import scenario_group
from keapsim.simulator import Simulator, TenantCredentials

CONTACTS = "/crm/rest/v1/contacts"


def refresh(sim: Simulator, creds: TenantCredentials) -> httpx.Response:
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as http:
        return http.post(
            "/token",
            auth=(creds.client_id, creds.client_secret),
            data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
        )


def test_the_library_ships_every_error_row() -> None:
    assert set(library()) == {
        "guide_token_expired_401",
        "guide_duplicate_email_409",
        "guide_invalid_field_400",
        "guide_api_limit_503",
        "keap_quota_429",
        "keap_expired_token_mid_batch",
        "keap_refresh_token_reused",
        "keap_lost_response_after_create",
    }
    for name, path in library().items():
        scenario = load_scenario(path)
        assert scenario.name == name
        assert scenario.description and scenario.client_sees


# -- the LeadConduit guide's rows ------------------------------------------------------------
def test_guide_token_expired_401(sim: Simulator) -> None:
    applied = apply_scenario(sim, "guide_token_expired_401")
    creds = applied.credentials
    assert creds == sim.default_tenant and sim.tenant().settings.profile == "guide"
    with sim.client(auth="bearer") as bearer:
        response = bearer.get("/v1/contacts")
    assert (response.status_code, response.json()) == (401, EXPIRED_TOKEN)
    refreshed = refresh(sim, creds)
    assert refreshed.status_code == 200
    token = refreshed.json()["access_token"]
    with sim.client(auth="none", headers={"Authorization": f"Bearer {token}"}) as renewed:
        assert renewed.get("/v1/contacts").status_code == 200
    with sim.client() as by_key:
        assert by_key.get("/v1/contacts").status_code == 200


def test_guide_duplicate_email_409(sim: Simulator, client: httpx.Client) -> None:
    apply_scenario(sim, "guide_duplicate_email_409")
    existing = sim.tenant().contacts.find_by_email("lead@example.com")
    assert len(existing) == 1
    response = client.post("/v1/contacts", json=new_contact("lead@example.com"))
    assert response.status_code == 409
    assert response.json() == {
        "message": "A contact with this email address already exists",
        "existing_contact_id": existing[0].id,
    }
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 1
    assert client.post("/v1/contacts", json=new_contact("new@example.com")).status_code == 201


def test_guide_invalid_field_400(sim: Simulator, client: httpx.Client) -> None:
    apply_scenario(sim, "guide_invalid_field_400")
    rejected = client.post("/v1/contacts", json=new_contact("bad@invalid.example"))
    assert rejected.status_code == 400
    assert rejected.json() == {"message": "Input could not be converted to a valid request"}
    assert sim.tenant().contacts == {}
    assert client.post("/v1/contacts", json=new_contact("ok@example.com")).status_code == 201
    # Keap's own validation answers 400 too, rule or not.
    region_only = {
        **new_contact("r@example.com"),
        "addresses": [{"field": "BILLING", "region": "Arizona"}],
    }
    assert client.post("/v1/contacts", json=region_only).status_code == 400


def test_guide_api_limit_503(sim: Simulator, client: httpx.Client) -> None:
    apply_scenario(sim, "guide_api_limit_503")
    assert sim.clock.frozen
    codes = [client.get("/v1/contacts") for _ in range(7)]
    assert [r.status_code for r in codes] == [200] * 5 + [503, 503]
    over = codes[-1]
    assert over.json() == {
        "code": "503",
        "message": "Service Unavailable",
        "status": "Request Throttled",
        "details": None,
    }
    assert int(over.headers["Retry-After"]) >= 1
    sim.clock.advance(60)
    assert client.get("/v1/contacts").status_code == 200


# -- the live API's equivalents --------------------------------------------------------------
def test_keap_quota_429(sim: Simulator, client: httpx.Client) -> None:
    apply_scenario(sim, "keap_quota_429")
    responses = [client.get("/v1/contacts") for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert [r.headers["x-keap-product-quota-available"] for r in responses[:5]] == [
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    assert responses[-1].json() == THROTTLED
    assert "Retry-After" not in responses[-1].headers
    with sim.client(auth="bearer") as bearer:
        assert [bearer.get("/v1/tags").status_code for _ in range(6)][-1] == 429


def test_keap_expired_token_mid_batch(sim: Simulator) -> None:
    applied = apply_scenario(sim, "keap_expired_token_mid_batch")
    with sim.client(auth="bearer") as bearer:
        first = [
            bearer.post("/v1/contacts", json=new_contact(f"{n}@example.com")) for n in range(3)
        ]
    assert [r.status_code for r in first] == [201, 201, 401]
    assert first[2].json() == EXPIRED_TOKEN
    refreshed = refresh(sim, applied.credentials)
    assert refreshed.status_code == 200
    token = refreshed.json()["access_token"]
    with sim.client(auth="none", headers={"Authorization": f"Bearer {token}"}) as renewed:
        assert renewed.post("/v1/contacts", json=new_contact("2@example.com")).status_code == 201
    assert len(sim.tenant().contacts) == 3


def test_keap_refresh_token_reused(sim: Simulator) -> None:
    applied = apply_scenario(sim, "keap_refresh_token_reused")
    with sim.client(auth="bearer") as bearer:
        assert bearer.get("/v1/contacts").json() == EXPIRED_TOKEN
    response = refresh(sim, applied.credentials)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid refresh token",
    }


def test_keap_lost_response_after_create(sim: Simulator, client: httpx.Client) -> None:
    applied = apply_scenario(sim, "keap_lost_response_after_create")
    assert applied.rules[0].spec.tenant == sim.default_tenant.tenant_id
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/contacts", json=new_contact())
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 1
    retried = client.post("/v1/contacts", json=new_contact())
    assert retried.status_code == 201
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 2
    safe = client.put("/v1/contacts", json={**new_contact(), "duplicate_option": "Email"})
    assert safe.status_code == 200
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 2


# -- loading and validation ------------------------------------------------------------------
def test_a_scenario_file_sets_up_a_new_tenant(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "shop",
                "tenant": {
                    "id": "shop01",
                    "api_key": "KeapAK-shop01-fixed",
                    "settings": {"profile": "guide", "limits": {"api_key": {"per_minute": 100}}},
                    "seed": {"contacts": 3, "faker_seed": 1},
                    "contacts": [new_contact("vip@example.com")],
                    "tags": [
                        {"name": "VIP", "category": "Status"},
                        {"name": "New", "category": "Status"},
                    ],
                    "campaigns": [
                        {
                            "name": "Welcome",
                            "sequences": ["Day 1"],
                            "goals": [{"name": "Lead in", "call_name": "lead_in"}],
                        }
                    ],
                },
                "faults": [{"path": "/crm/rest/v1/tags", "canned": "throttled"}],
            }
        )
    )
    sim = Simulator()
    applied = apply_scenario(sim, str(path))
    assert applied.created_tenant and applied.tenant_id == "shop01"
    tenant = sim.tenant("shop01")
    assert tenant.settings.profile == "guide"
    assert tenant.settings.limits.api_key.per_minute == 100
    assert tenant.settings.limits.api_key.per_day == 30_000  # merged, not replaced
    assert len(tenant.contacts) == 4 and tenant.contacts.find_by_email("vip@example.com")
    vip = [t for t in tenant.tags.values() if t.name == "VIP"][0]
    assert tenant.tag_categories[vip.category_id].name == "Status"
    assert any(c.name == "Welcome" for c in tenant.campaigns.values())
    with sim.client(applied.credentials) as theirs, sim.client() as default:
        assert theirs.headers["X-Keap-API-Key"] == "KeapAK-shop01-fixed"
        assert theirs.get("/v1/tags").status_code == 429
        assert default.get("/v1/tags").status_code == 200  # scoped to the scenario's tenant


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"name": "x", "tenant": {"setings": {}}}, "tenant.setings"),
        ({"name": "x", "faults": [{"canned": "nope"}]}, "faults.0"),
        (
            {"name": "x", "clock": {"at_request": [{"request": 0, "advance": 5}]}},
            "clock.at_request.0.request",
        ),
        ({"name": "x", "tenant": {"settings": {"profile": "mars"}}}, "tenant.settings.profile"),
        ({"name": "x", "tenant": {"contacts": [{"given_name": "No Email"}]}}, "tenant.contacts.0"),
        ({"description": "no name"}, "name"),
    ],
)
def test_invalid_scenarios_name_the_bad_key(sim: Simulator, document: dict, named: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_scenario(sim, document)
    assert named in str(caught.value)


def test_unknown_names_and_broken_yaml(tmp_path: Path, sim: Simulator) -> None:
    with pytest.raises(ScenarioError, match="shipped: guide_api_limit_503"):
        apply_scenario(sim, "no_such_scenario")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="cannot parse"):
        load_scenario(broken)


# -- admin API and CLI -----------------------------------------------------------------------
def test_admin_api_lists_and_applies(
    sim: Simulator, admin: httpx.Client, client: httpx.Client
) -> None:
    listed = admin.get("/_keapsim/scenarios").json()["scenarios"]
    assert {s["name"] for s in listed} == set(library())
    applied = admin.post("/_keapsim/scenarios/keap_lost_response_after_create")
    assert applied.status_code == 201
    assert applied.json()["credentials"]["api_key"] == sim.default_tenant.api_key
    assert len(applied.json()["faults"]) == 1
    document = {"name": "inline", "faults": [{"path": CONTACTS, "canned": "throttled"}]}
    assert admin.post("/_keapsim/scenarios", json=document).status_code == 201
    assert admin.post("/_keapsim/scenarios/nope").status_code == 404
    bad = admin.post("/_keapsim/scenarios", json={"name": "x", "clock": {"advance": -1}})
    assert bad.status_code == 400 and "clock.advance" in bad.json()["error"]


def test_cli_lists_the_library() -> None:
    result = CliRunner().invoke(scenario_group, ["list", "--json"])
    assert result.exit_code == 0
    assert {s["name"] for s in json.loads(result.output)} == set(library())


@pytest.mark.slow
def test_cli_applies_to_a_running_server(server) -> None:
    runner = CliRunner()
    result = runner.invoke(
        scenario_group, ["apply", "guide_duplicate_email_409", "--url", server.url]
    )
    assert result.exit_code == 0, result.output
    assert "applied guide_duplicate_email_409" in result.output
    sim = server.simulator
    assert sim.tenant().settings.profile == "guide"
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    with httpx.Client(base_url=f"{server.url}/crm/rest", headers=headers) as http:
        assert http.post("/v1/contacts", json=new_contact()).status_code == 409


@pytest.mark.slow
def test_serve_loads_a_scenario_before_serving() -> None:
    with serve_process("--scenario", "guide_duplicate_email_409") as info:
        headers = {"X-Keap-API-Key": info["api_key"]}
        with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as http:
            duplicate = http.post("/v1/contacts", json=new_contact("lead@example.com"))
            assert duplicate.status_code == 409
            assert duplicate.json()["message"] == "A contact with this email address already exists"


@pytest.mark.slow
def test_cli_reports_invalid_files_and_unreachable_servers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nfaults:\n  - effect: explode\n")
    result = CliRunner().invoke(scenario_group, ["apply", str(bad), "--url", "http://127.0.0.1:9"])
    assert result.exit_code != 0
    assert "faults.0.effect" in result.output
    result = CliRunner().invoke(
        scenario_group, ["apply", "keap_quota_429", "--url", "http://127.0.0.1:9"]
    )
    assert result.exit_code != 0 and "cannot reach keapsim" in result.output


# -- records of any declared store -------------------------------------------------------------
RECORDS_SCENARIO = """
name: pipeline
tenant:
  contacts: [{given_name: Ann, email_addresses: [{email: ann@example.com, field: EMAIL1}]}]
  records:
    companies:
      - {company_name: Acme, email_address: info@acme.example}
    opportunity_stages:
      - {name: Qualified, order: 1, probability: 20, target_number_days: 7}
    opportunities:
      - opportunity_title: Big deal
        contact_id: 1            # ids of a fresh tenant are predictable: the first contact
        stage_id: 1
        projected_revenue_high: 1500.50
        estimated_close_time: 2026-03-01T12:00:00
    automation_categories: [{name: Onboarding}]
"""


def test_a_scenario_declares_records_of_any_declared_store(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(RECORDS_SCENARIO, encoding="utf-8")
    apply_scenario(sim, path)
    tenant = sim.tenant()
    [company] = tenant.companies.values()
    assert (company.company_name, company.email_address) == ("Acme", "info@acme.example")
    [deal] = tenant.opportunities.values()
    assert deal.projected_revenue_high == Decimal("1500.5")
    assert deal.estimated_close_time == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert [c.name for c in tenant.automation_categories.values()] == ["Onboarding"]
    # Made by the store's own create: the API reads them like any other record.
    with sim.client() as api:
        read = api.get(f"/v2/companies/{company.id}")
        assert read.status_code == 200 and read.json()["company_name"] == "Acme"
        listed = api.get("/v2/opportunities")
        assert listed.status_code == 200
        assert [o["opportunity_title"] for o in listed.json()["opportunities"]] == ["Big deal"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            {"companies": [{"company_name": "A"}, {}]},
            "tenant.records.companies.1.company_name: company_name is required",
        ),
        ({"companies": [{"nope": 1}]}, "tenant.records.companies.0: Unknown field(s): nope"),
        (
            {"opportunity_stages": [{"name": "S", "order": 1, "probability": 101}]},
            "tenant.records.opportunity_stages.0.probability: probability must be at most 100",
        ),
        (
            {"reports": [{"name": "R", "tag_id": 99}]},
            "tenant.records.reports.0.tag_id: tag_id 99 does not exist",
        ),
        (
            {"lead_source_expenses": [{"lead_source_id": 1, "amount": "lots"}]},
            "tenant.records.lead_source_expenses.0.amount: 'lots' is not a number",
        ),
        (
            {"opportunities": [{"opportunity_title": "x", "estimated_close_time": "soon"}]},
            "tenant.records.opportunities.0.estimated_close_time: 'soon' is not an ISO 8601 time",
        ),
        ({"contacts": [{}]}, "tenant.records.contacts: contacts keeps hand-written rules"),
        ({"widgets": [{}]}, "tenant.records.widgets: no such declared store; declared stores"),
        ({"companies": {"company_name": "A"}}, "tenant.records.companies: Input should be"),
    ],
)
def test_bad_records_are_refused_naming_the_place(
    sim: Simulator, records: dict, message: str
) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        apply_scenario(sim, {"name": "bad", "tenant": {"records": records}})


def test_the_admin_api_answers_400_for_bad_records(sim: Simulator, admin: httpx.Client) -> None:
    scenario = {"name": "bad", "tenant": {"records": {"companies": [{"company_name": 5}]}}}
    answer = admin.post("/_keapsim/scenarios", json=scenario)
    assert answer.status_code == 400
    assert "tenant.records.companies.0.company_name" in answer.json()["error"]
    assert len(sim.tenant().companies) == 0

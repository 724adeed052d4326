"""One store, two views: companies, opportunities, stages and company tags written through
one version read the same through the other (each body validated against its own document)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_v1.helpers import V1
from support.api_client import same_instant

from keapsim.simulator import Simulator

from .helpers import V2, email_contact


@pytest.fixture
def old(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)


def test_a_company_made_in_v2_reads_in_v1(api: V2, old: V1) -> None:
    created = api.post(
        "/companies",
        201,
        json={
            "company_name": "Acme",
            "email_address": {"email": "a@acme.example", "opt_in_reason": "Asked"},
            "phone_number": {"number": "555", "extension": "9", "type": "Work", "field": "PHONE1"},
            "fax_number": {"number": "556", "type": "Work", "field": "FAX1"},
            "address": {
                "line1": "1 Main",
                "region_code": "US-AZ",
                "country_code": "USA",
                "postal_code": "85001",
            },
            "notes": "n",
            "website": "https://acme.example",
            "job_title": "v2 only",
        },
    )
    seen = old.get(
        f"/companies/{created['id']}", params={"optional_properties": "notes,fax_number"}
    )
    assert seen == {
        "id": int(created["id"]),
        "company_name": "Acme",
        "email_address": "a@acme.example",
        "email_opted_in": True,
        "email_status": "UnengagedMarketable",
        "phone_number": {"number": "555", "extension": "9", "type": "Work"},
        "fax_number": {"number": "556", "type": "Work"},
        "address": {
            "line1": "1 Main",
            "region": "Arizona",
            "country_code": "USA",
            "zip_code": "85001",
        },
        "notes": "n",
        "website": "https://acme.example",
    }
    assert [c["id"] for c in old.get("/companies")["companies"]] == [int(created["id"])]


def test_a_company_made_in_v1_reads_in_v2_and_back(api: V2, old: V1) -> None:
    created = old.post(
        "/companies",
        201,
        json={
            "company_name": "Acme",
            "email_address": "a@acme.example",
            "address": {"locality": "Mesa", "region": "Arizona", "country_code": "USA"},
        },
    )
    seen = api.get(f"/companies/{created['id']}", params={"fields": "email_address,address"})
    assert seen["company_name"] == "Acme"
    assert seen["email_address"] == {
        "email": "a@acme.example",
        "is_opt_in": False,
        "email_opt_status": "UNENGAGED_NON_MARKETABLE",
    }
    assert seen["address"]["region_code"] == "US-AZ"
    api.patch(f"/companies/{created['id']}", json={"website": "https://v2.example"})
    assert old.get(f"/companies/{created['id']}")["website"] == "https://v2.example"
    api.delete(f"/companies/{created['id']}")
    old.error("GET", f"/companies/{created['id']}", 404)


def test_company_tags_applied_in_v2_list_in_v1(api: V2, old: V1) -> None:
    tag = api.post("/tags", 201, json={"name": "Partner"})
    created = api.post("/companies", 201, json={"company_name": "Acme"})
    api.post(f"/companies/{created['id']}/tags/{tag['id']}", 204)
    [item] = old.get(f"/tags/{tag['id']}/companies")["companies"]
    [tagged] = api.get(f"/tags/{tag['id']}/companies")["tagged_companies"]
    assert item["company"] == {"id": int(created["id"]), "company_name": "Acme", "email": ""}
    assert same_instant(item["date_applied"], tagged["applied_time"])


def test_stages_made_in_v2_are_the_v1_pipeline(api: V2, old: V1) -> None:
    won = api.post(
        "/opportunities/stages",
        201,
        json={"name": "Won", "order": 2, "probability": 100, "target_number_days": 0},
    )
    new = api.post(
        "/opportunities/stages",
        201,
        json={"name": "New", "order": 1, "probability": 5, "target_number_days": 3},
    )
    rows = old.get("/opportunity/stage_pipeline")
    assert [(r["stage_id"], r["stage_name"], r["end_stage"]) for r in rows] == [
        (int(new["id"]), "New", False),
        (int(won["id"]), "Won", True),
    ]


def test_an_opportunity_reads_the_same_in_both_versions(api: V2, old: V1, v1: httpx.Client) -> None:
    stage = api.post(
        "/opportunities/stages",
        201,
        json={"name": "New", "order": 1, "probability": 5, "target_number_days": 3},
    )
    later = api.post(
        "/opportunities/stages",
        201,
        json={"name": "Won", "order": 2, "probability": 100, "target_number_days": 0},
    )
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com", given_name="Ada"))
    made_in_v1 = old.post(
        "/opportunities",
        json={
            "opportunity_title": "Deal",
            "contact": {"id": int(contact["id"])},
            "stage": {"id": int(stage["id"])},
            "include_in_forecast": 1,
            "projected_revenue_low": 12.5,
            "estimated_close_date": "2026-05-01",
        },
    )
    in_v2 = api.get(f"/opportunities/{made_in_v1['id']}")
    assert in_v2["opportunity_title"] == "Deal" and in_v2["include_in_forecast"] is True
    assert in_v2["contact"] == {
        "id": contact["id"],
        "first_name": "Ada",
        "email": "ada@example.com",
    }
    assert in_v2["projected_revenue_low"] == 12.5
    assert same_instant(in_v2["estimated_close_time"], made_in_v1["estimated_close_date"])
    assert same_instant(in_v2["created_time"], made_in_v1["date_created"])
    # A stage change in v2 shows in v1, and v2 lists the move.
    api.patch(f"/opportunities/{made_in_v1['id']}", json={"stage_id": later["id"]})
    in_v1 = old.get(f"/opportunities/{made_in_v1['id']}")
    assert in_v1["stage"]["name"] == "Won" and in_v1["stage"]["details"]["probability"] == 100
    moves = api.get("/opportunities/stageMoves")["stage_moves"]
    assert [m["move_to_stage_id"] for m in moves] == [stage["id"], later["id"]]
    made_in_v2 = api.post(
        "/opportunities",
        201,
        json={"opportunity_title": "Two", "contact_id": contact["id"], "stage_id": stage["id"]},
    )
    listed = old.get("/opportunities", params={"stage_id": stage["id"]})["opportunities"]
    assert [o["id"] for o in listed] == [int(made_in_v2["id"])]
    assert v1.delete(f"/v1/opportunities/{made_in_v2['id']}").status_code == 405  # v2 only

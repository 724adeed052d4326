"""v2 automations (keapsim's campaigns), automation categories and campaign goals: status,
shape (success bodies validated against swagger.yml by the client) and the effect on the
store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.records import Campaign

from .helpers import V2, email_contact


def no_body(api: V2, method: str, path: str, **kwargs: Any) -> None:
    """A 200 the document declares without a body (unpublish, batch operations)."""
    response = api.raw(method, path, **kwargs)
    assert response.status_code == 200, response.text
    assert response.content == b""
    api.check_document(response)


@pytest.fixture
def campaigns(tenant: Tenant) -> list[Campaign]:
    return [
        tenant.campaigns.create("Spring Welcome", ["Day 1", "Day 3"], [("Joined", "web", "join")]),
        tenant.campaigns.create("Autumn Sale", ["Offer"]),
        tenant.campaigns.create("Spring Sale", ["Only"]),
    ]


def contact(api: V2, email: str) -> str:
    return api.post("/contacts", 201, json=email_contact(email))["id"]


def test_list_and_get_automations(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring, autumn, _ = campaigns
    body = api.get("/automations")
    assert body["automation_count"] == 3
    assert [a["title"] for a in body["automations"]] == [
        "Spring Welcome",
        "Autumn Sale",
        "Spring Sale",
    ]
    one = api.get(f"/automations/{spring.id}")
    assert one == body["automations"][0]
    assert one["status"] == "PUBLISHED" and one["categories"] == [] and one["active_contacts"] == 0
    assert one["id"] == str(spring.id) and one["current_edit_lock_status"] == {"locked": False}
    # name: contains without a wildcard, prefix with one.
    contains = api.get("/automations", params={"filter": "name==sale"})
    assert [a["title"] for a in contains["automations"]] == ["Autumn Sale", "Spring Sale"]
    prefix = api.get("/automations", params={"filter": "name==spring*"})
    assert [a["title"] for a in prefix["automations"]] == ["Spring Welcome", "Spring Sale"]
    above = api.get("/automations", params={"filter": f"id>{spring.id}"})
    assert above["automation_count"] == 2
    by_name = api.get("/automations", params={"order_by": "name desc"})
    assert [a["title"] for a in by_name["automations"]][0] == "Spring Welcome"
    paged = api.all_pages("/automations", "automations", 2)
    assert len(paged) == 3
    api.error("GET", "/automations", 400, params={"page_size": 26})  # "maximum: 25"
    api.error("GET", "/automations", 400, params={"filter": "status==gone"})
    api.error("GET", "/automations", 400, params={"order_by": "colour"})
    api.error("GET", "/automations/999", 404)
    api.error("GET", "/automations/abc", 404)
    assert autumn.id in tenant.campaigns


def test_automation_ids(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    from dataclasses import replace

    locked = replace(campaigns[1], locked=True)
    with tenant.core.write():
        tenant.campaigns.table.replace(locked)
    body = api.get("/automations/ids")
    assert body["automation_ids"] == [str(c.id) for c in campaigns]
    assert body["locked_automation_ids"] == [str(locked.id)]
    first = api.get("/automations/ids", params={"page_size": 1})
    assert first["automation_ids"] == [str(campaigns[0].id)] and first["next_page_token"]


def test_add_contacts_to_an_automation_sequence(
    api: V2, tenant: Tenant, campaigns: list[Campaign]
) -> None:
    spring = campaigns[0]
    sequence = spring.sequences[1].id
    ann = contact(api, "ann@example.com")
    path = f"/automations/{spring.id}/sequences/{sequence}:addContacts"
    body = api.post(path, json={"contact_ids": [ann, "4242"]})
    assert body == {
        "add_to_automation_sequence_results": {ann: "SUCCESS", "4242": "CONTACT_DOES_NOT_EXIST"}
    }
    assert tenant.campaigns.sequence_contacts(spring.id, sequence) == [int(ann)]
    again = api.post(path, json={"contact_ids": [ann]})
    assert again["add_to_automation_sequence_results"] == {ann: "ALREADY_IN_SEQUENCE"}
    # The same membership is the v2 campaign's (automations are campaigns).
    assert api.get(f"/automations/{spring.id}")["active_contacts"] == 1
    assert api.get(f"/campaigns/{spring.id}")["active_contact_count"] == 1
    api.error("POST", path, 400, json={})
    api.error(
        "POST",
        f"/automations/{spring.id}/sequences/999:addContacts",
        404,
        json={"contact_ids": [ann]},
    )


def test_unpublish_one_and_many(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring, autumn, sale = campaigns
    no_body(
        api,
        "PUT",
        f"/automations/{spring.id}/unpublish",
        json={"unpublished_form_message": "Closed"},
    )
    stored = tenant.campaigns.get(spring.id)
    assert stored.published_status is False and stored.unpublished_form_message == "Closed"
    assert api.get(f"/automations/{spring.id}")["status"] == "DRAFT"
    drafts = api.get("/automations", params={"filter": "status==draft"})
    assert [a["id"] for a in drafts["automations"]] == [str(spring.id)]
    # A draft achieves no goals.
    ann = contact(api, "ann@example.com")
    result = api.post(
        "/automations/goals/achieve",
        json={"contact_id": ann, "integration": "web", "call_name": "join"},
    )
    assert result["results"] == []
    no_body(
        api,
        "POST",
        "/automations/batch-unpublish",
        json={"automation_ids": [str(autumn.id), str(sale.id)]},
    )
    assert not any(c.published_status for c in tenant.campaigns.values())
    # All or none: an unknown id changes nothing.
    tenant.campaigns.create("Fresh", ["One"])
    api.error("POST", "/automations/batch-unpublish", 404, json={"automation_ids": ["4", "999"]})
    assert tenant.campaigns.get(4).published_status is True
    api.error("POST", "/automations/batch-unpublish", 400, json={})
    api.error("PUT", "/automations/999/unpublish", 404, json={})


def test_rename_easy_automation(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring = campaigns[0]
    api.patch(f"/easy-automations/{spring.id}", 204, json={"name": "Welcome (Fall 26)"})
    assert tenant.campaigns.get(spring.id).name == "Welcome (Fall 26)"
    assert api.get(f"/automations/{spring.id}")["title"] == "Welcome (Fall 26)"
    api.error("PATCH", f"/easy-automations/{spring.id}", 400, json={"name": ""})
    api.error("PATCH", "/easy-automations/999", 404, json={"name": "x"})


def test_delete_automations(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring, autumn, sale = campaigns
    ann = contact(api, "ann@example.com")
    tenant.campaigns.add_to_sequence(spring.id, spring.sequences[0].id, [int(ann)])
    api.delete("/automations", params={"automation_ids": f"{spring.id},{autumn.id}"})
    assert list(tenant.campaigns) == [sale.id]
    assert tenant.campaigns.sequences_of(int(ann)) == []
    api.error("GET", f"/automations/{spring.id}", 404)
    api.error("DELETE", "/automations", 404, params={"automation_ids": [str(sale.id), "999"]})
    assert sale.id in tenant.campaigns
    api.error("DELETE", "/automations", 400)
    api.error("DELETE", "/automations", 400, params={"automation_ids": "x"})


def test_automation_categories(api: V2, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring, autumn, sale = campaigns
    created = api.post("/automationCategory", 201, json={"name": "Nurture"})
    assert created == {"id": created["id"], "name": "Nurture", "automation_count": 0}
    other = api.post("/automationCategory", 201, json={"name": "Sales"})
    api.error("POST", "/automationCategory", 409, json={"name": "nurture"})
    api.error("POST", "/automationCategory", 400, json={})
    api.error("POST", "/automationCategory", 400, json={"name": "x" * 101})

    assign = {"category_ids": [created["id"]], "automation_ids": [str(spring.id), str(sale.id)]}
    no_body(
        api, "POST", "/automations/categories/batchAssign", json={**assign, "apply_category": True}
    )
    assert tenant.campaigns.get(spring.id).category_ids == [int(created["id"])]
    listed = api.get("/automationCategory")["automation_categories"]
    assert [(c["name"], c["automation_count"]) for c in listed] == [("Nurture", 2), ("Sales", 0)]
    in_category = api.get("/automations", params={"filter": f"categories=={created['id']}"})
    assert [a["id"] for a in in_category["automations"]] == [str(spring.id), str(sale.id)]
    assert api.get(f"/automations/{spring.id}")["categories"] == [created["id"]]
    # "Use '0' as a wildcard to select all automations"; apply_category false removes.
    everyone = {"category_ids": [other["id"]], "automation_ids": ["0"], "apply_category": True}
    no_body(api, "POST", "/automations/categories/batchAssign", json=everyone)
    assert all(int(other["id"]) in c.category_ids for c in tenant.campaigns.values())
    no_body(
        api, "POST", "/automations/categories/batchAssign", json={**assign, "apply_category": False}
    )
    assert tenant.campaigns.get(spring.id).category_ids == [int(other["id"])]
    api.error(
        "POST",
        "/automations/categories/batchAssign",
        404,
        json={"category_ids": ["99"], "automation_ids": ["0"]},
    )

    renamed = api.patch(f"/automationCategory/{created['id']}", json={"name": "Nurture tracks"})
    assert renamed["name"] == "Nurture tracks" and renamed["id"] == created["id"]
    assert tenant.automation_categories.get(int(created["id"])).name == "Nurture tracks"
    api.error("PATCH", "/automationCategory/99", 404, json={"name": "x"})
    api.error("PATCH", f"/automationCategory/{created['id']}", 409, json={"name": "Sales"})

    api.delete("/automationCategory", params={"ids": [created["id"], other["id"]]})
    assert tenant.automation_categories == {}
    assert all(c.category_ids == [] for c in tenant.campaigns.values())
    api.error("DELETE", "/automationCategory", 404, params={"ids": "99"})
    assert autumn.id in tenant.campaigns


def test_campaign_goals(api: V2, sim: Simulator, tenant: Tenant, campaigns: list[Campaign]) -> None:
    spring = campaigns[0]
    goal = spring.goals[0]
    body = api.get(f"/campaigns/{spring.id}/goals")
    assert body == {
        "campaign_id": str(spring.id),
        "goals": [
            {
                "id": str(goal.id),
                "name": "Joined",
                "type": "API",
                "historical_contact_counts": {"24_hours": 0, "30_days": 0},
                "next_sequence_ids": [str(spring.sequences[0].id)],
                "previous_sequence_ids": [],
            }
        ],
    }
    ann, bob = contact(api, "ann@example.com"), contact(api, "bob@example.com")
    for who in (ann, bob, ann):
        api.post(
            "/automations/goals/achieve",
            json={"contact_id": who, "integration": "web", "call_name": "join"},
        )
    counts = api.get(f"/campaigns/{spring.id}/goals")["goals"][0]["historical_contact_counts"]
    assert counts == {"24_hours": 2, "30_days": 2}
    sim.clock.advance(timedelta(days=2).total_seconds())
    counts = api.get(f"/campaigns/{spring.id}/goals")["goals"][0]["historical_contact_counts"]
    assert counts == {"24_hours": 0, "30_days": 2}
    assert api.get(f"/campaigns/{campaigns[1].id}/goals")["goals"] == []
    api.error("GET", "/campaigns/999/goals", 404)

from __future__ import annotations

import pytest

from keapsim.store import Tenant
from keapsim.store.records import Campaign

from .helpers import UNCONVERTIBLE, V1


@pytest.fixture
def welcome(tenant: Tenant) -> Campaign:
    return tenant.campaigns.create(
        "Welcome series", ["Day 1", "Day 2"], [("Signed up", "myapp", "signup")]
    )


def seq_path(campaign: Campaign, index: int = 0) -> str:
    return f"/campaigns/{campaign.id}/sequences/{campaign.sequences[index].id}/contacts"


def test_list_search_and_order(api: V1, tenant: Tenant, welcome: Campaign) -> None:
    onboarding = tenant.campaigns.create("Onboarding", ["Only"])
    listed = api.get("/campaigns")
    assert [c["id"] for c in listed["campaigns"]] == [welcome.id, onboarding.id]
    assert listed["count"] == 2
    item = listed["campaigns"][0]
    assert item["name"] == "Welcome series"
    assert item["published_status"] is True
    assert "goals" not in item and "sequences" not in item
    found = api.get("/campaigns", params={"search_text": "WELCOME"})
    assert [c["id"] for c in found["campaigns"]] == [welcome.id]
    by_name = api.get("/campaigns", params={"order": "name", "order_direction": "DESCENDING"})
    assert [c["name"] for c in by_name["campaigns"]] == ["Welcome series", "Onboarding"]
    page = api.get("/campaigns", params={"limit": 1})
    assert page["count"] == 2 and len(page["campaigns"]) == 1 and "offset=1" in page["next"]


@pytest.mark.parametrize("params", [{"order": "colour"}, {"order_direction": "sideways"}])
def test_list_rejects_bad_order(api: V1, params: dict) -> None:
    api.error("GET", "/campaigns", 400, params=params)


def test_get_includes_goals_and_sequences_only_when_asked(api: V1, welcome: Campaign) -> None:
    plain = api.get(f"/campaigns/{welcome.id}")
    assert plain["id"] == welcome.id
    assert plain["active_contact_count"] == 0
    assert "goals" not in plain and "sequences" not in plain
    full = api.get(f"/campaigns/{welcome.id}", params={"optional_properties": "goals,sequences"})
    assert [s["name"] for s in full["sequences"]] == ["Day 1", "Day 2"]
    goal = full["goals"][0]
    assert (goal["name"], goal["type"]) == ("Signed up", "API")
    assert goal["next_sequence_ids"] == [welcome.sequences[0].id]
    api.error("GET", "/campaigns/999", 404, "Unable to find this Campaign")


def test_add_and_remove_one_contact(api: V1, tenant: Tenant, welcome: Campaign) -> None:
    contact = api.contact()["id"]
    api.post(f"{seq_path(welcome)}/{contact}", 204)
    api.post(f"{seq_path(welcome)}/{contact}", 204)  # already in: still 204
    # Seen from the campaign...
    stats = api.get(f"/campaigns/{welcome.id}", params={"optional_properties": "sequences"})
    assert stats["active_contact_count"] == 1
    assert [s["active_contact_count"] for s in stats["sequences"]] == [1, 0]
    # ...and from the contact.
    assert tenant.campaigns.sequences_of(contact) == [(welcome.id, welcome.sequences[0].id)]

    api.delete(f"{seq_path(welcome)}/{contact}")
    assert tenant.campaigns.sequences_of(contact) == []
    assert api.get(f"/campaigns/{welcome.id}")["active_contact_count"] == 0


def test_single_add_errors(api: V1, welcome: Campaign) -> None:
    contact = api.contact()["id"]
    api.error("POST", f"{seq_path(welcome)}/999", 404, "Unable to find this Contact")
    api.error(
        "POST",
        f"/campaigns/999/sequences/1/contacts/{contact}",
        404,
        "Unable to find this Campaign",
    )
    api.error(
        "POST",
        f"/campaigns/{welcome.id}/sequences/999/contacts/{contact}",
        404,
        "Unable to find this Sequence",
    )
    api.error("DELETE", f"{seq_path(welcome)}/999", 404, "Unable to find this Contact")


def test_add_and_remove_many(api: V1, tenant: Tenant, welcome: Campaign) -> None:
    ada, bob = api.contact("ada@example.com")["id"], api.contact("bob@example.com")["id"]
    api.post(f"{seq_path(welcome)}/{ada}", 204)
    result = api.post(seq_path(welcome), json={"ids": [ada, bob, 999]})
    assert result == {
        str(ada): "ALREADY_IN_SEQUENCE",
        str(bob): "SUCCESS",
        "999": "CONTACT_DOES_NOT_EXIST",
    }
    assert tenant.campaigns.sequence_contacts(welcome.id, welcome.sequences[0].id) == [ada, bob]

    # DELETE with a JSON body, as the document declares.
    api.delete(seq_path(welcome), json={"ids": [ada, 999]})
    assert tenant.campaigns.sequence_contacts(welcome.id, welcome.sequences[0].id) == [bob]
    api.error("DELETE", seq_path(welcome), 400, UNCONVERTIBLE)
    api.error("POST", seq_path(welcome), 400, UNCONVERTIBLE, json={"ids": "1,2"})


def test_achieve_an_api_goal(api: V1, tenant: Tenant, welcome: Campaign) -> None:
    contact = api.contact()["id"]
    results = api.post("/campaigns/goals/myapp/signup", 201, json={"contact_id": contact})
    assert results == [
        {
            "campaign_id": welcome.id,
            "goal_id": welcome.goals[0].id,
            "success": True,
            "message": "Goal achieved",
        }
    ]
    # The goal starts its next sequence for the contact.
    assert tenant.campaigns.sequences_of(contact) == [(welcome.id, welcome.sequences[0].id)]
    assert api.post("/campaigns/goals/myapp/other", 201, json={"contact_id": contact}) == []


def test_achieve_goal_errors(api: V1, welcome: Campaign) -> None:
    api.error("POST", "/campaigns/goals/myapp/signup", 400, UNCONVERTIBLE, json={})
    api.error(
        "POST", "/campaigns/goals/myapp/signup", 400, UNCONVERTIBLE, json={"contact_id": "me"}
    )
    api.error(
        "POST",
        "/campaigns/goals/myapp/signup",
        404,
        "Unable to find this Contact",
        json={"contact_id": 999},
    )


def test_deleting_a_contact_leaves_its_sequences_and_notes(
    api: V1, tenant: Tenant, welcome: Campaign
) -> None:
    contact = api.contact()["id"]
    api.post(f"{seq_path(welcome)}/{contact}", 204)
    note = api.post("/notes", 201, json={"contact_id": contact, "title": "n"})["id"]
    api.delete(f"/contacts/{contact}")
    assert api.get(f"/campaigns/{welcome.id}")["active_contact_count"] == 0
    assert tenant.campaigns.sequences_of(contact) == []
    api.error("GET", f"/notes/{note}", 404, "Unable to find this Note")

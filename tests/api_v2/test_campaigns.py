"""v2 campaigns, sequences, :addContacts/:removeContacts and achieving API goals
(keap-facts.md §4.3)."""

from __future__ import annotations

import pytest

from keapsim.store import Tenant

from .helpers import V2, email_contact


@pytest.fixture
def campaign(tenant: Tenant):
    return tenant.campaigns.create(
        "Spring Nurture", ["Welcome", "Follow-up"], [("Form filled", "leadform", "submitted")]
    )


def _contact(api: V2, email: str) -> str:
    return api.post("/contacts", 201, json=email_contact(email))["id"]


def test_list_and_get_campaigns(api: V2, tenant: Tenant, campaign) -> None:
    tenant.campaigns.create("Autumn Sale", ["Only"])
    body = api.get("/campaigns")
    assert [c["name"] for c in body["campaigns"]] == ["Spring Nurture", "Autumn Sale"]
    one = api.get(f"/campaigns/{campaign.id}")
    assert one["id"] == str(campaign.id) and one["published_status"] is True
    assert one == body["campaigns"][0]
    # "The search will look for the text anywhere in the campaign name."
    contains = api.get("/campaigns", params={"filter": "name==sale"})
    assert [c["name"] for c in contains["campaigns"]] == ["Autumn Sale"]
    ordered = api.get("/campaigns", params={"order_by": "name asc"})
    assert [c["name"] for c in ordered["campaigns"]] == ["Autumn Sale", "Spring Nurture"]
    paged = api.all_pages("/campaigns", "campaigns", 1, order_by="id desc")
    assert [c["name"] for c in paged] == ["Autumn Sale", "Spring Nurture"]
    api.error("GET", "/campaigns", 400, params={"order_by": "colour"})
    api.error("GET", "/campaigns", 400, params={"filter": "status==ok"})
    api.error("GET", "/campaigns/404", 404)
    api.error("GET", "/campaigns/abc", 404)


def test_sequences_of_a_campaign(api: V2, campaign) -> None:
    body = api.get(f"/campaigns/{campaign.id}/sequences")
    assert body["campaign_id"] == str(campaign.id)
    assert [s["name"] for s in body["sequences"]] == ["Welcome", "Follow-up"]
    assert all(s["active_contact_count"] == 0 for s in body["sequences"])
    api.error("GET", "/campaigns/99/sequences", 404)


def test_add_and_remove_contacts(api: V2, tenant: Tenant, campaign) -> None:
    sequence = campaign.sequences[0].id
    ann = _contact(api, "ann@example.com")
    path = f"/campaigns/{campaign.id}/sequences/{sequence}"
    added = api.post(f"{path}:addContacts", json={"contact_ids": [ann, "31337"]})
    assert added == {"add_to_sequence_results": {ann: "SUCCESS", "31337": "CONTACT_DOES_NOT_EXIST"}}
    assert tenant.campaigns.sequence_contacts(campaign.id, sequence) == [int(ann)]
    again = api.post(f"{path}:addContacts", json={"contact_ids": [ann]})
    assert again == {"add_to_sequence_results": {ann: "ALREADY_IN_SEQUENCE"}}
    counts = api.get(f"/campaigns/{campaign.id}/sequences")["sequences"]
    assert counts[0]["active_contact_count"] == 1
    assert api.get(f"/campaigns/{campaign.id}")["active_contact_count"] == 1

    removed = api.post(f"{path}:removeContacts", json={"contact_ids": [ann, "31337"]})
    assert removed == {
        "remove_from_sequence_results": {ann: "SUCCESS", "31337": "CONTACT_DOES_NOT_EXIST"}
    }
    assert tenant.campaigns.sequence_contacts(campaign.id, sequence) == []


def test_sequence_call_errors(api: V2, campaign) -> None:
    sequence = campaign.sequences[0].id
    for verb in ("addContacts", "removeContacts"):
        api.error(
            "POST", f"/campaigns/99/sequences/{sequence}:{verb}", 404, json={"contact_ids": ["1"]}
        )
        api.error(
            "POST",
            f"/campaigns/{campaign.id}/sequences/999:{verb}",
            404,
            json={"contact_ids": ["1"]},
        )
        api.error(
            "POST",
            f"/campaigns/{campaign.id}/sequences/{sequence}:{verb}",
            400,
            json={"ids": ["1"]},
        )
        api.error(
            "POST",
            f"/campaigns/{campaign.id}/sequences/{sequence}:{verb}",
            400,
            json={"contact_ids": [1.5]},
        )


def test_achieve_goal_by_integration_and_call_name(api: V2, tenant: Tenant, campaign) -> None:
    ann = _contact(api, "ann@example.com")
    body = api.post(
        "/automations/goals/achieve",
        json={"contact_id": int(ann), "integration": "leadform", "call_name": "submitted"},
    )
    goal = campaign.goals[0]
    assert body == {
        "results": [
            {
                "success": True,
                "message": "Goal achieved",
                "automation_id": campaign.id,
                "goal_id": goal.id,
                "flow_start_results": [
                    {
                        "success": True,
                        "message": "Sequence started",
                        "flow_id": campaign.sequences[0].id,
                    }
                ],
                "flow_stop_results": [],
            }
        ]
    }
    assert tenant.campaigns.sequences_of(int(ann)) == [(campaign.id, campaign.sequences[0].id)]
    nothing = api.post(
        "/automations/goals/achieve",
        json={"contact_id": int(ann), "integration": "leadform", "call_name": "other"},
    )
    assert nothing == {"results": []}


def test_achieve_goal_by_automation_and_goal_id(api: V2, tenant: Tenant, campaign) -> None:
    ann = _contact(api, "ann@example.com")
    body = api.post(
        "/automations/goals/achieve",
        json={"contact_id": ann, "automation_id": campaign.id, "goal_id": campaign.goals[0].id},
    )
    assert [r["goal_id"] for r in body["results"]] == [campaign.goals[0].id]
    assert tenant.campaigns.sequences_of(int(ann)) == [(campaign.id, campaign.sequences[0].id)]
    api.error(
        "POST",
        "/automations/goals/achieve",
        404,
        json={"contact_id": ann, "automation_id": campaign.id, "goal_id": 999},
    )


@pytest.mark.parametrize(
    "body",
    [
        {"integration": "leadform", "call_name": "submitted"},
        {"contact_id": "x", "integration": "leadform", "call_name": "submitted"},
        {"contact_id": 1},
        {"contact_id": 1, "integration": "leadform"},
        {"contact_id": 1, "automation_id": 1},
        {"contact_id": 1, "integration": "a", "call_name": "b", "automation_id": 1, "goal_id": 1},
        {"contact_id": 1, "integration": 5, "call_name": "b"},
    ],
)
def test_achieve_goal_bad_bodies_are_400(api: V2, campaign, body: dict) -> None:
    _contact(api, "ann@example.com")
    api.error("POST", "/automations/goals/achieve", 400, json=body)


def test_achieve_goal_for_unknown_contact_is_404(api: V2, campaign) -> None:
    api.error(
        "POST",
        "/automations/goals/achieve",
        404,
        json={"contact_id": 4040, "integration": "leadform", "call_name": "submitted"},
    )

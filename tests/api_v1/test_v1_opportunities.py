"""v1 opportunities (create, replace, get, patch, list) and the stage pipeline: status, shape
(every success body validated against the official v1 document by the client), and the effect
on the store (stage moves included)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.custom_fields import OPPORTUNITY
from keapsim.store.opportunities import OpportunityStage

from .helpers import UNCONVERTIBLE, V1


def stage(tenant: Tenant, name: str, order: int, **fields: Any) -> OpportunityStage:
    values = {"probability": 10 * order, "target_number_days": order, **fields}
    return tenant.opportunity_stages.create(name=name, order=order, **values)


@pytest.fixture
def pipeline(tenant: Tenant) -> list[OpportunityStage]:
    """Three stages, made out of pipeline order."""
    won = stage(tenant, "Won", 3)
    new = stage(
        tenant,
        "New",
        1,
        checklist_items=[{"id": None, "description": "Call", "order": 1, "required": True}],
    )
    return [new, stage(tenant, "Proposal", 2), won]


def body(contact_id: int, stage_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "opportunity_title": "Big deal",
        "contact": {"id": contact_id},
        "stage": {"id": stage_id},
        **fields,
    }


def test_the_stage_pipeline_lists_stages_in_order(api: V1, pipeline: list) -> None:
    rows = api.get("/opportunity/stage_pipeline")
    assert [(r["stage_name"], r["stage_order"]) for r in rows] == [
        ("New", 1),
        ("Proposal", 2),
        ("Won", 3),
    ]
    assert {r["stage_count"] for r in rows} == {3} and all(r["is_default"] for r in rows)
    assert [r["end_stage"] for r in rows] == [False, False, True]
    assert rows[0]["stage_id"] == pipeline[0].id


def test_a_new_account_has_no_stages(api: V1) -> None:
    assert api.get("/opportunity/stage_pipeline") == []


def test_create_answers_200_with_the_linked_records(
    api: V1, tenant: Tenant, pipeline: list
) -> None:
    contact = api.contact(
        "ada@example.com",
        given_name="Ada",
        family_name="Lovelace",
        job_title="Engineer",
        phone_numbers=[{"number": "555-0100", "field": "PHONE1"}],
    )
    owner = tenant.users.account_owner()
    created = api.post(
        "/opportunities",
        json=body(
            contact["id"],
            pipeline[0].id,
            user={"id": owner.id},
            affiliate_id=5,
            include_in_forecast=1,
            projected_revenue_low=1000.1,
            projected_revenue_high="2500.55",
            estimated_close_date="2026-02-01",
            next_action_date="2026-01-15T09:30:00Z",
            next_action_notes="Call back",
            opportunity_notes="From the fair",
        ),
    )
    assert created["contact"] == {
        "id": contact["id"],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone_number": "555-0100",
        "job_title": "Engineer",
        "company_name": "",  # unset: "" (captured, keap-facts.md §9.7)
    }
    assert created["stage"]["name"] == "New"
    assert created["stage"]["details"] == {
        "check_list_items": [{"id": 1, "description": "Call", "item_order": 1, "required": True}],
        "probability": 10,
        "stage_order": 1,
        "target_num_days": 1,
    }
    assert created["user"] == {"id": owner.id, "first_name": "Account", "last_name": "Owner"}
    assert created["include_in_forecast"] == 1 and created["affiliate_id"] == 5
    assert created["projected_revenue_high"] == 2500.55
    assert created["estimated_close_date"] == "2026-02-01T00:00:00.000+0000"
    assert created["next_action_date"] == "2026-01-15T09:30:00.000+0000"
    stored = tenant.opportunities.get(created["id"])
    assert stored.projected_revenue_high == Decimal("2500.55")
    assert stored.projected_revenue_low == Decimal("1000.1")
    assert stored.include_in_forecast is True
    [move] = tenant.stage_moves.of_opportunity(created["id"])
    assert (move.move_from_stage_id, move.move_to_stage_id) == (0, pipeline[0].id)


def test_invalid_creates_are_400_and_store_nothing(api: V1, tenant: Tenant, pipeline: list) -> None:
    contact = api.contact()["id"]
    first = pipeline[0].id
    for bad in (
        {"contact": {"id": contact}, "stage": {"id": first}},
        body(contact, first, opportunity_title=""),
        {"opportunity_title": "x", "stage": {"id": first}},
        body(contact, first, contact={}),
        body(999, first),
        body(contact, 999),
        body(contact, first, user={"id": 999}),
        body(contact, first, include_in_forecast=2),
        body(contact, first, include_in_forecast=True),
        body(contact, first, projected_revenue_low="lots"),
        body(contact, first, estimated_close_date="next week"),
        body(contact, first, estimated_close_date="2026-01-01T10:00:00"),
        body(contact, first, custom_fields=[{"id": 42, "content": "x"}]),
        body(contact, first, stage="New"),
    ):
        api.error("POST", "/opportunities", 400, json=bad)
    api.error("POST", "/opportunities", 400, UNCONVERTIBLE, content=b"{")
    assert tenant.opportunities == {} and tenant.stage_moves == {}


def test_get_shows_custom_fields_when_asked(api: V1, tenant: Tenant, pipeline: list) -> None:
    field = tenant.custom_fields.create("Budget", "Currency", record_type=OPPORTUNITY)
    contact = api.contact()["id"]
    created = api.post(
        "/opportunities",
        json=body(contact, pipeline[0].id, custom_fields=[{"id": field.id, "content": 900}]),
    )
    assert created["custom_fields"] == [{"id": field.id, "content": 900}]
    assert "custom_fields" not in api.get(f"/opportunities/{created['id']}")
    asked = api.get(
        f"/opportunities/{created['id']}", params={"optional_properties": "custom_fields"}
    )
    assert asked["custom_fields"] == [{"id": field.id, "content": 900}]
    api.error("GET", "/opportunities/999", 404, "Unable to find this Opportunity")


def test_patch_changes_what_is_given_and_a_new_stage_is_a_stage_move(
    api: V1, tenant: Tenant, sim: Simulator, pipeline: list
) -> None:
    contact = api.contact()["id"]
    created = api.post("/opportunities", json=body(contact, pipeline[0].id, affiliate_id=3))
    seen: list[str] = []
    unsubscribe = tenant.events.subscribe(lambda e: seen.append(e.event_key))
    sim.clock.advance(120)
    try:
        patched = api.patch(
            f"/opportunities/{created['id']}",
            json={"stage": {"id": pipeline[1].id}, "opportunity_notes": "Sent"},
        )
        same_stage = api.patch(
            f"/opportunities/{created['id']}", json={"stage": {"id": pipeline[1].id}}
        )
    finally:
        unsubscribe()
    assert patched["stage"]["name"] == "Proposal" and patched["opportunity_notes"] == "Sent"
    assert patched["affiliate_id"] == 3 and patched["opportunity_title"] == "Big deal"
    assert same_stage["stage"]["id"] == pipeline[1].id
    assert seen.count("opportunity.stage_move") == 1
    first, second = tenant.stage_moves.of_opportunity(created["id"])
    assert (second.move_from_stage_id, second.move_to_stage_id) == (pipeline[0].id, pipeline[1].id)
    assert second.prev_stage_move_time == first.move_time
    stored = tenant.opportunities.get(created["id"])
    assert stored.stage_entrance_time == second.move_time  # the later PATCH kept the stage
    api.error("PATCH", "/opportunities/999", 404, json={"opportunity_notes": "x"})
    api.error("PATCH", f"/opportunities/{created['id']}", 400, json={"stage": None})


def test_put_replaces_every_value(api: V1, tenant: Tenant, pipeline: list) -> None:
    contact = api.contact()["id"]
    created = api.post(
        "/opportunities",
        json=body(contact, pipeline[0].id, affiliate_id=3, opportunity_notes="n"),
    )
    replaced = api.put(
        "/opportunities",
        json={**body(contact, pipeline[2].id), "id": created["id"], "opportunity_title": "Won"},
    )
    assert replaced["opportunity_title"] == "Won" and replaced["stage"]["name"] == "Won"
    # Unset values are sent as Keap sends them: 0 and "" (captured, keap-facts.md §9.7).
    assert replaced["affiliate_id"] == 0 and replaced["opportunity_notes"] == ""
    stored = tenant.opportunities.get(created["id"])
    assert stored.affiliate_id is None and stored.stage_id == pipeline[2].id
    assert len(tenant.stage_moves.of_opportunity(created["id"])) == 2
    api.error("PUT", "/opportunities", 400, "id is required", json=body(contact, pipeline[0].id))
    api.error("PUT", "/opportunities", 404, json={**body(contact, pipeline[0].id), "id": 999})
    api.error(
        "PUT",
        "/opportunities",
        400,
        json={"id": created["id"], "contact": {"id": contact}, "stage": {"id": pipeline[0].id}},
    )
    assert tenant.opportunities.get(created["id"]).opportunity_title == "Won"


def test_list_filters_searches_and_orders(api: V1, tenant: Tenant, pipeline: list) -> None:
    ada = api.contact("ada@example.com", given_name="Ada", family_name="Zed")["id"]
    bob = api.contact("bob@example.com", given_name="Bob", family_name="Young")["id"]
    owner = tenant.users.account_owner().id
    made = [
        api.post("/opportunities", json=body(bob, pipeline[0].id, opportunity_title="Zinc")),
        api.post(
            "/opportunities",
            json=body(
                ada,
                pipeline[1].id,
                opportunity_title="Apples",
                user={"id": owner},
                next_action_date="2026-03-01",
            ),
        ),
        api.post(
            "/opportunities",
            json=body(ada, pipeline[0].id, opportunity_title="Maps", next_action_date="2026-01-01"),
        ),
    ]
    ids = [m["id"] for m in made]

    def listed(**params: Any) -> list[int]:
        return [o["id"] for o in api.get("/opportunities", params=params)["opportunities"]]

    assert listed() == ids and api.get("/opportunities")["count"] == 3
    assert listed(stage_id=pipeline[0].id) == [ids[0], ids[2]]
    assert listed(user_id=owner) == [ids[1]]
    assert listed(search_term="ada") == [ids[1], ids[2]]  # the contact's name
    assert listed(search_term="bob@") == [ids[0]]  # its EMAIL1
    assert listed(search_term="ppl") == [ids[1]]  # the title
    assert listed(order="opportunity_name") == [ids[1], ids[2], ids[0]]
    assert listed(order="contact_name") == [ids[1], ids[2], ids[0]]
    assert listed(order="next_action") == [ids[2], ids[1], ids[0]]
    assert listed(order="date_created") == ids
    assert listed(limit=1, offset=1) == [ids[1]]
    api.error("GET", "/opportunities", 400, params={"order": "id"})
    api.error("GET", "/opportunities", 400, params={"stage_id": "x"})


def test_deleting_a_contact_deletes_its_opportunities(
    api: V1, tenant: Tenant, pipeline: list
) -> None:
    keep = api.contact("keep@example.com")["id"]
    gone = api.contact("gone@example.com")["id"]
    kept = api.post("/opportunities", json=body(keep, pipeline[0].id))
    dropped = api.post("/opportunities", json=body(gone, pipeline[0].id))
    api.delete(f"/contacts/{gone}")
    assert list(tenant.opportunities) == [kept["id"]]
    api.error("GET", f"/opportunities/{dropped['id']}", 404)
    # The moves stay: they are history.
    assert [m.opportunity_id for m in tenant.stage_moves.values()] == [kept["id"], dropped["id"]]

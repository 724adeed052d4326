"""v2 opportunity stages (declared CRUD), opportunities (CRUD, list filters and orders) and
stage moves: status, shape (every success body validated against swagger.yml by the client)
and the effect on the store."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.custom_fields import OPPORTUNITY

from .helpers import V2, email_contact

STAGES = "/opportunities/stages"


def stage(api: V2, name: str, order: int, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "order": order, "probability": 10 * order, "target_number_days": order}
    return api.post(STAGES, 201, json={**body, **fields})


@pytest.fixture
def stages(api: V2) -> list[dict[str, Any]]:
    return [stage(api, "New", 1), stage(api, "Proposal", 2), stage(api, "Won", 3)]


def contact(api: V2, email: str = "ada@example.com", **fields: Any) -> str:
    return api.post("/contacts", 201, json=email_contact(email, **fields))["id"]


def opportunity(api: V2, contact_id: str, stage_id: str, **fields: Any) -> dict[str, Any]:
    body = {"opportunity_title": "Big deal", "contact_id": contact_id, "stage_id": stage_id}
    return api.post("/opportunities", 201, json={**body, **fields})


# -- stages ----------------------------------------------------------------------------------
def test_stage_crud(api: V2, tenant: Tenant, sim: Simulator) -> None:
    created = stage(
        api,
        "Qualified",
        2,
        checklist_items=[
            {"description": "Send proposal", "order": 2, "required": True},
            {"description": "Call", "order": -1, "required": False},
        ],
    )
    assert created["probability"] == 20 and created["target_number_days"] == 2
    assert [i["description"] for i in created["checklist_items"]] == ["Call", "Send proposal"]
    assert created["created_time"] == created["updated_time"]
    assert api.get(f"{STAGES}/{created['id']}") == created
    sim.clock.advance(5)
    call, proposal = created["checklist_items"]
    patched = api.patch(
        f"{STAGES}/{created['id']}",
        json={
            "name": "Qualified lead",
            "checklist_items": [
                {**proposal, "description": "Send the proposal"},
                {"description": "Demo", "order": 3, "required": True},
            ],
        },
    )
    assert patched["name"] == "Qualified lead" and patched["updated_time"] > patched["created_time"]
    items = patched["checklist_items"]
    assert items[0] == {**proposal, "description": "Send the proposal"}  # same id kept
    assert items[1]["description"] == "Demo" and items[1]["id"] not in (call["id"], proposal["id"])
    masked = api.patch(
        f"{STAGES}/{created['id']}",
        params={"update_mask": "probability"},
        json={"probability": 90, "name": "ignored"},
    )
    assert masked["probability"] == 90 and masked["name"] == "Qualified lead"
    assert tenant.opportunity_stages.get(int(created["id"])).probability == 90
    api.delete(f"{STAGES}/{created['id']}")
    api.error("GET", f"{STAGES}/{created['id']}", 404)
    assert tenant.opportunity_stages == {}


@pytest.mark.parametrize(
    "body",
    [
        {"order": 1, "probability": 1, "target_number_days": 1},
        {"name": "A", "probability": 1, "target_number_days": 1},
        {"name": "A", "order": 1, "probability": 101, "target_number_days": 1},
        {"name": "A", "order": 1, "probability": -1, "target_number_days": 1},
        {"name": "A", "order": 1, "probability": 1, "target_number_days": -1},
        {"name": "A", "order": "first", "probability": 1, "target_number_days": 1},
        {"name": "A", "order": 1, "probability": 1, "target_number_days": 1, "checklist_items": {}},
        {
            "name": "A",
            "order": 1,
            "probability": 1,
            "target_number_days": 1,
            "checklist_items": [{"description": "x", "order": 1}],
        },
        {
            "name": "A",
            "order": 1,
            "probability": 1,
            "target_number_days": 1,
            "checklist_items": [{"id": "9", "description": "x", "order": 1, "required": True}],
        },
    ],
)
def test_invalid_stages_are_400(api: V2, tenant: Tenant, body: dict[str, Any]) -> None:
    api.error("POST", STAGES, 400, json=body)
    assert tenant.opportunity_stages == {}


def test_stage_list_filters_and_orders(api: V2, stages: list[dict[str, Any]]) -> None:
    def names(**params: Any) -> list[str]:
        return [s["name"] for s in api.get(STAGES, params=params)["stages"]]

    assert names() == ["New", "Proposal", "Won"]
    assert names(order_by="stage_order desc") == ["Won", "Proposal", "New"]
    assert names(filter="opportunity_stage_name==pro*") == ["Proposal"]
    assert names(filter=f"opportunity_stage_id>{stages[0]['id']}") == ["Proposal", "Won"]
    assert names(filter=f"opportunity_stage_id=={stages[2]['id']}") == ["Won"]
    assert [s["name"] for s in api.all_pages(STAGES, "stages", 2)] == ["New", "Proposal", "Won"]
    api.error("GET", STAGES, 400, params={"filter": "opportunity_stage_id>x"})
    api.error("GET", STAGES, 400, params={"order_by": "name"})


def test_a_stage_with_opportunities_cannot_be_deleted(
    api: V2, tenant: Tenant, stages: list[dict[str, Any]]
) -> None:
    opportunity(api, contact(api), stages[0]["id"])
    api.error("DELETE", f"{STAGES}/{stages[0]['id']}", 409)
    assert int(stages[0]["id"]) in tenant.opportunity_stages
    api.delete(f"{STAGES}/{stages[1]['id']}")


# -- opportunities ---------------------------------------------------------------------------
def test_create_answers_201_and_fields_adds_optional_properties(
    api: V2, tenant: Tenant, stages: list[dict[str, Any]]
) -> None:
    field = tenant.custom_fields.create("Budget", "Currency", record_type=OPPORTUNITY)
    source = tenant.lead_sources.create("Trade show")
    ada = contact(
        api,
        given_name="Ada",
        family_name="Lovelace",
        leadsource_id=str(source.id),
        addresses=[
            {
                "locality": "Chandler",
                "region_code": "US-AZ",
                "country_code": "USA",
                "field": "BILLING",
            }
        ],
        phone_numbers=[{"number": "(480) 123-4567", "field": "PHONE1"}],
    )
    owner = str(tenant.users.account_owner().id)
    created = api.post(
        "/opportunities",
        201,
        params={"fields": "custom_fields,created_by,stage_entrance_time"},
        json={
            "opportunity_title": "Big deal",
            "contact_id": ada,
            "stage_id": stages[0]["id"],
            "user_id": owner,
            "affiliate_id": "7",
            "include_in_forecast": True,
            "projected_revenue_low": 5000,
            "projected_revenue_high": "10000.25",
            "estimated_close_time": "2026-04-15T00:00:00Z",
            "next_action_time": "2026-03-20T10:00:00+02:00",
            "next_action_notes": "Demo",
            "custom_fields": [{"id": str(field.id), "content": 1200}],
        },
    )
    assert created["contact"] == {
        "id": ada,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone_number": "(480) 123-4567",
        "city": "Chandler",
        "state": "Arizona",
    }
    assert created["stage"] == {
        "id": stages[0]["id"],
        "name": "New",
        "details": {
            "checklist_items": [],
            "probability": 10,
            "stage_order": 1,
            "target_num_days": 1,
        },
    }
    assert created["user"] == {"id": owner, "first_name": "Account", "last_name": "Owner"}
    assert created["affiliate_id"] == "7" and created["include_in_forecast"] is True
    assert created["projected_revenue_high"] == 10000.25
    assert created["next_action_time"] == "2026-03-20T08:00:00.000Z"
    assert created["lead_source"] == "Trade show"
    assert created["custom_fields"] == [{"id": str(field.id), "content": 1200}]
    assert created["created_by"] == owner and "last_updated_by" not in created
    assert created["stage_entrance_time"] == created["created_time"]
    stored = tenant.opportunities.get(int(created["id"]))
    assert stored.projected_revenue_high == Decimal("10000.25")
    plain = api.get(f"/opportunities/{created['id']}")
    assert "custom_fields" not in plain and "created_by" not in plain
    api.error("GET", f"/opportunities/{created['id']}", 400, params={"fields": "colour"})


@pytest.mark.parametrize(
    "change",
    [
        {"opportunity_title": None},
        {"contact_id": None},
        {"contact_id": "999"},
        {"stage_id": "999"},
        {"stage_id": "first"},
        {"user_id": "999"},
        {"affiliate_id": "0"},
        {"include_in_forecast": "maybe"},
        {"projected_revenue_low": "lots"},
        {"projected_revenue_low": "1e999"},
        {"estimated_close_time": "2026-04-15"},
        {"custom_fields": [{"id": "99", "content": 1}]},
    ],
)
def test_invalid_creates_are_400_and_store_nothing(
    api: V2, tenant: Tenant, stages: list[dict[str, Any]], change: dict[str, Any]
) -> None:
    body = {"opportunity_title": "Deal", "contact_id": contact(api), "stage_id": stages[0]["id"]}
    api.error("POST", "/opportunities", 400, json={**body, **change})
    assert tenant.opportunities == {} and tenant.stage_moves == {}


def test_patch_records_a_stage_move_when_the_stage_changes(
    api: V2, tenant: Tenant, sim: Simulator, stages: list[dict[str, Any]]
) -> None:
    created = opportunity(api, contact(api), stages[0]["id"], opportunity_notes="First")
    seen: list[str] = []
    unsubscribe = tenant.events.subscribe(lambda e: seen.append(e.event_key))
    sim.clock.advance(3600)
    try:
        moved = api.patch(
            f"/opportunities/{created['id']}",
            params={"fields": "stage_entrance_time"},
            json={"stage_id": stages[2]["id"], "opportunity_notes": "Closed"},
        )
        masked = api.patch(
            f"/opportunities/{created['id']}",
            params={"update_mask": "next_action_notes"},
            json={"stage_id": stages[1]["id"], "next_action_notes": "Invoice"},
        )
    finally:
        unsubscribe()
    assert moved["stage"]["name"] == "Won" and moved["opportunity_notes"] == "Closed"
    assert moved["stage_entrance_time"] == moved["last_updated_time"] != created["created_time"]
    assert masked["stage"]["name"] == "Won" and masked["next_action_notes"] == "Invoice"
    assert seen.count("opportunity.stage_move") == 1 and seen.count("opportunity.edit") == 2
    moves = api.get(
        "/opportunities/stageMoves", params={"filter": f"opportunity_id=={created['id']}"}
    )
    first, second = moves["stage_moves"]
    assert first["move_from_stage_id"] == "0" and "prev_stage_move_time" not in first
    assert (second["move_from_stage_id"], second["move_to_stage_id"]) == (
        stages[0]["id"],
        stages[2]["id"],
    )
    assert second["prev_stage_move_time"] == first["move_time"]
    assert second["move_time"] == moved["last_updated_time"]
    api.error("PATCH", f"/opportunities/{created['id']}", 400, params={"update_mask": "x"}, json={})
    api.error("PATCH", "/opportunities/999", 404, json={"opportunity_notes": "x"})


def test_delete_removes_the_opportunity_and_keeps_its_history(
    api: V2, tenant: Tenant, stages: list[dict[str, Any]]
) -> None:
    created = opportunity(api, contact(api), stages[0]["id"])
    api.delete(f"/opportunities/{created['id']}")
    assert tenant.opportunities == {}
    api.error("GET", f"/opportunities/{created['id']}", 404)
    api.error("DELETE", f"/opportunities/{created['id']}", 404)
    [move] = api.get("/opportunities/stageMoves")["stage_moves"]
    assert move["opportunity_id"] == created["id"]


def test_list_filters(api: V2, tenant: Tenant, stages: list[dict[str, Any]]) -> None:
    field = tenant.custom_fields.create("Priority", "WholeNumber", record_type=OPPORTUNITY)
    source = tenant.lead_sources.create("Website")
    ada = contact(
        api,
        leadsource_id=str(source.id),
        phone_numbers=[{"number": "(480) 123-4567", "field": "PHONE1"}],
        addresses=[
            {
                "locality": "Chandler",
                "region_code": "US-AZ",
                "country_code": "USA",
                "field": "BILLING",
            }
        ],
    )
    bob = contact(api, "bob@example.com")
    owner = str(tenant.users.account_owner().id)
    made = [
        opportunity(
            api,
            ada,
            stages[0]["id"],
            opportunity_title="Deal one",
            user_id=owner,
            projected_revenue_high=1000,
            custom_fields=[{"id": str(field.id), "content": 5}],
        ),
        opportunity(
            api,
            bob,
            stages[1]["id"],
            opportunity_title="Other",
            affiliate_id="4",
            projected_revenue_low=200,
        ),
        opportunity(
            api, ada, stages[1]["id"], opportunity_title="Deal two", projected_revenue_high=5000
        ),
    ]
    ids = [m["id"] for m in made]

    def listed(filter_: str) -> list[str]:
        body = api.get("/opportunities", params={"filter": filter_})
        return [o["id"] for o in body["opportunities"]]

    assert listed(f"stage_id=={stages[1]['id']}") == ids[1:]
    assert listed(f"user_id=={owner}") == [ids[0]]
    assert listed(f"contact_id=={ada}") == [ids[0], ids[2]]
    assert listed(f"contact_id=={ada};stage_id=={stages[1]['id']}") == [ids[2]]
    assert listed("opportunity_title==deal*") == [ids[0], ids[2]]
    assert listed("lead_source_name==Web*") == [ids[0], ids[2]]
    assert listed("affiliate_id==4") == [ids[1]]
    assert listed(f"opportunity_id>={ids[1]}") == ids[1:]
    assert listed(f"ids=={ids[0]},{ids[2]}") == [ids[0], ids[2]]
    assert listed("contact_phone==(480) 123-4567") == [ids[0], ids[2]]
    assert listed("contact_phone==480*") == []  # the stored value starts with "("
    assert listed("contact_phone==(480*") == [ids[0], ids[2]]
    assert listed("contact_city==Chand*") == [ids[0], ids[2]]
    assert listed("contact_state==Ari*") == [ids[0], ids[2]]
    assert listed("projected_revenue_high>=1000") == [ids[0], ids[2]]
    assert listed("projected_revenue_low<500") == [ids[1]]
    assert listed("priority==5") == [ids[0]]
    many = ",".join(str(n) for n in range(1, 102))
    for bad in (
        f"opportunity_id>1;ids=={ids[0]}",
        f"ids=={many}",
        "stage_id==x",
        "colour==red",
        "opportunity_title>a",
        "projected_revenue_high>=lots",
    ):
        api.error("GET", "/opportunities", 400, params={"filter": bad})


def test_list_orders_and_pages(api: V2, stages: list[dict[str, Any]]) -> None:
    zed = contact(api, "z@example.com", given_name="Zed")
    amy = contact(api, "a@example.com", given_name="Amy")
    made = [
        opportunity(
            api,
            zed,
            stages[0]["id"],
            opportunity_title="b",
            next_action_time="2026-02-01T00:00:00Z",
        ),
        opportunity(api, amy, stages[0]["id"], opportunity_title="C"),
        opportunity(
            api,
            zed,
            stages[0]["id"],
            opportunity_title="a",
            next_action_time="2026-01-01T00:00:00Z",
        ),
    ]
    ids = [m["id"] for m in made]

    def listed(order_by: str | None = None) -> list[str]:
        params = {"order_by": order_by} if order_by else {}
        return [o["id"] for o in api.get("/opportunities", params=params)["opportunities"]]

    assert listed() == ids
    assert listed("opportunity_title") == [ids[2], ids[0], ids[1]]
    assert listed("contact_name desc") == [ids[0], ids[2], ids[1]]
    assert listed("next_action_time") == [ids[2], ids[0], ids[1]]  # none: last
    assert listed("created_time desc") == ids[::-1]
    assert listed("update_time") == ids
    assert [o["id"] for o in api.all_pages("/opportunities", "opportunities", 2)] == ids
    api.error("GET", "/opportunities", 400, params={"order_by": "stage"})


# -- stage moves -----------------------------------------------------------------------------
def test_stage_moves_list_filter_order_and_get(
    api: V2, tenant: Tenant, stages: list[dict[str, Any]]
) -> None:
    first = opportunity(api, contact(api), stages[0]["id"])
    second = opportunity(api, contact(api, "b@example.com"), stages[0]["id"])
    api.patch(f"/opportunities/{first['id']}", json={"stage_id": stages[1]["id"]})
    moves = api.get("/opportunities/stageMoves")["stage_moves"]
    assert [m["opportunity_id"] for m in moves] == [first["id"], second["id"], first["id"]]
    owner = str(tenant.users.account_owner().id)
    assert all(m["user_id"] == m["created_by"] == owner for m in moves)
    newest = api.get("/opportunities/stageMoves", params={"order_by": "move_date desc"})
    assert [m["id"] for m in newest["stage_moves"]] == [m["id"] for m in moves[::-1]]
    by_user = api.get("/opportunities/stageMoves", params={"filter": f"user_id=={owner}"})
    assert len(by_user["stage_moves"]) == 3
    nobody = api.get("/opportunities/stageMoves", params={"filter": "user_id==77"})
    assert nobody == {"stage_moves": []}
    assert api.get(f"/opportunities/stageMoves/{moves[2]['id']}") == moves[2]
    paged = api.all_pages("/opportunities/stageMoves", "stage_moves", 2)
    assert [m["id"] for m in paged] == [m["id"] for m in moves]
    api.error("GET", "/opportunities/stageMoves/999", 404)
    api.error("GET", "/opportunities/stageMoves", 400, params={"filter": "stage_id==1"})
    api.error("GET", "/opportunities/stageMoves", 400, params={"order_by": "user_id"})

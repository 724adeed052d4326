"""Custom-field models of every record type in v2 (one implementation, registered per record
type in ``keapsim/api/custom_models.py``): the model, field create/PATCH/DELETE, tabs and
groups. Every success body is validated against swagger.yml by the V2 client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keapsim.api.custom_models import (
    CREATE,
    DELETE,
    GROUPS,
    MODEL,
    MODEL_TYPES,
    TABS,
    UPDATE,
    ModelType,
)
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2


def _kinds(operation: str) -> list[Any]:
    return [pytest.param(k, id=k.segment) for k in MODEL_TYPES if operation in k.v2]


def _create_field(api: V2, kind: ModelType, **body: Any) -> dict[str, Any]:
    created = api.post(
        f"/{kind.segment}/model/customFields",
        201,
        json={"label": "Shirt Size", "field_type": "DROPDOWN", **body},
    )
    return created["custom_field"] if kind.v2_create_wrapped else created


def _tab(api: V2, kind: ModelType, name: str = "Sales") -> dict[str, Any]:
    return api.post(f"/{kind.segment}/model/customFields/tabs", 201, json={"name": name})


def _group(api: V2, kind: ModelType, name: str = "Sizes", **body: Any) -> dict[str, Any]:
    return api.post(f"/{kind.segment}/model/customFields/groups", 201, json={"name": name, **body})


# -- model and fields -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds(MODEL))
def test_model_lists_the_record_types_fields(api: V2, tenant: Tenant, kind: ModelType) -> None:
    assert api.get(f"/{kind.segment}/model")["custom_fields"] == []
    other = "COMPANY" if kind.record_type != "COMPANY" else "CONTACT"
    tenant.custom_fields.create("Elsewhere", "Text", record_type=other)
    mine = tenant.custom_fields.create("Mine", "Text", record_type=kind.record_type)
    model = api.get(f"/{kind.segment}/model")
    assert model["custom_fields"] == [
        {
            "id": str(mine.id),
            "label": "Mine",
            "options": [],
            "record_type": kind.record_type,
            "field_type": "TEXT",
            "field_name": "Mine",
            # Sent as null when unset (captured model, keap-facts.md §9.3).
            "default_value": None,
            "group_id": None,
        }
    ]
    assert isinstance(model["optional_properties"], list)


@pytest.mark.parametrize("kind", _kinds(CREATE))
def test_create_field_stores_it_for_the_record_type(
    api: V2, tenant: Tenant, kind: ModelType
) -> None:
    group = _group(api, kind)
    created = _create_field(
        api, kind, options=[{"label": "S"}, {"label": "M"}], group_id=group["id"]
    )
    assert created["record_type"] == kind.record_type and created["field_type"] == "DROPDOWN"
    assert created["options"] == [{"id": "1", "label": "S"}, {"id": "2", "label": "M"}]
    assert (created["group_id"], created["group_name"]) == (group["id"], "Sizes")
    stored = tenant.custom_fields.get(int(created["id"]))
    assert (stored.record_type, stored.field_type, stored.group_id) == (
        kind.record_type,
        "Dropdown",
        int(group["id"]),
    )
    assert api.get(f"/{kind.segment}/model")["custom_fields"] == [created]


def test_task_create_answers_the_wrapped_response(api: V2) -> None:
    body = api.post(
        "/tasks/model/customFields", 201, json={"label": "Effort", "field_type": "WHOLE_NUMBER"}
    )
    assert set(body) == {"custom_field"} and body["custom_field"]["field_type"] == "WHOLE_NUMBER"


def test_tasks_and_notes_share_one_model(api: V2) -> None:
    field = api.post("/notes/model/customFields", 201, json={"label": "X", "field_type": "TEXT"})
    assert api.get("/tasks/model")["custom_fields"] == [field]


@pytest.mark.parametrize(
    "body",
    [
        {"field_type": "TEXT"},
        {"label": "x", "field_type": "Text"},
        {"label": "x", "field_type": "TEXT", "group_id": "abc"},
        {"label": "x", "field_type": "TEXT", "group_id": "999"},
        {"label": "x", "field_type": "TEXT", "options": [1]},
    ],
)
def test_invalid_field_bodies_are_400_and_store_nothing(
    api: V2, tenant: Tenant, body: dict[str, Any]
) -> None:
    api.error("POST", "/companies/model/customFields", 400, json=body)
    assert tenant.custom_fields.list() == []


def test_a_group_of_another_record_type_is_refused(api: V2, tenant: Tenant) -> None:
    group = api.post("/contacts/model/customFields/groups", 201, json={"name": "G"})
    body = {"label": "x", "field_type": "TEXT", "group_id": group["id"]}
    api.error("POST", "/companies/model/customFields", 400, json=body)
    assert tenant.custom_fields.list() == []


@pytest.mark.parametrize("kind", _kinds(UPDATE))
def test_patch_field_changes_label_options_and_group(
    api: V2, tenant: Tenant, kind: ModelType
) -> None:
    first, second = _group(api, kind, "First"), _group(api, kind, "Second")
    field = _create_field(api, kind, options=[{"label": "S"}], group_id=first["id"])
    path = f"/{kind.segment}/model/customFields/{field['id']}"
    patched = api.patch(
        path,
        json={
            "label": "Size",
            "options": [{"id": "1", "label": "Small"}, {"label": "Large"}],
            "group_id": second["id"],
        },
    )
    assert patched["label"] == "Size" and patched["field_name"] == "Size"
    assert patched["options"] == [{"id": "1", "label": "Small"}, {"id": "2", "label": "Large"}]
    assert (patched["group_id"], patched["group_name"]) == (second["id"], "Second")
    assert tenant.custom_fields.get(int(field["id"])).label == "Size"
    # The mask narrows the change; group_id is then not needed.
    narrowed = api.patch(
        path, params={"update_mask": "label"}, json={"label": "Fit", "options": []}
    )
    assert narrowed["label"] == "Fit" and len(narrowed["options"]) == 2


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"label": "x"}, {}),  # group_id is required
        ({"label": "", "group_id": "1"}, {}),
        ({"group_id": "999"}, {}),
        ({"group_id": "1", "options": [{"id": "42", "label": "?"}]}, {}),
        ({"label": "x"}, {"update_mask": "colour"}),
    ],
)
def test_invalid_field_patches_are_400_and_change_nothing(
    api: V2, tenant: Tenant, body: dict[str, Any], params: dict[str, str]
) -> None:
    kind = next(k for k in MODEL_TYPES if k.segment == "companies")
    group = _group(api, kind)
    field = _create_field(api, kind, group_id=group["id"])
    before = tenant.custom_fields.get(int(field["id"]))
    api.error(
        "PATCH", f"/companies/model/customFields/{field['id']}", 400, json=body, params=params
    )
    assert tenant.custom_fields.get(int(field["id"])) == before


def test_a_field_of_another_record_type_is_not_found(api: V2, tenant: Tenant) -> None:
    field = tenant.custom_fields.create("Nickname", "Text")
    group = api.post("/companies/model/customFields/groups", 201, json={"name": "G"})
    path = f"/companies/model/customFields/{field.id}"
    api.error("PATCH", path, 404, json={"group_id": group["id"]})
    api.error("DELETE", path, 404)
    api.error("DELETE", "/companies/model/customFields/abc", 404)
    assert tenant.custom_fields.get(field.id).record_type == "CONTACT"


@pytest.mark.parametrize("kind", _kinds(DELETE))
def test_delete_field_removes_it_from_the_model(api: V2, tenant: Tenant, kind: ModelType) -> None:
    field = _create_field(api, kind)
    api.delete(f"/{kind.segment}/model/customFields/{field['id']}")
    assert api.get(f"/{kind.segment}/model")["custom_fields"] == []
    assert tenant.custom_fields.find(int(field["id"])) is None
    api.error("DELETE", f"/{kind.segment}/model/customFields/{field['id']}", 404)


# -- a company field in company writes ------------------------------------------------------------
def test_a_company_field_is_in_the_company_model_and_usable_in_company_writes(
    api: V2, v1: Any
) -> None:
    field = api.post(
        "/companies/model/customFields", 201, json={"label": "Industry", "field_type": "TEXT"}
    )
    assert api.get("/companies/model")["custom_fields"] == [field]
    assert [f["id"] for f in v1.get("/v1/companies/model").json()["custom_fields"]] == [
        int(field["id"])
    ]
    company = api.post(
        "/companies",
        201,
        json={"company_name": "Acme", "custom_fields": [{"id": field["id"], "content": "Tools"}]},
    )
    read = api.get(f"/companies/{company['id']}", params={"fields": "custom_fields"})
    assert read["custom_fields"] == [{"id": field["id"], "content": "Tools"}]
    # A contact field is refused on a company, and a deleted field's values go.
    contact_field = api.post(
        "/contacts/model/customFields", 201, json={"label": "Nick", "field_type": "TEXT"}
    )
    api.error(
        "POST",
        "/companies",
        400,
        json={"company_name": "B", "custom_fields": [{"id": contact_field["id"], "content": 1}]},
    )
    api.delete(f"/companies/model/customFields/{field['id']}")
    read = api.get(f"/companies/{company['id']}", params={"fields": "custom_fields"})
    assert read.get("custom_fields", []) == []


# -- tabs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds(TABS))
def test_tab_crud(api: V2, tenant: Tenant, kind: ModelType) -> None:
    base = f"/{kind.segment}/model/customFields/tabs"
    assert api.get(base) == {"tabs": []}
    first, second = _tab(api, kind, "Sales"), _tab(api, kind, "Billing")
    assert first == {
        "id": first["id"],
        "name": "Sales",
        "order": 1,
        "record_type": kind.record_type,
    }
    assert second["order"] == 2
    assert api.get(f"{base}/{first['id']}") == first
    moved = api.patch(
        f"{base}/{first['id']}",
        params={"update_mask": "name,order"},
        json={"name": "Deals", "order": 3},
    )
    assert (moved["name"], moved["order"]) == ("Deals", 3)
    assert [t["name"] for t in api.get(base)["tabs"]] == ["Billing", "Deals"]
    assert tenant.custom_field_tabs.get(int(first["id"])).name == "Deals"
    api.delete(f"{base}/{first['id']}")
    assert [t["id"] for t in api.get(base)["tabs"]] == [second["id"]]
    api.error("GET", f"{base}/{first['id']}", 404)


def test_tab_errors(api: V2, tenant: Tenant) -> None:
    base = "/companies/model/customFields/tabs"
    api.error("POST", base, 400, json={})
    api.error("POST", base, 400, json={"name": 5})
    tab = api.post(base, 201, json={"name": "Sales"})
    api.error("PATCH", f"{base}/{tab['id']}", 400, json={"name": "x"})  # update_mask required
    api.error("PATCH", f"{base}/{tab['id']}", 400, params={"update_mask": "name"}, json={})
    api.error(
        "PATCH", f"{base}/{tab['id']}", 400, params={"update_mask": "order"}, json={"order": "x"}
    )
    assert tenant.custom_field_tabs.get(int(tab["id"])).name == "Sales"
    # Another record type's tab is not found here.
    api.error("GET", f"/contacts/model/customFields/tabs/{tab['id']}", 404)
    api.error("DELETE", f"/contacts/model/customFields/tabs/{tab['id']}", 404)
    api.error("GET", f"{base}/abc", 404)


def test_a_tab_with_groups_is_not_deleted(api: V2, tenant: Tenant) -> None:
    tab = api.post("/notes/model/customFields/tabs", 201, json={"name": "T"})
    group = api.post(
        "/notes/model/customFields/groups", 201, json={"name": "G", "tab_id": tab["id"]}
    )
    api.error("DELETE", f"/notes/model/customFields/tabs/{tab['id']}", 409)
    assert int(tab["id"]) in tenant.custom_field_tabs
    api.delete(f"/notes/model/customFields/groups/{group['id']}")
    api.delete(f"/notes/model/customFields/tabs/{tab['id']}")


# -- groups -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds(GROUPS))
def test_group_crud(api: V2, tenant: Tenant, kind: ModelType) -> None:
    base = f"/{kind.segment}/model/customFields/groups"
    assert api.get(base) == {"groups": []}
    # Without a tab_id a group goes to the record type's default 'Custom Fields' tab.
    loose = _group(api, kind, "Loose")
    tabs = api.get(f"/{kind.segment}/model/customFields/tabs")["tabs"]
    assert [t["name"] for t in tabs] == ["Custom Fields"] and loose["tab_id"] == tabs[0]["id"]
    tab = _tab(api, kind, "Sales")
    placed = _group(api, kind, "Placed", tab_id=tab["id"])
    assert placed == {
        "id": placed["id"],
        "name": "Placed",
        "order": 2,
        "tab_id": tab["id"],
        "record_type": kind.record_type,
    }
    assert api.get(f"{base}/{placed['id']}") == placed
    assert [g["id"] for g in api.get(base)["groups"]] == [loose["id"], placed["id"]]
    assert [g["id"] for g in api.get(base, params={"tab_id": tab["id"]})["groups"]] == [
        placed["id"]
    ]
    moved = api.patch(
        f"{base}/{loose['id']}",
        params={"update_mask": "name,tab_id,order"},
        json={"name": "Moved", "tab_id": tab["id"], "order": 5},
    )
    assert (moved["name"], moved["tab_id"], moved["order"]) == ("Moved", tab["id"], 5)
    assert tenant.custom_field_groups.get(int(loose["id"])).tab_id == int(tab["id"])
    api.delete(f"{base}/{loose['id']}")
    api.error("GET", f"{base}/{loose['id']}", 404)
    assert [g["id"] for g in api.get(base)["groups"]] == [placed["id"]]


def test_group_errors(api: V2, tenant: Tenant) -> None:
    base = "/orders/model/customFields/groups"
    other_tab = api.post("/contacts/model/customFields/tabs", 201, json={"name": "C"})
    api.error("POST", base, 400, json={})
    api.error("POST", base, 400, json={"name": "G", "tab_id": "999"})
    api.error("POST", base, 400, json={"name": "G", "tab_id": other_tab["id"]})
    api.error("GET", base, 400, params={"tab_id": "abc"})
    group = api.post(base, 201, json={"name": "G"})
    path = f"{base}/{group['id']}"
    api.error("PATCH", path, 400, json={"name": "x"})  # update_mask required
    api.error("PATCH", path, 400, params={"update_mask": "tab_id"}, json={"tab_id": "999"})
    api.error(
        "PATCH", path, 400, params={"update_mask": "tab_id"}, json={"tab_id": other_tab["id"]}
    )
    assert tenant.custom_field_groups.get(int(group["id"])).name == "G"
    api.error("GET", f"/subscriptions/model/customFields/groups/{group['id']}", 404)


def test_a_group_with_fields_is_not_deleted(api: V2, tenant: Tenant) -> None:
    group = api.post("/contacts/model/customFields/groups", 201, json={"name": "G"})
    field = api.post(
        "/contacts/model/customFields",
        201,
        json={"label": "X", "field_type": "TEXT", "group_id": group["id"]},
    )
    api.error("DELETE", f"/contacts/model/customFields/groups/{group['id']}", 409)
    assert int(group["id"]) in tenant.custom_field_groups
    api.delete(f"/contacts/model/customFields/{field['id']}")
    api.delete(f"/contacts/model/customFields/groups/{group['id']}")


# -- the rest of keapsim on these routes ------------------------------------------------------
def _layout(api: V2) -> dict[str, str]:
    tab = api.post("/companies/model/customFields/tabs", 201, json={"name": "Account"})
    group = api.post(
        "/companies/model/customFields/groups", 201, json={"name": "Main", "tab_id": tab["id"]}
    )
    field = api.post(
        "/companies/model/customFields",
        201,
        json={"label": "Industry", "field_type": "TEXT", "group_id": group["id"]},
    )
    return {"tab": tab["id"], "group": group["id"], "field": field["id"]}


def test_a_snapshot_keeps_tabs_groups_and_fields(api: V2, sim: Simulator) -> None:
    ids = _layout(api)
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(json.dumps(dump_state(sim))))
    with fresh.client() as client:
        restored = V2(client)
        model = restored.get("/companies/model")["custom_fields"]
        assert [(f["id"], f["group_name"]) for f in model] == [(ids["field"], "Main")]
        groups = restored.get("/companies/model/customFields/groups")["groups"]
        assert [(g["id"], g["tab_id"]) for g in groups] == [(ids["group"], ids["tab"])]
        again = restored.post("/companies/model/customFields/tabs", 201, json={"name": "Next"})
        assert int(again["id"]) == int(ids["tab"]) + 1  # ids keep growing where they were


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _layout(api)
    sim.reset(tenant.id)
    for store in ("custom_fields", "custom_field_tabs", "custom_field_groups"):
        assert tenant.store(store) == {}, store
    assert api.get("/companies/model/customFields/tabs") == {"tabs": []}


def test_journal_faults_and_events_apply(api: V2, sim: Simulator, tenant: Tenant) -> None:
    events: list[str] = []
    tenant.events.subscribe(lambda event: events.append(event.event_key))
    tab = api.post("/orders/model/customFields/tabs", 201, json={"name": "T"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == (
        "POST",
        "/crm/rest/v2/orders/model/customFields/tabs",
        201,
    )
    assert json.loads(entry.response_body) == tab
    api.delete(f"/orders/model/customFields/tabs/{tab['id']}")
    assert events == ["customFieldTab.add", "customFieldTab.delete"]
    sim.faults.add(
        method="POST",
        path="/crm/rest/v2/orders/model/customFields/groups",
        canned="bad_request",
        times=1,
    )
    response = api.raw("POST", "/orders/model/customFields/groups", json={"name": "G"})
    assert response.status_code == 400 and tenant.custom_field_groups == {}

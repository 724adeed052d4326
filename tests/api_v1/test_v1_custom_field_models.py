"""Custom-field models of every record type in v1 (``GET /<type>/model``,
``POST /<type>/model/customFields``), one implementation with v2's: a field created in one
version is in the other's model. Success bodies are validated against the v1 document."""

from __future__ import annotations

from typing import Any

import pytest

from keapsim.api.custom_models import CREATE, MODEL, MODEL_TYPES, ModelType
from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V1


def _kinds(operation: str) -> list[Any]:
    return [pytest.param(k, id=k.segment) for k in MODEL_TYPES if operation in k.v1]


@pytest.mark.parametrize("kind", _kinds(MODEL))
def test_model_lists_the_record_types_fields(api: V1, tenant: Tenant, kind: ModelType) -> None:
    assert api.get(f"/{kind.segment}/model")["custom_fields"] == []
    other = "COMPANY" if kind.record_type != "COMPANY" else "CONTACT"
    tenant.custom_fields.create("Elsewhere", "Text", record_type=other)
    mine = tenant.custom_fields.create(
        "Size", "Radio", [{"label": "S"}], record_type=kind.record_type
    )
    model = api.get(f"/{kind.segment}/model")
    assert model["custom_fields"] == [
        {
            "id": mine.id,
            "label": "Size",
            "field_type": "Radio",
            "field_name": "Size",
            "record_type": kind.record_type,
            "options": [{"id": "1", "label": "S"}],
            "default_value": None,  # sent as null (captured model, keap-facts.md §9.3)
        }
    ]
    assert isinstance(model["optional_properties"], list)


def test_optional_properties_are_the_adapters_own(api: V1) -> None:
    assert "custom_fields" in api.get("/contacts/model")["optional_properties"]
    assert api.get("/companies/model")["optional_properties"] == [
        "notes",
        "fax_number",
        "custom_fields",
    ]
    assert api.get("/opportunities/model")["optional_properties"] == ["custom_fields"]


@pytest.mark.parametrize("kind", _kinds(CREATE))
def test_create_field_stores_it_for_the_record_type(
    api: V1, tenant: Tenant, kind: ModelType
) -> None:
    group = tenant.custom_field_groups.add(kind.record_type, "Main", None)
    created = api.post(
        f"/{kind.segment}/model/customFields",
        201,
        json={
            "label": "Due Window",
            "field_type": "Dropdown",
            "options": [{"label": "AM"}, {"label": "PM"}],
            "group_id": group.id,
        },
    )
    assert created["record_type"] == kind.record_type and created["field_type"] == "Dropdown"
    assert created["field_name"] == "DueWindow"
    assert created["options"] == [{"id": "1", "label": "AM"}, {"id": "2", "label": "PM"}]
    stored = tenant.custom_fields.get(created["id"])
    assert (stored.record_type, stored.group_id) == (kind.record_type, group.id)
    assert api.get(f"/{kind.segment}/model")["custom_fields"] == [created]


@pytest.mark.parametrize(
    "body",
    [
        {"field_type": "Text"},
        {"label": "x", "field_type": "TEXT"},
        {"label": "x", "field_type": "Text", "group_id": 999},
        {"label": "x", "field_type": "Text", "options": "AM"},
    ],
)
def test_invalid_field_bodies_are_400_and_store_nothing(
    api: V1, tenant: Tenant, body: dict[str, Any]
) -> None:
    api.error("POST", "/tasks/model/customFields", 400, json=body)
    assert tenant.custom_fields.list() == []


def test_tasks_notes_and_appointments_share_one_model_in_both_versions(
    api: V1, sim: Simulator
) -> None:
    created = api.post(
        "/appointments/model/customFields", 201, json={"label": "Room", "field_type": "Text"}
    )
    for segment in ("tasks", "notes", "appointments"):
        assert [f["id"] for f in api.get(f"/{segment}/model")["custom_fields"]] == [created["id"]]
    with sim.client() as client:
        v2_model = client.get("/v2/notes/model").json()
    assert [f["id"] for f in v2_model["custom_fields"]] == [str(created["id"])]


def test_a_company_field_made_in_v2_is_usable_in_v1_company_writes(api: V1, sim: Simulator) -> None:
    with sim.client() as client:
        response = client.post(
            "/v2/companies/model/customFields", json={"label": "Tier", "field_type": "TEXT"}
        )
    assert response.status_code == 201
    field_id = int(response.json()["id"])
    assert [f["id"] for f in api.get("/companies/model")["custom_fields"]] == [field_id]
    company = api.post(
        "/companies",
        201,
        json={"company_name": "Acme", "custom_fields": [{"id": field_id, "content": "Gold"}]},
    )
    read = api.get(f"/companies/{company['id']}", params={"optional_properties": "custom_fields"})
    assert read["custom_fields"] == [{"id": field_id, "content": "Gold"}]

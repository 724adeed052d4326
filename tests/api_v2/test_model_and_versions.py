"""The contact model and custom fields (§4.7), one store seen through v1 and v2, and the
error envelope of routes and methods that do not exist."""

from __future__ import annotations

import httpx
import pytest

from keapsim.api.openapi import implemented_operations
from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2, email_contact


def test_create_custom_field_translates_the_field_type(
    api: V2, tenant: Tenant, v1: httpx.Client
) -> None:
    created = api.post(
        "/contacts/model/customFields",
        201,
        json={
            "label": "Favourite Colour",
            "field_type": "DROPDOWN",
            "options": [{"label": "Red"}, {"label": "Blue"}],
        },
    )
    assert created["field_type"] == "DROPDOWN" and created["record_type"] == "CONTACT"
    assert [o["label"] for o in created["options"]] == ["Red", "Blue"]
    assert tenant.custom_fields.get(int(created["id"])).field_type == "Dropdown"
    api.post(
        "/contacts/model/customFields", 201, json={"label": "Renewal", "field_type": "DATE_TIME"}
    )
    model = api.get("/contacts/model")
    assert [f["field_type"] for f in model["custom_fields"]] == ["DROPDOWN", "DATE_TIME"]
    assert model["custom_fields"][0] == created
    # v1 sees the same field in its own spelling.
    v1_model = v1.get("/v1/contacts/model").json()
    assert [f["field_type"] for f in v1_model["custom_fields"]] == ["Dropdown", "DateTime"]


@pytest.mark.parametrize(
    "body",
    [
        {"field_type": "TEXT"},
        {"label": "x"},
        {"label": "x", "field_type": "Text"},
        {"label": "x", "field_type": "TEXT", "options": "Red"},
        {"label": "x", "field_type": "TEXT", "group_id": "abc"},
        {"label": 3, "field_type": "TEXT"},
    ],
)
def test_invalid_custom_field_bodies_are_400(api: V2, tenant: Tenant, body: dict) -> None:
    api.error("POST", "/contacts/model/customFields", 400, json=body)
    assert tenant.custom_fields.list() == []


def test_custom_field_values_and_filter(api: V2) -> None:
    field = api.post(
        "/contacts/model/customFields", 201, json={"label": "Shirt Size", "field_type": "TEXT"}
    )
    small = api.post(
        "/contacts",
        201,
        json=email_contact(
            "s@example.com", custom_fields=[{"id": field["id"], "content": "Small"}]
        ),
    )
    api.post(
        "/contacts",
        201,
        json=email_contact(
            "l@example.com", custom_fields=[{"id": field["id"], "content": "Large"}]
        ),
    )
    assert small["custom_fields"] == [{"id": field["id"], "content": "Small"}]
    # Filters take the field_name, case-insensitively (v2 document).
    for expression in ("ShirtSize==small", "shirtsize==Sm*"):
        hits = api.get("/contacts", params={"filter": expression})
        assert [c["id"] for c in hits["contacts"]] == [small["id"]]
    # PATCH replaces the custom field list wholesale.
    cleared = api.patch(f"/contacts/{small['id']}", json={"custom_fields": []})
    assert cleared["custom_fields"] == [{"id": field["id"], "content": None}]


def test_one_contact_seen_through_v1_and_v2(api: V2, v1: httpx.Client, tenant: Tenant) -> None:
    lead_source = tenant.lead_sources.create("Referral")
    created = api.post(
        "/contacts",
        201,
        json=email_contact(
            "both@example.com",
            given_name="Bo",
            birth_date="1990-05-06",
            leadsource_id=str(lead_source.id),
            source_type="LANDING_PAGE",
            social_accounts=[{"name": "bo", "type": "LINKED_IN"}],
            addresses=[{"field": "SHIPPING", "region_code": "US-CA", "country_code": "USA"}],
        ),
    )
    seen_by_v1 = v1.get(
        f"/v1/contacts/{created['id']}",
        params={"optional_properties": "lead_source_id,birthday,source_type,social_accounts"},
    ).json()
    assert seen_by_v1["id"] == int(created["id"])
    assert seen_by_v1["birthday"].startswith("1990-05-06")
    assert seen_by_v1["lead_source_id"] == lead_source.id
    assert seen_by_v1["source_type"] == "LANDINGPAGE"
    assert seen_by_v1["social_accounts"] == [{"name": "bo", "type": "LinkedIn"}]
    assert seen_by_v1["addresses"][0]["region"] == "California"

    response = v1.patch(f"/v1/contacts/{created['id']}", json={"family_name": "Th"})
    assert response.status_code == 200
    seen_by_v2 = api.get(f"/contacts/{created['id']}")
    assert seen_by_v2["family_name"] == "Th" and seen_by_v2["given_name"] == "Bo"
    assert seen_by_v2["addresses"][0]["region_code"] == "US-CA"

    tag = api.post("/tags", 201, json={"name": "Both"})
    api.post(f"/tags/{tag['id']}/contacts:applyTags", json={"contact_ids": [created["id"]]})
    assert v1.get(f"/v1/contacts/{created['id']}").json()["tag_ids"] == [int(tag["id"])]

    listed = v1.get("/v1/contacts", params={"email": "both@example.com"}).json()
    assert [c["id"] for c in listed["contacts"]] == [int(created["id"])]
    assert v1.delete(f"/v1/contacts/{created['id']}").status_code == 204
    api.error("GET", f"/contacts/{created['id']}", 404)


def test_a_v1_created_contact_reads_in_v2_spelling(api: V2, v1: httpx.Client) -> None:
    response = v1.post(
        "/v1/contacts",
        json={
            "email_addresses": [{"email": "old@example.com", "field": "EMAIL1"}],
            "opt_in_reason": "Customer opted in",
            "source_type": "FORMAPIINTERNAL",
            "anniversary": "2001-02-03",
        },
    )
    assert response.status_code == 201
    body = api.get(f"/contacts/{response.json()['id']}")
    assert body["source_type"] == "FORM_API_INTERNAL" and body["anniversary_date"] == "2001-02-03"
    assert body["email_addresses"][0]["is_opt_in"] is True


def test_unknown_routes_and_methods_answer_in_the_v2_envelope(api: V2) -> None:
    assert api.error("GET", "/no/such/thing", 404)["status"] == "NOT_FOUND"
    assert api.error("PUT", "/contacts/1", 405)["status"] == "METHOD_NOT_ALLOWED"
    api.error("POST", "/contacts:frobnicate", 404, json={})


def test_every_v2_route_is_an_operation_of_the_official_document(sim: Simulator) -> None:
    """keapsim's /v2/openapi.json keeps the document's operations that have a route; each
    route must find its operation (custom methods such as ``:applyTags`` included)."""
    routes = implemented_operations(sim.app.flask_app.url_map, "/crm/rest/v2")
    with sim.client() as client:
        described = client.get("/v2/openapi.json").json()["paths"]
    operations = {
        (m, p)
        for p, item in described.items()
        for m in item
        if m in ("get", "post", "patch", "delete", "put")
    }
    assert len(operations) == len(routes)
    assert ("post", "/rest/v2/tags/{tag_id}/contacts:applyTags") in operations
    assert (
        "post",
        "/rest/v2/campaigns/{campaign_id}/sequences/{sequence_id}:addContacts",
    ) in operations

"""v1 companies (create, get, patch, list) and a tag's companies: status, shape (every success
body validated against the official v1 document by the client), and the effect on the store."""

from __future__ import annotations

from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.custom_fields import COMPANY

from .helpers import UNCONVERTIBLE, V1

FULL = {
    "company_name": "Acme Ltd",
    "email_address": "hello@acme.example",
    "opt_in_reason": "Signed up at the fair",
    "phone_number": {"number": "555-0100", "extension": "12", "type": "Work"},
    "fax_number": {"number": "555-0101", "type": "Work"},
    "address": {
        "line1": "1 Main St",
        "line2": "Suite 2",
        "locality": "Phoenix",
        "region": "AZ",
        "country_code": "USA",
        "zip_code": "85001",
        "zip_four": "1234",
    },
    "notes": "Key account",
    "website": "https://acme.example",
}


def company(api: V1, name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
    return api.post("/companies", 201, json={"company_name": name, **fields})


def test_create_answers_201_with_every_field_and_stores_the_company(
    api: V1, tenant: Tenant
) -> None:
    created = api.post("/companies", 201, json=FULL)
    assert isinstance(created["id"], int)
    assert created["company_name"] == "Acme Ltd"
    assert created["email_address"] == "hello@acme.example"
    # An opt-in reason makes the address marketable.
    assert created["email_opted_in"] is True
    assert created["email_status"] == "UnengagedMarketable"
    assert created["phone_number"] == {"number": "555-0100", "extension": "12", "type": "Work"}
    assert created["fax_number"] == {"number": "555-0101", "type": "Work"}
    # Keap stores a region by its full name (keap-facts.md §3.1).
    assert created["address"]["region"] == "Arizona"
    assert created["notes"] == "Key account" and created["custom_fields"] == []
    stored = tenant.companies.get(created["id"])
    assert stored.company_name == "Acme Ltd" and stored.opt_in_reason == "Signed up at the fair"
    assert stored.created_by == stored.last_updated_by == tenant.users.account_owner().id


def test_an_email_without_opt_in_is_not_marketable(api: V1) -> None:
    created = company(api, email_address="x@acme.example")
    assert created["email_opted_in"] is False
    assert created["email_status"] == "UnengagedNonMarketable"
    assert "email_status" not in company(api, "No Mail")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "company_name is required"),
        ({"company_name": ""}, "company_name is required"),
        ({"company_name": 7}, UNCONVERTIBLE),
        ({"company_name": "A", "address": "Main St"}, UNCONVERTIBLE),
        ({"company_name": "A", "address": {"line1": 5}}, UNCONVERTIBLE),
        ({"company_name": "A", "phone_number": {"number": 5550100}}, UNCONVERTIBLE),
        ({"company_name": "A", "custom_fields": {"id": 1}}, UNCONVERTIBLE),
        ({"company_name": "A", "custom_fields": [{"id": 99, "content": "x"}]}, None),
        (
            {"company_name": "A", "address": {"region": "AZ"}},
            "COUNTRY CODE needed if Region Exists",
        ),
        ({"company_name": "A", "address": {"region": "Nowhere", "country_code": "USA"}}, None),
    ],
)
def test_invalid_creates_are_400_and_store_nothing(
    api: V1, tenant: Tenant, body: dict[str, Any], message: str | None
) -> None:
    api.error("POST", "/companies", 400, message, json=body)
    assert tenant.companies == {}


def test_get_leaves_out_notes_fax_and_custom_fields_unless_asked(api: V1, tenant: Tenant) -> None:
    field = tenant.custom_fields.create("Industry", "Text", record_type=COMPANY)
    created = api.post(
        "/companies", 201, json={**FULL, "custom_fields": [{"id": field.id, "content": "Tools"}]}
    )
    plain = api.get(f"/companies/{created['id']}")
    assert {"notes", "fax_number", "custom_fields"}.isdisjoint(plain)
    assert plain["address"] == created["address"]
    asked = api.get(
        f"/companies/{created['id']}", params={"optional_properties": "notes,custom_fields"}
    )
    assert asked["notes"] == "Key account" and "fax_number" not in asked
    assert asked["custom_fields"] == [{"id": field.id, "content": "Tools"}]


def test_get_of_an_unknown_company_is_404(api: V1) -> None:
    api.error("GET", "/companies/999", 404, "Unable to find this Company")
    api.error("GET", "/companies/abc", 404)


def test_patch_changes_only_the_values_given(api: V1, tenant: Tenant, sim: Simulator) -> None:
    created = api.post("/companies", 201, json=FULL)
    sim.clock.advance(60)
    patched = api.patch(
        f"/companies/{created['id']}", json={"website": "https://new.example", "notes": None}
    )
    assert patched["website"] == "https://new.example"
    assert "notes" not in patched
    assert patched["company_name"] == "Acme Ltd" and patched["address"] == created["address"]
    stored = tenant.companies.get(created["id"])
    assert stored.website == "https://new.example" and stored.notes is None
    assert stored.update_time > stored.create_time


def test_patch_refuses_a_blank_name_and_unknown_ids(api: V1, tenant: Tenant) -> None:
    created = company(api)
    api.error("PATCH", f"/companies/{created['id']}", 400, json={"company_name": None})
    api.error("PATCH", f"/companies/{created['id']}", 400, UNCONVERTIBLE, json=[1])
    api.error("PATCH", "/companies/404", 404, json={"notes": "x"})
    assert tenant.companies.get(created["id"]).company_name == "Acme Ltd"


def test_clearing_the_email_clears_its_opt_in(api: V1) -> None:
    created = api.post("/companies", 201, json=FULL)
    cleared = api.patch(f"/companies/{created['id']}", json={"email_address": None})
    assert "email_address" not in cleared and "email_status" not in cleared
    again = api.patch(f"/companies/{created['id']}", json={"email_address": "a@acme.example"})
    assert again["email_opted_in"] is False


def test_list_pages_filters_by_name_and_orders(api: V1) -> None:
    for name, email in (("beta", "b@x.example"), ("Alpha", "z@x.example"), ("gamma", None)):
        company(api, name, **({"email_address": email} if email else {}))
    listed = api.get("/companies")
    assert [c["company_name"] for c in listed["companies"]] == ["beta", "Alpha", "gamma"]
    assert listed["count"] == 3
    page = api.get("/companies", params={"limit": 2, "offset": 2})
    assert [c["company_name"] for c in page["companies"]] == ["gamma"]
    assert "offset=0" in page["previous"]
    by_name = api.get("/companies", params={"order": "name", "order_direction": "DESCENDING"})
    assert [c["company_name"] for c in by_name["companies"]] == ["gamma", "beta", "Alpha"]
    by_email = api.get("/companies", params={"order": "email"})
    assert [c["company_name"] for c in by_email["companies"]] == ["beta", "Alpha", "gamma"]
    newest = api.get(
        "/companies", params={"order": "date_created", "order_direction": "DESCENDING"}
    )
    assert [c["company_name"] for c in newest["companies"]] == ["gamma", "Alpha", "beta"]
    named = api.get("/companies", params={"company_name": "ALPHA"})
    assert [c["company_name"] for c in named["companies"]] == ["Alpha"] and named["count"] == 1
    api.error("GET", "/companies", 400, params={"order": "website"})
    api.error("GET", "/companies", 400, params={"order_direction": "UP"})


def test_list_items_carry_optional_properties_when_asked(api: V1) -> None:
    api.post("/companies", 201, json=FULL)
    item = api.get("/companies")["companies"][0]
    assert "notes" not in item and "fax_number" not in item
    asked = api.get("/companies", params={"optional_properties": "fax_number"})["companies"][0]
    assert asked["fax_number"] == FULL["fax_number"]


def test_a_tags_companies(api: V1, tenant: Tenant) -> None:
    tag = api.tag("Partner")
    first, second = company(api, "First"), company(api, "Second", email_address="s@x.example")
    empty = api.get(f"/tags/{tag['id']}/companies")
    assert empty["companies"] == [] and empty["count"] == 0
    tenant.companies.apply_tag(second["id"], tag["id"])
    tenant.companies.apply_tag(first["id"], tag["id"])
    listed = api.get(f"/tags/{tag['id']}/companies")
    assert [c["company"] for c in listed["companies"]] == [
        {"id": first["id"], "company_name": "First", "email": ""},  # "" (keap-facts.md §9.2)
        {"id": second["id"], "company_name": "Second", "email": "s@x.example"},
    ]
    assert all(c["date_applied"].endswith("+0000") for c in listed["companies"])
    assert api.get(f"/tags/{tag['id']}/companies", params={"limit": 1})["count"] == 2
    api.error("GET", "/tags/999/companies", 404)


def test_company_custom_fields_stay_off_contacts(api: V1, tenant: Tenant) -> None:
    company_field = tenant.custom_fields.create("Industry", "Text", record_type=COMPANY)
    contact_field = tenant.custom_fields.create("Nickname", "Text")
    api.error(
        "POST",
        "/companies",
        400,
        json={"company_name": "A", "custom_fields": [{"id": contact_field.id, "content": "x"}]},
    )
    api.error(
        "POST",
        "/contacts",
        400,
        json={
            "email_addresses": [{"email": "a@x.example", "field": "EMAIL1"}],
            "custom_fields": [{"id": company_field.id, "content": "x"}],
        },
    )
    contact = api.contact("c@x.example")
    shown = api.get(f"/contacts/{contact['id']}", params={"optional_properties": "custom_fields"})
    assert [f["id"] for f in shown["custom_fields"]] == [contact_field.id]
    model = api.get("/contacts/model")
    assert [f["id"] for f in model["custom_fields"]] == [contact_field.id]


def test_deleting_a_custom_field_drops_its_company_values(api: V1, tenant: Tenant) -> None:
    field = tenant.custom_fields.create("Industry", "Text", record_type=COMPANY)
    created = company(api, custom_fields=[{"id": field.id, "content": "Tools"}])
    assert tenant.companies.get(created["id"]).custom_fields == {field.id: "Tools"}
    tenant.custom_fields.delete(field.id)
    assert tenant.companies.get(created["id"]).custom_fields == {}


def test_writes_raise_company_events(api: V1, tenant: Tenant) -> None:
    seen: list[tuple[str, str, int]] = []
    unsubscribe = tenant.events.subscribe(
        lambda e: seen.append((e.event_key, e.object_type, e.object_id))
    )
    try:
        created = company(api)
        api.patch(f"/companies/{created['id']}", json={"notes": "n"})
        api.error("PATCH", f"/companies/{created['id']}", 400, json={"company_name": ""})
    finally:
        unsubscribe()
    assert seen == [
        ("company.add", "company", created["id"]),
        ("company.edit", "company", created["id"]),
    ]

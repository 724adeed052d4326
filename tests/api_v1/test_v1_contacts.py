from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import UNCONVERTIBLE, V1

HIDDEN_BY_DEFAULT = ("lead_source_id", "custom_fields", "job_title")


def email(address: str, field: str = "EMAIL1") -> list[dict[str, str]]:
    return [{"email": address, "field": field}]


# -- create / get / delete ---------------------------------------------------------------------
def test_create_returns_201_with_the_full_contact(api: V1) -> None:
    created = api.contact(
        "ada@example.com",
        given_name="Ada",
        family_name="Lovelace",
        job_title="Analyst",
        phone_numbers=[{"number": "555-0100", "field": "PHONE1", "type": "Work"}],
        addresses=[
            {
                "field": "BILLING",
                "line1": "1 Main St",
                "region": "AZ",
                "country_code": "USA",
                "zip_code": "85001",
            }
        ],
    )
    assert isinstance(created["id"], int)
    assert created["given_name"] == "Ada"
    assert created["email_addresses"] == [{"email": "ada@example.com", "field": "EMAIL1"}]
    assert created["phone_numbers"][0]["number"] == "555-0100"
    assert "job_title" not in created  # writes answer the default properties (§9.1)
    assert _with_job_title(api, created["id"])["job_title"] == "Analyst"
    assert created["tag_ids"] == []
    assert created["date_created"].endswith("+0000")


def test_get_leaves_out_optional_properties_unless_asked(api: V1) -> None:
    ident = api.contact(job_title="Analyst", given_name="Ada")["id"]
    plain = api.get(f"/contacts/{ident}")
    for name in HIDDEN_BY_DEFAULT:
        assert name not in plain
    assert plain["given_name"] == "Ada"
    full = api.get(f"/contacts/{ident}", params={"optional_properties": "job_title,custom_fields"})
    assert full["job_title"] == "Analyst"
    assert full["custom_fields"] == []
    assert "lead_source_id" not in full  # not set, so left out like every empty value


def test_post_never_deduplicates(api: V1, tenant: Tenant) -> None:
    first = api.contact("same@example.com")
    second = api.contact("same@example.com")
    assert first["id"] != second["id"]
    assert [c.id for c in tenant.contacts.find_by_email("same@example.com")] == [
        first["id"],
        second["id"],
    ]


def test_delete_then_get_is_404(api: V1, tenant: Tenant) -> None:
    ident = api.contact()["id"]
    assert api.delete(f"/contacts/{ident}") is None
    assert not tenant.contacts.exists(ident)
    api.error("GET", f"/contacts/{ident}", 404, "Unable to find this Contact")
    api.error("DELETE", f"/contacts/{ident}", 404, "Unable to find this Contact")
    api.error("PATCH", f"/contacts/{ident}", 404, json={"given_name": "X"})


@pytest.mark.parametrize("ident", ["abc", "99999", "-1", "1" * 30])
def test_unknown_or_malformed_ids_are_404(api: V1, ident: str) -> None:
    api.error("GET", f"/contacts/{ident}", 404, "Unable to find this Contact")


# -- validation ----------------------------------------------------------------------------------
def test_contact_without_email_or_phone_is_400(api: V1) -> None:
    message = api.error("POST", "/contacts", 400, json={"given_name": "Nobody"})
    assert "e-mail address or phone number" in message


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'"a string"', b""],
)
def test_malformed_json_is_400_unconvertible(api: V1, content: bytes) -> None:
    api.error(
        "POST",
        "/contacts",
        400,
        UNCONVERTIBLE,
        content=content,
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    "body",
    [
        {"given_name": 5, "email_addresses": email("a@example.com")},
        {"email_addresses": "a@example.com"},
        {"email_addresses": [{"email": 7, "field": "EMAIL1"}]},
        {"owner_id": "me", "email_addresses": email("a@example.com")},
        {"birthday": "31/12/1990", "email_addresses": email("a@example.com")},
        {"custom_fields": {"1": "x"}, "email_addresses": email("a@example.com")},
        {"company": "Acme", "email_addresses": email("a@example.com")},
        {"time_zone": ["UTC"], "email_addresses": email("a@example.com")},
    ],
)
def test_wrong_types_are_400_unconvertible(api: V1, body: dict) -> None:
    api.error("POST", "/contacts", 400, UNCONVERTIBLE, json=body)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"email_addresses": email("a@example.com", "EMAIL9")}, "email_addresses.field"),
        ({"email_addresses": email("a@example.com"), "source_type": "FAX"}, "source_type"),
        ({"email_addresses": email("a@example.com"), "given_name": "x" * 41}, "given_name"),
        ({"email_addresses": email("x" * 70 + "@example.com")}, "EMAIL1"),
        (
            {
                "email_addresses": email("a@example.com"),
                "social_accounts": [{"name": "a", "type": "MySpace"}],
            },
            "social_accounts.type",
        ),
    ],
)
def test_enums_and_length_limits_are_400(api: V1, body: dict, fragment: str) -> None:
    assert fragment in api.error("POST", "/contacts", 400, json=body)


def test_region_needs_a_country_code(api: V1) -> None:
    body = {
        "email_addresses": email("a@example.com"),
        "addresses": [{"field": "BILLING", "region": "AZ"}],
    }
    api.error("POST", "/contacts", 400, "COUNTRY CODE needed if Region Exists", json=body)
    body["addresses"][0]["country_code"] = "USA"
    body["addresses"][0]["region"] = "Nowhere"
    api.error("POST", "/contacts", 400, "BILLING Region is invalid", json=body)


# -- create or update (PUT) ----------------------------------------------------------------------
def test_put_with_email_updates_the_match(api: V1, tenant: Tenant) -> None:
    original = api.contact("dup@example.com", given_name="Ada")
    updated = api.put(
        "/contacts",
        json={
            "email_addresses": email("DUP@example.com"),
            "family_name": "Lovelace",
            "duplicate_option": "Email",
        },
    )
    assert updated["id"] == original["id"]
    assert updated["given_name"] == "Ada"  # kept: only the given values change
    assert updated["family_name"] == "Lovelace"
    assert len(tenant.contacts) == 1


def test_put_with_email_and_name_creates_when_the_name_differs(api: V1, tenant: Tenant) -> None:
    original = api.contact("dup@example.com", given_name="Ada")
    other = api.put(
        "/contacts",
        json={
            "email_addresses": email("dup@example.com"),
            "given_name": "Grace",
            "duplicate_option": "EmailAndName",
        },
    )
    assert other["id"] != original["id"]
    same = api.put(
        "/contacts",
        json={
            "email_addresses": email("dup@example.com"),
            "given_name": "ada",
            "job_title": "Countess",
            "duplicate_option": "EmailAndName",
        },
    )
    assert same["id"] == original["id"]
    # Writes answer the default properties only (keap-facts.md §9.1); job_title is optional.
    assert "job_title" not in same
    assert _with_job_title(api, same["id"])["job_title"] == "Countess"
    assert len(tenant.contacts) == 2


def test_put_accepts_the_older_company_option(api: V1, tenant: Tenant) -> None:
    api.contact("dup@example.com", given_name="Ada")
    created = api.put(
        "/contacts",
        json={
            "email_addresses": email("dup@example.com"),
            "given_name": "Ada",
            "duplicate_option": "EmailAndNameAndCompany",
        },
    )
    # The company record is absent on both sides, so (as in Keap) nothing matches.
    assert len(tenant.contacts) == 2
    assert created["id"] == max(tenant.contacts)


def test_put_rejects_an_unknown_duplicate_option(api: V1) -> None:
    message = api.error(
        "PUT",
        "/contacts",
        400,
        json={"email_addresses": email("a@example.com"), "duplicate_option": "Phone"},
    )
    assert "duplicate_option" in message


# -- PATCH -----------------------------------------------------------------------------------------
def test_patch_with_update_mask_changes_only_masked_fields(api: V1, tenant: Tenant) -> None:
    ident = api.contact(given_name="Ada", family_name="Byron")["id"]
    patched = api.patch(
        f"/contacts/{ident}",
        params={"update_mask": "family_name"},
        json={"given_name": "Ignored", "family_name": "Lovelace"},
    )
    assert (patched["given_name"], patched["family_name"]) == ("Ada", "Lovelace")
    stored = tenant.contacts.get(ident)
    assert (stored.given_name, stored.family_name) == ("Ada", "Lovelace")
    assert api.get(f"/contacts/{ident}")["family_name"] == "Lovelace"


def test_patch_without_mask_changes_every_given_field(api: V1) -> None:
    ident = api.contact(given_name="Ada")["id"]
    patched = api.patch(
        f"/contacts/{ident}", json={"given_name": "Augusta", "job_title": "Countess"}
    )
    assert patched["given_name"] == "Augusta"
    assert "job_title" not in patched  # writes answer the default properties (§9.1)
    assert _with_job_title(api, ident)["job_title"] == "Countess"


def test_patch_rejects_an_unknown_mask(api: V1) -> None:
    ident = api.contact()["id"]
    assert "update_mask" in api.error(
        "PATCH", f"/contacts/{ident}", 400, params={"update_mask": "shoe_size"}, json={}
    )


def test_patch_cannot_remove_the_last_email_and_phone(api: V1) -> None:
    ident = api.contact()["id"]
    api.error("PATCH", f"/contacts/{ident}", 400, json={"email_addresses": []})


# -- list ------------------------------------------------------------------------------------------
def make_people(api: V1) -> list[int]:
    people = [
        ("Ada", "Lovelace"),
        ("Grace", "Hopper"),
        ("Alan", "Turing"),
        ("Edsger", "Dijkstra"),
        ("Barbara", "Liskov"),
    ]
    return [
        api.contact(f"{g.lower()}@example.com", given_name=g, family_name=f)["id"]
        for g, f in people
    ]


def test_list_pages_with_count_next_and_previous(api: V1) -> None:
    ids = make_people(api)
    page = api.get("/contacts", params={"limit": 2, "offset": 2})
    assert [c["id"] for c in page["contacts"]] == ids[2:4]
    assert page["count"] == 5  # all matches, not the page size
    assert page["next"].startswith("http://keapsim.local/crm/rest/v1/contacts")
    query = parse_qs(urlsplit(page["next"]).query)
    assert (query["limit"], query["offset"]) == (["2"], ["4"])
    assert parse_qs(urlsplit(page["previous"]).query)["offset"] == ["0"]
    following = api.get(page["next"].split("/crm/rest/v1", 1)[1])
    assert [c["id"] for c in following["contacts"]] == ids[4:]


def test_next_keeps_the_filters(api: V1) -> None:
    make_people(api)
    page = api.get("/contacts", params={"limit": 1, "order": "email"})
    assert parse_qs(urlsplit(page["next"]).query)["order"] == ["email"]


def test_list_items_leave_out_full_contact_fields(api: V1) -> None:
    api.contact(opt_in_reason="Signed up", job_title="Analyst")
    item = api.get("/contacts")["contacts"][0]
    for name in ("opt_in_reason", "origin", "relationships", *HIDDEN_BY_DEFAULT):
        assert name not in item
    assert item["tag_ids"] == []  # list items carry tag_ids (captured, keap-facts.md §9.1)
    with_props = api.get("/contacts", params={"optional_properties": "job_title"})
    assert with_props["contacts"][0]["job_title"] == "Analyst"


def test_list_filters(api: V1) -> None:
    ids = make_people(api)
    by_email = api.get("/contacts", params={"email": "GRACE@example.com"})
    assert [c["id"] for c in by_email["contacts"]] == [ids[1]]
    assert by_email["count"] == 1
    by_name = api.get("/contacts", params={"given_name": "alan", "family_name": "Turing"})
    assert [c["id"] for c in by_name["contacts"]] == [ids[2]]
    assert api.get("/contacts", params={"given_name": "Nobody"})["count"] == 0


def test_list_orders(api: V1) -> None:
    ids = make_people(api)
    by_first = api.get("/contacts", params={"order": "firstName"})
    assert [c["given_name"] for c in by_first["contacts"]] == [
        "Ada",
        "Alan",
        "Barbara",
        "Edsger",
        "Grace",
    ]
    desc = api.get("/contacts", params={"order": "id", "order_direction": "DESCENDING"})
    assert [c["id"] for c in desc["contacts"]] == ids[::-1]
    by_name = api.get("/contacts", params={"order": "name"})
    assert by_name["contacts"][0]["family_name"] == "Dijkstra"


def test_list_since_and_until_use_last_updated(api: V1, sim: Simulator) -> None:
    old = api.contact("old@example.com")["id"]
    sim.clock.advance(3600)
    new = api.contact("new@example.com")["id"]
    cut = api.get(f"/contacts/{new}")["last_updated"]
    assert [c["id"] for c in api.get("/contacts", params={"since": cut})["contacts"]] == [new]
    before = api.get("/contacts", params={"until": "2000-01-01T00:00:00.000Z"})
    assert before["count"] == 0
    assert api.get("/contacts", params={"until": cut})["count"] == 2
    assert api.get("/contacts", params={"since": "2000-01-01"})["count"] == 2  # a bare date
    assert old in [c["id"] for c in api.get("/contacts")["contacts"]]


@pytest.mark.parametrize(
    "params",
    [
        {"order": "shoe_size"},
        {"order_direction": "UP"},
        {"limit": "many"},
        {"offset": "-3"},
        {"since": "yesterday"},
        {"limit": "0"},
    ],
)
def test_bad_list_parameters_are_400(api: V1, params: dict) -> None:
    api.error("GET", "/contacts", 400, params=params)


# -- model and custom fields ----------------------------------------------------------------------
def test_custom_field_create_model_and_values(api: V1) -> None:
    field = api.post(
        "/contacts/model/customFields",
        201,
        json={
            "label": "Favourite colour",
            "field_type": "Dropdown",
            "options": [{"label": "Red"}, {"label": "Blue"}],
        },
    )
    assert field["field_type"] == "Dropdown"
    assert field["record_type"] == "CONTACT"
    assert [o["label"] for o in field["options"]] == ["Red", "Blue"]
    model = api.get("/contacts/model")
    assert [f["id"] for f in model["custom_fields"]] == [field["id"]]
    assert "custom_fields" in model["optional_properties"]

    ident = api.contact(custom_fields=[{"id": field["id"], "content": "Blue"}])["id"]
    got = api.get(f"/contacts/{ident}", params={"optional_properties": "custom_fields"})
    assert got["custom_fields"] == [{"id": field["id"], "content": "Blue"}]
    # The document types content as an object; Keap sends the plain value (a listed defect).
    assert any(d.path == "/v1/contacts/{id}" for d in api.defects_used)


@pytest.mark.parametrize(
    "body",
    [
        {"label": "X", "field_type": "Colour"},
        {"field_type": "Text"},
        {"label": "X", "field_type": "Text", "options": "Red"},
        {"label": "X", "field_type": "Text", "group_id": "g"},
    ],
)
def test_custom_field_validation(api: V1, body: dict) -> None:
    api.error("POST", "/contacts/model/customFields", 400, json=body)


def test_unknown_custom_field_id_is_400(api: V1) -> None:
    api.error(
        "POST",
        "/contacts",
        400,
        json={
            "email_addresses": email("a@example.com"),
            "custom_fields": [{"id": 42, "content": "x"}],
        },
    )


# -- routing --------------------------------------------------------------------------------------
def test_unknown_route_and_method_answer_json(api: V1) -> None:
    api.error("GET", "/no/such/thing", 404)
    api.error("PUT", "/contacts/model", 405)


def _with_job_title(api: V1, ident: int) -> dict[str, Any]:
    return api.get(f"/contacts/{ident}", params={"optional_properties": "job_title"})

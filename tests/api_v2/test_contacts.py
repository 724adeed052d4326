"""v2 contacts: create/upsert, get, PATCH with update_mask, DELETE, list with filter, order_by
and page tokens (keap-facts.md §4.1)."""

from __future__ import annotations

from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Table, Tenant

from .helpers import V2, email_contact

FULL_CONTACT: dict[str, Any] = {
    "given_name": "Ann",
    "family_name": "Lee",
    "job_title": "CTO",
    "birth_date": "1985-03-15",
    "anniversary_date": "2015-06-20",
    "source_type": "FORM_API_HOSTED",
    "email_addresses": [
        {"email": "ann@example.com", "field": "EMAIL1", "opt_in_reason": "signed up"},
        {"email": "ann@work.example", "field": "EMAIL2"},
    ],
    "phone_numbers": [{"number": "555-0100", "field": "PHONE1", "type": "Mobile"}],
    "addresses": [
        {
            "field": "BILLING",
            "line1": "1 Main St",
            "locality": "Phoenix",
            "region_code": "US-AZ",
            "country_code": "USA",
            "zip_code": "85001",
        }
    ],
    "social_accounts": [
        {"name": "annlee", "type": "LINKED_IN"},
        {"name": "annvids", "type": "YOUTUBE"},
    ],
    "utm_parameters": {"keap_source_id": "form-7", "utm_source": "google"},
    "origin": {"ip_address": "192.0.2.1"},
}


def test_create_returns_201_in_v2_shape_and_stores_v1_names(api: V2, tenant: Tenant) -> None:
    lead_source = tenant.lead_sources.create("Google")
    body = api.post("/contacts", 201, json={**FULL_CONTACT, "leadsource_id": str(lead_source.id)})

    assert isinstance(body["id"], str)
    assert body["birth_date"] == "1985-03-15" and body["anniversary_date"] == "2015-06-20"
    assert body["source_type"] == "FORM_API_HOSTED"
    assert body["leadsource_id"] == str(lead_source.id)
    assert {s["type"] for s in body["social_accounts"]} == {"LINKED_IN", "YOUTUBE"}
    address = body["addresses"][0]
    assert address["region_code"] == "US-AZ" and address["region"] == "Arizona"
    assert address["country_code"] == "USA"
    first, second = body["email_addresses"]
    assert first["is_opt_in"] is True and first["email_opt_status"] == "UNENGAGED_MARKETABLE"
    assert second["is_opt_in"] is False
    assert second["email_opt_status"] == "UNENGAGED_NON_MARKETABLE"
    assert body["utm_parameters"] == [{"keapSourceId": "form-7", "utmSource": "google"}]
    assert body["origin"]["ip_address"] == "192.0.2.1"
    assert body["tag_ids"] == [] and body["create_time"] == body["update_time"]

    stored = tenant.contacts.get(int(body["id"]))
    assert stored.birthday == "1985-03-15" and stored.anniversary == "2015-06-20"
    assert stored.source_type == "FORMAPIHOSTED"
    assert stored.lead_source_id == lead_source.id
    assert {s["type"] for s in stored.social_accounts} == {"LinkedIn", "YouTube"}
    assert stored.addresses[0]["region"] == "Arizona"
    assert stored.opt_in_reason == "signed up"


def test_create_without_duplicate_option_always_creates(api: V2, tenant: Tenant) -> None:
    first = api.post("/contacts", 201, json=email_contact("same@example.com"))
    second = api.post("/contacts", 201, json=email_contact("SAME@example.com"))
    assert first["id"] != second["id"]
    assert len(tenant.contacts.find_by_email("same@example.com")) == 2


def test_duplicate_option_updates_with_200_or_creates_with_201(api: V2, tenant: Tenant) -> None:
    created = api.post(
        "/contacts",
        201,
        params={"duplicate_option": "Email"},
        json=email_contact("dup@example.com", given_name="Dee"),
    )
    updated = api.post(
        "/contacts",
        200,
        params={"duplicate_option": "Email"},
        json=email_contact("Dup@Example.com", family_name="Smith"),
    )
    assert updated["id"] == created["id"]
    assert updated["given_name"] == "Dee" and updated["family_name"] == "Smith"
    assert len(tenant.contacts) == 1

    other_name = api.post(
        "/contacts",
        201,
        params={"duplicate_option": "EmailAndName"},
        json=email_contact("dup@example.com", given_name="Other", family_name="Smith"),
    )
    assert other_name["id"] != created["id"]
    same_name = api.post(
        "/contacts",
        200,
        params={"duplicate_option": "EmailAndName"},
        json=email_contact(
            "dup@example.com", given_name="dee", family_name="smith", job_title="CEO"
        ),
    )
    assert same_name["id"] == created["id"] and same_name["job_title"] == "CEO"


def test_unknown_duplicate_option_is_400(api: V2) -> None:
    api.error(
        "POST",
        "/contacts",
        400,
        params={"duplicate_option": "Name"},
        json=email_contact("x@example.com"),
    )


def test_guide_profile_rejects_a_duplicate_email_on_plain_create() -> None:
    sim = Simulator(throttle=False, profile="guide")
    with sim.client() as client:
        api = V2(client)
        first = api.post("/contacts", 201, json=email_contact("g@example.com"))
        body = api.error("POST", "/contacts", 409, json=email_contact("G@example.com"))
        assert body["status"] == "ALREADY_EXISTS"
        assert body["details"][0]["resource"] == first["id"]
        assert len(sim.tenant().contacts) == 1
        # The explicit upsert still updates.
        api.post(
            "/contacts",
            200,
            params={"duplicate_option": "Email"},
            json=email_contact("g@example.com", given_name="G"),
        )


def test_get_contact_and_fields_selection(api: V2) -> None:
    created = api.post("/contacts", 201, json=FULL_CONTACT)
    assert api.get(f"/contacts/{created['id']}") == created
    narrow = api.get(f"/contacts/{created['id']}", params={"fields": "given_name,tag_ids"})
    assert narrow == {"id": created["id"], "given_name": "Ann", "tag_ids": []}
    api.error("GET", f"/contacts/{created['id']}", 400, params={"fields": "shoe_size"})
    # A bad ``fields`` is rejected before anything changes.
    api.error(
        "PATCH",
        f"/contacts/{created['id']}",
        400,
        params={"fields": "shoe_size"},
        json={"given_name": "Changed"},
    )
    assert api.get(f"/contacts/{created['id']}")["given_name"] == "Ann"


@pytest.mark.parametrize("ident", ["999", "abc", "-1", "1.5", "99999999999999999999999"])
def test_unknown_or_non_numeric_contact_id_is_404(api: V2, ident: str) -> None:
    body = api.error("GET", f"/contacts/{ident}", 404)
    assert body["status"] == "NOT_FOUND"
    api.error("PATCH", f"/contacts/{ident}", 404, json={"given_name": "X"})
    api.error("DELETE", f"/contacts/{ident}", 404)


def test_patch_changes_given_properties_and_replaces_collections(
    api: V2, tenant: Tenant, sim: Simulator
) -> None:
    created = api.post("/contacts", 201, json=FULL_CONTACT)
    sim.clock.advance(5)
    patched = api.patch(
        f"/contacts/{created['id']}",
        json={
            "given_name": "Annie",
            "phone_numbers": [{"number": "555-0199", "field": "PHONE2"}],
            "email_addresses": [{"email": "annie@example.com", "field": "EMAIL1"}],
        },
    )
    assert patched["given_name"] == "Annie" and patched["family_name"] == "Lee"
    assert [p["number"] for p in patched["phone_numbers"]] == ["555-0199"]
    assert [e["email"] for e in patched["email_addresses"]] == ["annie@example.com"]
    assert patched["update_time"] > created["update_time"]
    assert patched["create_time"] == created["create_time"]
    # The email index follows the replacement.
    assert tenant.contacts.find_by_email("ann@work.example") == []
    assert [c.id for c in tenant.contacts.find_by_email("annie@example.com")] == [
        int(created["id"])
    ]

    cleared = api.patch(f"/contacts/{created['id']}", json={"social_accounts": []})
    assert "social_accounts" not in cleared or cleared["social_accounts"] == []


def test_patch_with_update_mask_touches_only_masked_properties(api: V2) -> None:
    created = api.post("/contacts", 201, json=FULL_CONTACT)
    patched = api.patch(
        f"/contacts/{created['id']}",
        params={"update_mask": "family_name,birth_date"},
        json={
            "given_name": "Ignored",
            "family_name": "Park",
            "birth_date": "1990-01-02",
            "job_title": "Ignored",
        },
    )
    assert patched["given_name"] == "Ann" and patched["job_title"] == "CTO"
    assert patched["family_name"] == "Park" and patched["birth_date"] == "1990-01-02"
    api.error(
        "PATCH",
        f"/contacts/{created['id']}",
        400,
        params={"update_mask": "shoe_size"},
        json={"given_name": "X"},
    )


def test_patch_cannot_remove_every_email_and_phone(api: V2) -> None:
    created = api.post("/contacts", 201, json=email_contact("only@example.com"))
    api.error("PATCH", f"/contacts/{created['id']}", 400, json={"email_addresses": []})


def test_delete_is_204_then_404(api: V2, tenant: Tenant) -> None:
    created = api.post("/contacts", 201, json=email_contact("bye@example.com"))
    api.delete(f"/contacts/{created['id']}")
    assert tenant.contacts.find_by_email("bye@example.com") == []
    api.error("GET", f"/contacts/{created['id']}", 404)
    api.error("DELETE", f"/contacts/{created['id']}", 404)


# -- listing ----------------------------------------------------------------------------------
def _seed(api: V2, sim: Simulator) -> list[dict[str, Any]]:
    people = [
        ("Mary", "Smith", "mary@a.example"),
        ("Mark", "Smithers", "mark@b.example"),
        ("Zoe", "Adams", "zoe@a.example"),
        ("Martin", "Jones", "martin@c.example"),
        ("Amy", "Smith", "amy@b.example"),
    ]
    created = []
    for given, family, email in people:
        created.append(
            api.post(
                "/contacts", 201, json=email_contact(email, given_name=given, family_name=family)
            )
        )
        sim.clock.advance(10)
    return created


def test_list_pages_with_next_page_token(api: V2, sim: Simulator) -> None:
    created = _seed(api, sim)
    first = api.get("/contacts", params={"page_size": 2})
    assert [c["id"] for c in first["contacts"]] == [c["id"] for c in created[:2]]
    assert first["next_page_token"]
    everything = api.all_pages("/contacts", "contacts", 2)
    assert [c["id"] for c in everything] == [c["id"] for c in created]
    last = api.get("/contacts", params={"page_size": 5})
    assert "next_page_token" not in last and len(last["contacts"]) == 5
    # page_size 0 means the default page.
    assert len(api.get("/contacts", params={"page_size": 0})["contacts"]) == 5


@pytest.mark.parametrize(
    "params",
    [{"page_size": 1001}, {"page_size": -1}, {"page_size": "ten"}, {"page_token": "not-a-token"}],
)
def test_bad_paging_parameters_are_400(api: V2, params: dict[str, Any]) -> None:
    api.error("GET", "/contacts", 400, params=params)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("email==mary@a.example", ["Mary"]),
        ("email==MARY@A.EXAMPLE", ["Mary"]),
        ("email==ma*", ["Mary", "Mark", "Martin"]),
        ("given_name==Mar*", ["Mary", "Mark", "Martin"]),
        ("given_name==mark", ["Mark"]),
        ("family_name==Smith", ["Mary", "Amy"]),
        ("family_name==Smith*", ["Mary", "Mark", "Amy"]),
        ("given_name==Mar*;family_name==Smith*", ["Mary", "Mark"]),
        ("given_name==Mar*;family_name==Smith*;", ["Mary", "Mark"]),
        ("ids==1,3", ["Mary", "Zoe"]),
        ("contact_ids==2,5", ["Mark", "Amy"]),
        ("contact_id>3", ["Martin", "Amy"]),
        ("contact_id<=2", ["Mary", "Mark"]),
        ("email==nobody@example.com", []),
    ],
)
def test_list_filters(api: V2, sim: Simulator, expression: str, expected: list[str]) -> None:
    _seed(api, sim)
    body = api.get("/contacts", params={"filter": expression})
    assert [c["given_name"] for c in body["contacts"]] == expected


def test_update_time_window_filter(api: V2, sim: Simulator) -> None:
    created = _seed(api, sim)
    api.patch(f"/contacts/{created[0]['id']}", json={"job_title": "Late"})
    since = created[3]["update_time"]
    body = api.get("/contacts", params={"filter": f"start_update_time=={since}"})
    assert [c["given_name"] for c in body["contacts"]] == ["Mary", "Martin", "Amy"]
    until = created[1]["update_time"]
    body = api.get("/contacts", params={"filter": f"end_update_time=={until}"})
    assert [c["given_name"] for c in body["contacts"]] == ["Mark"]


def test_exact_email_filter_uses_the_email_index(
    api: V2, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(api, sim)

    def no_scan(self: Table, test: object = None) -> list:
        raise AssertionError("an exact email lookup must not scan every contact")

    monkeypatch.setattr(Table, "scan", no_scan)
    body = api.get("/contacts", params={"filter": "email==zoe@a.example"})
    assert [c["given_name"] for c in body["contacts"]] == ["Zoe"]


@pytest.mark.parametrize(
    "expression",
    [
        "shoe_size==9",
        "given_name~=Mary",
        "given_name>Mary",
        "start_update_time==yesterday",
        "start_update_time==2025-01-01T00:00:00",
        "ids==1,x",
        "contact_id>0",
        "phone_number==555",
        "justtext",
    ],
)
def test_bad_filters_are_400(api: V2, expression: str) -> None:
    body = api.error("GET", "/contacts", 400, params={"filter": expression})
    assert body["status"] == "INVALID_ARGUMENT"


def test_phone_filter_needs_phone_fields(api: V2) -> None:
    api.post("/contacts", 201, json={"phone_numbers": [{"number": "555-0101", "field": "PHONE2"}]})
    hits = api.get("/contacts", params={"filter": "phone_number==555-0101;phone_fields==PHONE2"})
    misses = api.get("/contacts", params={"filter": "phone_number==555-0101;phone_fields==PHONE1"})
    assert len(hits["contacts"]) == 1 and misses["contacts"] == []


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("email", ["Amy", "Mark", "Martin", "Mary", "Zoe"]),
        ("email desc", ["Zoe", "Mary", "Martin", "Mark", "Amy"]),
        ("create_time desc", ["Amy", "Martin", "Zoe", "Mark", "Mary"]),
        ("id asc", ["Mary", "Mark", "Zoe", "Martin", "Amy"]),
        ("update_time", ["Mark", "Zoe", "Martin", "Amy", "Mary"]),
    ],
)
def test_order_by(api: V2, sim: Simulator, order_by: str, expected: list[str]) -> None:
    created = _seed(api, sim)
    api.patch(f"/contacts/{created[0]['id']}", json={"job_title": "Touched"})
    body = api.get("/contacts", params={"order_by": order_by})
    assert [c["given_name"] for c in body["contacts"]] == expected


@pytest.mark.parametrize("order_by", ["name", "email sideways", "email asc extra", "+"])
def test_bad_order_by_is_400(api: V2, order_by: str) -> None:
    api.error("GET", "/contacts", 400, params={"order_by": order_by})


def test_paging_keeps_the_order(api: V2, sim: Simulator) -> None:
    _seed(api, sim)
    names = [
        c["given_name"] for c in api.all_pages("/contacts", "contacts", 2, order_by="email desc")
    ]
    assert names == ["Zoe", "Mary", "Martin", "Mark", "Amy"]


# -- input errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_malformed_body_is_400(api: V2, content: bytes) -> None:
    api.error(
        "POST", "/contacts", 400, content=content, headers={"Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    "body",
    [
        {"given_name": 5, **email_contact("t@example.com")},
        {"leadsource_id": "abc", **email_contact("t@example.com")},
        {"owner_id": True, **email_contact("t@example.com")},
        {"source_type": "FORMAPIHOSTED", **email_contact("t@example.com")},
        {"social_accounts": [{"type": "LinkedIn"}], **email_contact("t@example.com")},
        {"email_addresses": "t@example.com"},
        {"email_addresses": [{"email": "t@example.com", "field": "EMAIL9"}]},
        {"given_name": "No Contact Info"},
        {
            "addresses": [{"field": "BILLING", "region": "Arizona"}],
            **email_contact("t@example.com"),
        },
        {
            "addresses": [{"field": "BILLING", "region_code": "US-ZZ", "country_code": "USA"}],
            **email_contact("t@example.com"),
        },
        {"custom_fields": [{"id": "77", "content": "x"}], **email_contact("t@example.com")},
        {"utm_parameters": {"utm_source": "google"}, **email_contact("t@example.com")},
        {"birth_date": "15/03/1985", **email_contact("t@example.com")},
        {"given_name": "x" * 41, **email_contact("t@example.com")},
        {"company": "Acme", **email_contact("t@example.com")},
    ],
)
def test_invalid_contact_bodies_are_400(api: V2, tenant: Tenant, body: dict[str, Any]) -> None:
    api.error("POST", "/contacts", 400, json=body)
    assert tenant.contacts == {}

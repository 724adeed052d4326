"""v2 contact link types (declared), links, ``contacts:merge`` and lead score: status, shape
(validated against swagger.yml by the client) and state effect."""

from __future__ import annotations

from typing import Any

from keapsim.store import Tenant

from .helpers import V2, email_contact


def contact(api: V2, email: str, **fields: Any) -> str:
    return api.post("/contacts", 201, json=email_contact(email, **fields))["id"]


def link_type(api: V2, name: str = "Spouse", max_links: int = 1) -> dict[str, Any]:
    return api.post("/contacts/links/types", 201, json={"name": name, "max_links": max_links})


def test_link_type_crud(api: V2, tenant: Tenant) -> None:
    created = link_type(api, "Spouse", 1)
    assert created["name"] == "Spouse" and created["max_links"] == 1 and created["create_time"]
    other = link_type(api, "Colleague", 5)
    listed = api.get("/contacts/links/types", params={"order_by": "name asc"})
    assert [t["name"] for t in listed["contact_link_types"]] == ["Colleague", "Spouse"]
    assert api.get("/contacts/links/types", params={"filter": "name==Spouse"})[
        "contact_link_types"
    ] == [created]
    updated = api.patch(
        f"/contacts/links/types/{other['id']}",
        params={"update_mask": "max_links"},
        json={"name": "ignored", "max_links": 3},
    )
    assert updated["name"] == "Colleague" and updated["max_links"] == 3
    api.delete(f"/contacts/links/types/{other['id']}")
    assert [t.name for t in tenant.contact_link_types.values()] == ["Spouse"]
    api.error("POST", "/contacts/links/types", 400, json={"max_links": 1})
    api.error("POST", "/contacts/links/types", 400, json={"name": "X", "max_links": 0})


def test_link_list_and_unlink(api: V2, tenant: Tenant) -> None:
    ann, bob = contact(api, "ann@example.com"), contact(api, "bob@example.com")
    spouse = link_type(api)["id"]
    body = {"contact1_id": ann, "contact2_id": bob, "link_type_id": spouse}
    link = api.post("/contacts:link", 201, json=body)
    assert link == {**body, "link_type_name": "Spouse"}
    assert api.get(f"/contacts/{bob}/links") == {"links": [link]}
    api.error("POST", "/contacts:link", 409, json=body)  # already linked
    api.post("/contacts:unlink", 204, json={**body, "contact1_id": bob, "contact2_id": ann})
    assert tenant.contact_links == {}
    assert api.get(f"/contacts/{ann}/links") == {"links": []}
    api.error("POST", "/contacts:unlink", 404, json=body)


def test_link_rules(api: V2, tenant: Tenant) -> None:
    ann, bob, cy = (contact(api, f"{n}@example.com") for n in ("ann", "bob", "cy"))
    spouse = link_type(api)["id"]
    api.post(
        "/contacts:link", 201, json={"contact1_id": ann, "contact2_id": bob, "link_type_id": spouse}
    )
    # max_links 1: Ann cannot have a second spouse.
    api.error(
        "POST",
        "/contacts:link",
        409,
        json={"contact1_id": ann, "contact2_id": cy, "link_type_id": spouse},
    )
    for bad in (
        {"contact1_id": ann, "contact2_id": ann, "link_type_id": spouse},
        {"contact1_id": ann, "contact2_id": "999", "link_type_id": spouse},
        {"contact1_id": ann, "contact2_id": cy, "link_type_id": "999"},
        {"contact1_id": ann, "contact2_id": cy},
    ):
        api.error("POST", "/contacts:link", 400, json=bad)
    # A type in use cannot be deleted, nor its max_links lowered below what a contact has.
    api.error("DELETE", f"/contacts/links/types/{spouse}", 409)
    colleague = link_type(api, "Colleague", 2)["id"]
    for other in (bob, cy):
        api.post(
            "/contacts:link",
            201,
            json={"contact1_id": ann, "contact2_id": other, "link_type_id": colleague},
        )
    api.error("PATCH", f"/contacts/links/types/{colleague}", 409, json={"max_links": 1})
    assert len(tenant.contact_links) == 3
    api.delete(f"/contacts/{cy}")
    assert len(tenant.contact_links) == 2
    api.error("GET", "/contacts/999/links", 404)


def test_merge_moves_tags_notes_files_and_links_then_deletes_the_duplicate(
    api: V2, tenant: Tenant
) -> None:
    primary = contact(api, "ann@example.com", given_name="Ann")
    duplicate = contact(
        api,
        "ann.old@example.com",
        given_name="Annie",
        family_name="Smith",
        phone_numbers=[{"number": "555-0100", "field": "PHONE1"}],
    )
    # A second address of the duplicate's goes to a slot the primary lacks.
    tenant.contacts.update(
        int(duplicate),
        {
            "email_addresses": [
                {"email": "ann@example.com", "field": "EMAIL1"},
                {"email": "ann.work@example.com", "field": "EMAIL2"},
            ]
        },
    )
    tag = api.post("/tags", 201, json={"name": "VIP"})["id"]
    api.post(f"/tags/{tag}/contacts:applyTags", 200, json={"contact_ids": [duplicate]})
    note = tenant.notes.create(int(duplicate), title="Called", body="About the order")
    stored = tenant.files.create(
        "cv.pdf", b"%PDF", association="CONTACT", contact_id=int(duplicate)
    )
    friend = contact(api, "bob@example.com")
    spouse = link_type(api)["id"]
    api.post(
        "/contacts:link",
        201,
        json={"contact1_id": duplicate, "contact2_id": friend, "link_type_id": spouse},
    )

    merged = api.post(
        "/contacts:merge", json={"contact_id": primary, "duplicate_contact_id": duplicate}
    )

    assert merged["id"] == primary
    assert merged["given_name"] == "Ann"  # the primary's value wins
    assert merged["family_name"] == "Smith"  # a field the primary lacked is filled
    assert [e["email"] for e in merged["email_addresses"]] == [
        "ann@example.com",
        "ann.work@example.com",
    ]
    assert [p["number"] for p in merged["phone_numbers"]] == ["555-0100"]
    assert not tenant.contacts.exists(int(duplicate))
    assert tenant.tags.ids_of(int(primary)) == [int(tag)]
    assert tenant.notes.get(note.id).contact_id == int(primary)
    assert tenant.files.get(stored.id).contact_id == int(primary)
    assert [(k.contact1_id, k.contact2_id) for k in tenant.contact_links.values()] == [
        (int(primary), int(friend))
    ]


def test_merge_errors(api: V2, tenant: Tenant) -> None:
    ann = contact(api, "ann@example.com")
    api.error("POST", "/contacts:merge", 400, json={"contact_id": ann, "duplicate_contact_id": ann})
    api.error(
        "POST", "/contacts:merge", 404, json={"contact_id": ann, "duplicate_contact_id": "999"}
    )
    api.error("POST", "/contacts:merge", 400, json={"contact_id": ann})
    assert tenant.contacts.exists(int(ann))


def test_lead_score(api: V2, tenant: Tenant) -> None:
    ann = contact(api, "ann@example.com")
    body = api.get(f"/contacts/{ann}/leadScore")
    assert body["score"] == "0" and body["last_updated"]
    tenant.contacts.set_lead_score(int(ann), 4)
    assert api.get(f"/contacts/{ann}/leadScore")["score"] == "4"
    api.error("GET", "/contacts/999/leadScore", 404)

from __future__ import annotations

import pytest

from keapsim.store import Tenant

from .helpers import UNCONVERTIBLE, V1


# -- notes -----------------------------------------------------------------------------------------
def test_note_lifecycle(api: V1, tenant: Tenant) -> None:
    contact = api.contact()["id"]
    user = tenant.users.create("rep@example.com", "Rita", "Rep", status="Active")
    note = api.post(
        "/notes",
        201,
        json={
            "contact_id": contact,
            "title": "Call back",
            "body": "Tuesday",
            "type": "Call",
            "user_id": user.id,
        },
    )
    assert (note["title"], note["body"], note["type"]) == ("Call back", "Tuesday", "Call")
    assert note["last_updated_by"] == {
        "user_id": user.id,
        "given_name": "Rita",
        "family_name": "Rep",
    }
    assert api.get(f"/notes/{note['id']}") == note

    patched = api.patch(f"/notes/{note['id']}", json={"body": "Wednesday"})
    assert (patched["title"], patched["body"]) == ("Call back", "Wednesday")
    assert tenant.notes.get(note["id"]).body == "Wednesday"

    replaced = api.put(f"/notes/{note['id']}", json={"contact_id": contact, "title": "New"})
    assert replaced["title"] == "New"
    for cleared in ("body", "type", "user_id"):
        assert cleared not in replaced

    api.delete(f"/notes/{note['id']}")
    api.error("GET", f"/notes/{note['id']}", 404, "Unable to find this Note")
    api.error("DELETE", f"/notes/{note['id']}", 404, "Unable to find this Note")
    assert tenant.notes.list_by() == []


def test_list_notes_filters_and_pages(api: V1, tenant: Tenant) -> None:
    ada, bob = api.contact("ada@example.com")["id"], api.contact("bob@example.com")["id"]
    user = tenant.users.create("rep@example.com", "Rita", status="Active")
    ids = [
        api.post("/notes", 201, json={"contact_id": c, "body": f"n{i}", **extra})["id"]
        for i, (c, extra) in enumerate([(ada, {}), (ada, {"user_id": user.id}), (bob, {})])
    ]
    assert [n["id"] for n in api.get("/notes", params={"contact_id": ada})["notes"]] == ids[:2]
    assert [n["id"] for n in api.get("/notes", params={"user_id": user.id})["notes"]] == [ids[1]]
    page = api.get("/notes", params={"limit": 1, "offset": 1})
    assert [n["id"] for n in page["notes"]] == [ids[1]] and page["count"] == 3
    api.error("GET", "/notes", 400, UNCONVERTIBLE, params={"contact_id": "ada"})


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"title": "x"}, "contact_id"),
        ({"contact_id": "CONTACT"}, None),
        ({"contact_id": "CONTACT", "type": "Telegram", "title": "x"}, "type"),
        ({"contact_id": "CONTACT", "title": 5}, None),
        ({"contact_id": 999, "title": "x"}, "Unable to find this Contact"),
        ({"contact_id": "CONTACT", "title": "x", "user_id": 999}, "User"),
    ],
)
def test_note_validation(api: V1, body: dict, fragment: str | None) -> None:
    contact = api.contact()["id"]
    body = {k: contact if v == "CONTACT" else v for k, v in body.items()}
    message = api.error("POST", "/notes", 400, json=body)
    if fragment:
        assert fragment in message


def test_note_update_validation(api: V1) -> None:
    contact = api.contact()["id"]
    note = api.post("/notes", 201, json={"contact_id": contact, "title": "x"})["id"]
    api.error("PATCH", f"/notes/{note}", 400, json={"type": "Telegram"})
    api.error("PATCH", f"/notes/{note}", 400, json={"title": None})  # neither title nor body
    api.error("PUT", f"/notes/{note}", 400, json={"title": "no contact"})
    api.error("PATCH", "/notes/999", 404, json={"title": "x"})


# -- users -----------------------------------------------------------------------------------------
def test_create_and_list_users(api: V1, tenant: Tenant) -> None:
    user = api.post(
        "/users", 201, json={"email": "new@example.com", "given_name": "Nia", "partner": True}
    )
    assert user["status"] == "Invited"
    assert user["email_address"] == "new@example.com"
    assert tenant.users.get(user["id"]).status == "Invited"
    owner = tenant.users.account_owner()
    listed = api.get("/users")
    assert [u["id"] for u in listed["users"]] == [owner.id, user["id"]]
    non_partners = api.get("/users", params={"include_partners": "false"})
    assert [u["id"] for u in non_partners["users"]] == [owner.id]
    api.error("POST", "/users", 400, json={"email": "new@example.com", "given_name": "Dup"})


@pytest.mark.parametrize(
    "body",
    [
        {"given_name": "No email"},
        {"email": "x@example.com"},
        {"email": 5, "given_name": "A"},
        {"email": "x@example.com", "given_name": "A", "admin": "yes"},
    ],
)
def test_create_user_validation(api: V1, body: dict) -> None:
    api.error("POST", "/users", 400, json=body)


def test_list_users_excludes_inactive_on_request(api: V1, tenant: Tenant) -> None:
    gone = tenant.users.create("gone@example.com", "Gone", status="Inactive")
    owner = tenant.users.account_owner()
    assert [u["id"] for u in api.get("/users")["users"]] == [owner.id, gone.id]
    active = api.get("/users", params={"include_inactive": "false"})["users"]
    assert [u["id"] for u in active] == [owner.id]
    api.error("GET", "/users", 400, UNCONVERTIBLE, params={"include_inactive": "maybe"})


def test_userinfo_is_the_account_owner(api: V1, tenant: Tenant) -> None:
    owner = tenant.users.account_owner()
    info = api.get("/oauth/connect/userinfo")
    assert info["is_admin"] is True
    assert (info["email"], info["given_name"], info["family_name"]) == (
        owner.email_address,
        owner.given_name,
        owner.family_name,
    )
    assert info["sub"] == str(info["global_user_id"]) == str(owner.global_user_id)
    assert api.get("/oauth/connect/userinfo") == info
    assert tenant.users.list() == [owner]


def test_userinfo_stays_the_owner_when_other_admins_exist(api: V1, tenant: Tenant) -> None:
    owner = tenant.users.account_owner()
    tenant.users.create("staff@example.com", "Sam", "Staff", status="Active")
    tenant.users.create("boss@example.com", "Bea", "Boss", admin=True, status="Active")
    info = api.get("/oauth/connect/userinfo")
    assert info["email"] == owner.email_address
    assert info["global_user_id"] == owner.global_user_id
    assert len(tenant.users.list()) == 3

"""v2 notes under contacts (§4.4), users (§4.5) and lead sources (§4.6)."""

from __future__ import annotations

import httpx
import pytest

from keapsim.simulator import Simulator
from keapsim.specs.validate import check_http_response
from keapsim.store import Tenant

from .helpers import V2, email_contact


@pytest.fixture
def owner(tenant: Tenant):
    """Every tenant has its account owner, the user a v2 note is written by here."""
    return tenant.users.account_owner()


@pytest.fixture
def contact_id(api: V2) -> str:
    return api.post("/contacts", 201, json=email_contact("ann@example.com"))["id"]


# -- notes ------------------------------------------------------------------------------------
def test_note_crud(api: V2, tenant: Tenant, sim: Simulator, owner, contact_id: str) -> None:
    created = api.post(
        f"/contacts/{contact_id}/notes",
        201,
        json={
            "user_id": str(owner.id),
            "title": "Called",
            "text": "Left a message",
            "type": "Call",
            "is_pinned": True,
        },
    )
    assert created["contact_id"] == contact_id and created["text"] == "Left a message"
    assert created["assigned_to_user"] == {
        "id": str(owner.id),
        "given_name": owner.given_name,
        "family_name": owner.family_name,
        "email_address": owner.email_address,
    }
    assert created["pinned_at"]
    stored = tenant.notes.get(int(created["id"]))
    assert (stored.body, stored.type, stored.pinned) == ("Left a message", "Call", True)
    path = f"/contacts/{contact_id}/notes/{created['id']}"
    assert api.get(path) == created

    sim.clock.advance(2)
    patched = api.patch(
        path, json={"user_id": str(owner.id), "text": "Call back Monday", "is_pinned": False}
    )
    assert patched["text"] == "Call back Monday" and patched["title"] == "Called"
    assert "pinned_at" not in patched and patched["update_time"] > created["update_time"]
    masked = api.patch(
        path,
        params={"update_mask": "title"},
        json={"user_id": str(owner.id), "title": "Callback", "text": "ignored"},
    )
    assert masked["title"] == "Callback" and masked["text"] == "Call back Monday"

    api.delete(path)
    assert int(created["id"]) not in tenant.notes
    api.error("GET", path, 404)
    api.error("DELETE", path, 404)


def test_note_belongs_to_its_contact(api: V2, owner, contact_id: str) -> None:
    other = api.post("/contacts", 201, json=email_contact("bob@example.com"))["id"]
    note = api.post(
        f"/contacts/{contact_id}/notes", 201, json={"user_id": str(owner.id), "title": "Mine"}
    )
    api.error("GET", f"/contacts/{other}/notes/{note['id']}", 404)
    api.error(
        "PATCH",
        f"/contacts/{other}/notes/{note['id']}",
        404,
        json={"user_id": str(owner.id), "title": "x"},
    )
    api.error("DELETE", f"/contacts/{other}/notes/{note['id']}", 404)
    assert api.get(f"/contacts/{other}/notes") == {"notes": []}


@pytest.mark.parametrize(
    "body",
    [
        {"title": "no user"},
        {"user_id": "1", "text": "neither title nor type"},
        {"user_id": "999", "title": "unknown user"},
        {"user_id": "abc", "title": "bad id"},
        {"user_id": "1", "title": "bad type", "type": "Carrier pigeon"},
        {"user_id": "1", "title": "bad pin", "is_pinned": "maybe"},
        {"user_id": "1", "title": 42},
    ],
)
def test_invalid_note_bodies_are_400(
    api: V2, tenant: Tenant, owner, contact_id: str, body: dict
) -> None:
    api.error("POST", f"/contacts/{contact_id}/notes", 400, json=body)
    assert tenant.notes == {}


def test_note_errors(api: V2, owner, contact_id: str) -> None:
    api.error("POST", "/contacts/999/notes", 404, json={"user_id": str(owner.id), "title": "x"})
    api.error("GET", "/contacts/999/notes", 404)
    note = api.post(
        f"/contacts/{contact_id}/notes", 201, json={"user_id": str(owner.id), "title": "x"}
    )
    path = f"/contacts/{contact_id}/notes/{note['id']}"
    api.error("PATCH", path, 400, json={"title": "no user"})
    api.error("PATCH", path, 400, params={"update_mask": "colour"}, json={"user_id": str(owner.id)})
    api.error("GET", f"/contacts/{contact_id}/notes/abc", 404)


def test_list_notes_filters_order_and_paging(
    api: V2, sim: Simulator, owner, contact_id: str
) -> None:
    other_user = sim.tenant().users.create("sam@example.com", "Sam")
    notes = []
    for title, user in (
        ("Follow up call", owner),
        ("Intro", other_user),
        ("Follow up email", owner),
        ("Quote sent", owner),
    ):
        notes.append(
            api.post(
                f"/contacts/{contact_id}/notes", 201, json={"user_id": str(user.id), "title": title}
            )
        )
        sim.clock.advance(1)

    def titles(**params: str) -> list[str]:
        return [
            n["title"] for n in api.get(f"/contacts/{contact_id}/notes", params=params)["notes"]
        ]

    assert titles() == ["Follow up call", "Intro", "Follow up email", "Quote sent"]
    assert titles(filter="title==Follow*") == ["Follow up call", "Follow up email"]
    assert titles(filter="title==up") == ["Follow up call", "Follow up email"]
    assert titles(filter=f"assigned_to_user_id=={other_user.id}") == ["Intro"]
    assert titles(filter=f"id>{notes[1]['id']}") == ["Follow up email", "Quote sent"]
    assert titles(filter=f"ids=={notes[0]['id']},{notes[3]['id']}") == [
        "Follow up call",
        "Quote sent",
    ]
    assert titles(filter=f"since_time=={notes[2]['create_time']}") == [
        "Follow up email",
        "Quote sent",
    ]
    assert titles(order_by="create_time desc") == [
        "Quote sent",
        "Follow up email",
        "Intro",
        "Follow up call",
    ]
    paged = api.all_pages(f"/contacts/{contact_id}/notes", "notes", 3)
    assert [n["id"] for n in paged] == [n["id"] for n in notes]
    for bad in (
        {"filter": "id==1;ids==1,2"},
        {"filter": "body==x"},
        {"order_by": "title"},
        {"filter": "since_time==later"},
    ):
        api.error("GET", f"/contacts/{contact_id}/notes", 400, params=bad)


# -- users ------------------------------------------------------------------------------------
def test_users(api: V2, tenant: Tenant) -> None:
    owner = tenant.users.account_owner().email_address
    ann = tenant.users.create("ann@example.com", "Ann", "Zed", status="Active", admin=True)
    bob = tenant.users.create("bob@example.com", "Bob", "Adams", partner=True)
    cat = tenant.users.create("cat@example.com", "Cat", "Moss", status="Inactive")
    body = api.get("/users")
    assert [u["id"] for u in body["users"]] == ["1", str(ann.id), str(bob.id), str(cat.id)]
    first = body["users"][0]
    assert first["status"] == "ACTIVE" and first["admin"] is True
    assert first["email_addresses"] == [{"email": owner, "field": "EMAIL1"}]
    assert api.get(f"/users/{bob.id}")["status"] == "INVITED"

    def emails(**params: str) -> list[str]:
        return [u["email_addresses"][0]["email"] for u in api.get("/users", params=params)["users"]]

    assert emails(filter="include_inactive==false") == [owner, "ann@example.com", "bob@example.com"]
    assert emails(filter="include_partners==false") == [owner, "ann@example.com", "cat@example.com"]
    assert emails(filter="given_name==bob") == ["bob@example.com"]
    assert emails(filter="email==cat@example.com") == ["cat@example.com"]
    assert emails(filter=f"user_ids=={ann.id},{cat.id}") == ["ann@example.com", "cat@example.com"]
    # by family name: Adams, Moss, Owner (the account owner), Zed
    by_name = ["bob@example.com", "cat@example.com", owner, "ann@example.com"]
    assert emails(order_by="name") == by_name
    assert emails(order_by="email desc")[0] == owner  # "owner@…" sorts after "cat@…"
    assert len(api.all_pages("/users", "users", 1)) == 4
    for bad in (
        {"page_size": 101},
        {"page_size": 0},
        {"filter": "family_name==Zed"},
        {"filter": "include_inactive==perhaps"},
        {"order_by": "id"},
    ):
        api.error("GET", "/users", 400, params=bad)
    api.error("GET", "/users/999", 404)
    api.error("GET", "/users/me", 404)


# -- userinfo ---------------------------------------------------------------------------------
@pytest.mark.parametrize("auth", ["api_key", "bearer"])
def test_userinfo_answers_for_the_account_owner(sim: Simulator, tenant: Tenant, auth: str) -> None:
    owner = tenant.users.account_owner()
    tenant.users.create("boss@example.com", "Bea", "Boss", admin=True, status="Active")
    with sim.client(auth=auth) as client:
        response = client.get("/v2/oauth/connect/userinfo")
    assert response.status_code == 200, response.text
    assert check_http_response("v2", response, prefix="/crm") == []
    assert response.json() == {
        "email": owner.email_address,
        "sub": str(owner.global_user_id),
        "id": str(owner.global_user_id),  # the document: "The global user identifier"
        "keap_id": owner.email_address,
        "family_name": owner.family_name,
        "given_name": owner.given_name,
        "is_admin": True,
        "tenant_id": tenant.id,
    }


def test_userinfo_follows_the_owner_and_agrees_with_v1(
    api: V2, v1: httpx.Client, tenant: Tenant
) -> None:
    owner = tenant.users.account_owner()
    tenant.users.update(owner.id, given_name="Olive", family_name="Owens")
    info = api.get("/oauth/connect/userinfo")
    assert (info["given_name"], info["family_name"]) == ("Olive", "Owens")
    legacy = v1.get("/v1/oauth/connect/userinfo").json()
    assert (legacy["email"], legacy["sub"]) == (info["email"], info["sub"])
    assert str(legacy["global_user_id"]) == info["id"]
    # v2 users carry both ids: the CRM user id (for notes) and the global one userinfo gives.
    (listed,) = api.get("/users", params={"filter": f"email=={info['email']}"})["users"]
    assert (listed["id"], listed["global_user_id"]) == (str(owner.id), info["id"])


# -- lead sources -----------------------------------------------------------------------------
def test_lead_source_crud(api: V2, tenant: Tenant) -> None:
    category = tenant.lead_source_categories.create("Paid")
    created = api.post(
        "/leadSources",
        201,
        json={
            "name": "Google Ads",
            "vendor": "Google",
            "medium": "CPC",
            "status": "ACTIVE",
            "lead_source_category_id": str(category.id),
            "start_time": "2025-01-01T00:00:00Z",
        },
    )
    assert created["lead_source_category_id"] == str(category.id)
    assert created["start_time"] == "2025-01-01T00:00:00.000Z"
    assert tenant.lead_sources.get(int(created["id"])).vendor == "Google"
    path = f"/leadSources/{created['id']}"
    assert api.get(path) == created

    patched = api.patch(path, json={"status": "INACTIVE", "message": "Paused"})
    assert patched["status"] == "INACTIVE" and patched["message"] == "Paused"
    assert patched["vendor"] == "Google"
    masked = api.patch(
        path, params={"update_mask": "medium"}, json={"medium": "Display", "vendor": "Ignored"}
    )
    assert masked["medium"] == "Display" and masked["vendor"] == "Google"

    api.delete(path)
    assert tenant.lead_sources.list() == []
    api.error("GET", path, 404)
    api.error("DELETE", path, 404)
    api.error("PATCH", path, 404, json={"name": "x"})


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "status": "PAUSED"},
        {"name": "x", "start_time": "soon"},
        {"name": "x", "lead_source_category_id": "77"},
        {"name": ["x"]},
    ],
)
def test_invalid_lead_source_bodies_are_400(api: V2, tenant: Tenant, body: dict) -> None:
    api.error("POST", "/leadSources", 400, json=body)
    assert tenant.lead_sources.list() == []


def test_list_lead_sources(api: V2) -> None:
    for name, status in (
        ("Google Ads", "ACTIVE"),
        ("Facebook", "INACTIVE"),
        ("Google Organic", "ACTIVE"),
    ):
        api.post("/leadSources", 201, json={"name": name, "status": status})

    def names(**params: str) -> list[str]:
        return [s["name"] for s in api.get("/leadSources", params=params)["lead_sources"]]

    assert names() == ["Google Ads", "Facebook", "Google Organic"]
    assert names(filter="name==google*") == ["Google Ads", "Google Organic"]
    assert names(filter="status==INACTIVE") == ["Facebook"]
    assert names(filter="id>=2") == ["Facebook", "Google Organic"]
    assert names(filter="id!=2") == ["Google Ads", "Google Organic"]
    assert names(order_by="name desc") == ["Google Organic", "Google Ads", "Facebook"]
    assert len(api.all_pages("/leadSources", "lead_sources", 2)) == 3
    # "Values that are zero, negative, or non-integer return a 400" (v2 document).
    for bad in ("id>0", "id==-3", "id==1.5", "colour==red"):
        api.error("GET", "/leadSources", 400, params={"filter": bad})

"""v2 tags, tag categories, contact tags and the :applyTags/:removeTags custom methods
(keap-facts.md §4.2)."""

from __future__ import annotations

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2, email_contact


def _contact(api: V2, email: str, **extra: str) -> str:
    return api.post("/contacts", 201, json=email_contact(email, **extra))["id"]


def test_tag_crud(api: V2, tenant: Tenant, sim: Simulator) -> None:
    category = api.post("/tags/categories", 201, json={"name": "Leads", "description": "d"})
    created = api.post(
        "/tags", 201, json={"name": "VIP", "description": "Top", "category": {"id": category["id"]}}
    )
    assert created["category"] == {"id": category["id"]} and isinstance(created["id"], str)
    assert tenant.tags.get(int(created["id"])).category_id == int(category["id"])
    assert api.get(f"/tags/{created['id']}") == created

    sim.clock.advance(3)
    renamed = api.patch(f"/tags/{created['id']}", json={"name": "Very VIP"})
    assert renamed["name"] == "Very VIP" and renamed["description"] == "Top"
    assert renamed["update_time"] > created["update_time"]
    masked = api.patch(
        f"/tags/{created['id']}",
        params={"update_mask": "description"},
        json={"name": "Ignored", "description": "New"},
    )
    assert masked["name"] == "Very VIP" and masked["description"] == "New"
    uncategorised = api.patch(f"/tags/{created['id']}", json={"category": None})
    assert "category" not in uncategorised

    api.delete(f"/tags/{created['id']}")
    assert int(created["id"]) not in tenant.tags
    api.error("GET", f"/tags/{created['id']}", 404)
    api.error("DELETE", f"/tags/{created['id']}", 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": 7},
        {"name": "x", "category": 3},
        {"name": "x", "category": {"id": "99"}},
        {"name": "x", "category": {"id": "abc"}},
    ],
)
def test_invalid_tag_bodies_are_400(api: V2, tenant: Tenant, body: dict) -> None:
    api.error("POST", "/tags", 400, json=body)
    assert tenant.tags == {}


def test_tag_errors(api: V2) -> None:
    tag = api.post("/tags", 201, json={"name": "T"})
    api.error("PATCH", f"/tags/{tag['id']}", 400, json={"name": ""})
    api.error(
        "PATCH", f"/tags/{tag['id']}", 400, params={"update_mask": "color"}, json={"name": "U"}
    )
    api.error("PATCH", "/tags/nope", 404, json={"name": "U"})
    api.error("GET", "/tags/123456", 404)


def test_list_tags_filters_order_and_paging(api: V2, sim: Simulator) -> None:
    category = api.post("/tags/categories", 201, json={"name": "C"})["id"]
    names = ["beta", "Alpha", "gamma", "delta"]
    tags = []
    for name in names:
        tags.append(
            api.post(
                "/tags",
                201,
                json={
                    "name": name,
                    **({"category": {"id": category}} if name != "gamma" else {}),
                    **({"description": "has one"} if name == "beta" else {}),
                },
            )
        )
        sim.clock.advance(2)

    def listed(**params: str) -> list[str]:
        return [t["name"] for t in api.get("/tags", params=params)["tags"]]

    assert listed() == names
    assert listed(filter="name==alpha") == ["Alpha"]
    assert listed(filter="name==ga*") == ["gamma"]
    assert listed(filter="category_id==NONE") == ["gamma"]
    assert listed(filter=f"category_id=={category}") == ["beta", "Alpha", "delta"]
    assert listed(filter="description==NONE") == ["Alpha", "gamma", "delta"]
    assert listed(filter=f"tag_ids=={tags[1]['id']},{tags[3]['id']}") == ["Alpha", "delta"]
    assert listed(filter=f"since_create_time=={tags[2]['create_time']}") == ["gamma", "delta"]
    assert listed(filter=f"until_create_time=={tags[1]['create_time']}") == ["beta", "Alpha"]
    assert listed(order_by="name") == ["Alpha", "beta", "delta", "gamma"]
    assert listed(order_by="create_time desc") == ["delta", "gamma", "Alpha", "beta"]
    paged = [t["name"] for t in api.all_pages("/tags", "tags", 3, order_by="name desc")]
    assert paged == ["gamma", "delta", "beta", "Alpha"]
    for bad in (
        {"filter": "colour==red"},
        {"filter": "since_create_time==soon"},
        {"order_by": "id"},
        {"page_size": 5000},
    ):
        api.error("GET", "/tags", 400, params=bad)


def test_apply_tag_answers_a_status_per_contact(api: V2, tenant: Tenant) -> None:
    tag = api.post("/tags", 201, json={"name": "Buyer"})["id"]
    ann = _contact(api, "ann@example.com")
    body = api.post(f"/tags/{tag}/contacts:applyTags", json={"contact_ids": [ann, "999"]})
    assert body == {"results": {ann: "SUCCESS", "999": "CONTACT_NOT_FOUND"}}
    again = api.post(f"/tags/{tag}/contacts:applyTags", json={"contact_ids": [ann]})
    assert again == {"results": {ann: "DUPLICATE"}}
    assert int(tag) in tenant.tags.ids_of(int(ann))
    assert api.get(f"/contacts/{ann}")["tag_ids"] == [tag]


def test_apply_and_remove_errors(api: V2) -> None:
    tag = api.post("/tags", 201, json={"name": "T"})["id"]
    for method in ("applyTags", "removeTags"):
        api.error("POST", f"/tags/999/contacts:{method}", 404, json={"contact_ids": ["1"]})
        api.error("POST", f"/tags/{tag}/contacts:{method}", 400, json={})
        api.error("POST", f"/tags/{tag}/contacts:{method}", 400, json={"contact_ids": "1"})
        api.error("POST", f"/tags/{tag}/contacts:{method}", 400, json={"contact_ids": ["x"]})
        api.error(
            "POST",
            f"/tags/{tag}/contacts:{method}",
            400,
            content=b"{",
            headers={"Content-Type": "application/json"},
        )
    api.error("POST", f"/tags/{tag}/contacts:frobnicate", 404, json={"contact_ids": ["1"]})


def test_remove_tag_is_204_and_unlinks(api: V2, tenant: Tenant) -> None:
    tag = api.post("/tags", 201, json={"name": "T"})["id"]
    ann, bob = _contact(api, "ann@example.com"), _contact(api, "bob@example.com")
    api.post(f"/tags/{tag}/contacts:applyTags", json={"contact_ids": [ann, bob]})
    api.post(f"/tags/{tag}/contacts:removeTags", 204, json={"contact_ids": [ann, "424242"]})
    assert int(tag) not in tenant.tags.ids_of(int(ann))
    assert [c["id"] for c in api.get(f"/tags/{tag}/contacts")["contacts"]] == [bob]


def test_contacts_with_tag(api: V2, sim: Simulator) -> None:
    tag = api.post("/tags", 201, json={"name": "T"})["id"]
    ids = [
        _contact(api, e, given_name=g, family_name="Ng")
        for e, g in (
            ("zed@example.com", "Zed"),
            ("amy@example.com", "Amy"),
            ("kim@example.com", "Kim"),
        )
    ]
    for contact_id in ids:
        api.post(f"/tags/{tag}/contacts:applyTags", json={"contact_ids": [contact_id]})
        sim.clock.advance(1)
    body = api.get(f"/tags/{tag}/contacts")
    first = body["contacts"][0]
    assert set(first) == {"id", "email", "given_name", "family_name", "applied_time"}
    assert [c["given_name"] for c in body["contacts"]] == ["Zed", "Amy", "Kim"]

    def listed(**params: str) -> list[str]:
        return [
            c["given_name"] for c in api.get(f"/tags/{tag}/contacts", params=params)["contacts"]
        ]

    assert listed(order_by="given_name") == ["Amy", "Kim", "Zed"]
    assert listed(order_by="email desc") == ["Zed", "Kim", "Amy"]
    assert listed(filter="email==amy@example.com") == ["Amy"]
    assert listed(filter="given_name==K*") == ["Kim"]
    assert listed(filter=f"since_applied_time=={first['applied_time']};family_name==Ng") == [
        "Zed",
        "Amy",
        "Kim",
    ]
    assert [c["given_name"] for c in api.all_pages(f"/tags/{tag}/contacts", "contacts", 2)] == [
        "Zed",
        "Amy",
        "Kim",
    ]
    api.error("GET", f"/tags/{tag}/contacts", 400, params={"filter": "phone==1"})
    api.error("GET", "/tags/77/contacts", 404)


def test_tags_of_a_contact(api: V2, sim: Simulator) -> None:
    ann = _contact(api, "ann@example.com")
    category = api.post("/tags/categories", 201, json={"name": "C"})["id"]
    first = api.post("/tags", 201, json={"name": "First", "category": {"id": category}})["id"]
    second = api.post("/tags", 201, json={"name": "Second"})["id"]
    for tag in (second, first):
        api.post(f"/tags/{tag}/contacts:applyTags", json={"contact_ids": [ann]})
        sim.clock.advance(1)
    body = api.get(f"/contacts/{ann}/tags")
    assert [t["tag"]["name"] for t in body["tags"]] == ["Second", "First"]
    assert body["tags"][1]["tag"]["category"] == {"id": category}
    assert all(isinstance(t["applied_time"], str) for t in body["tags"])
    by_name = api.get(f"/contacts/{ann}/tags", params={"order_by": "name"})
    assert [t["tag"]["name"] for t in by_name["tags"]] == ["First", "Second"]
    none = api.get(f"/contacts/{ann}/tags", params={"filter": "category_id==NONE"})
    assert [t["tag"]["id"] for t in none["tags"]] == [second]
    api.error("GET", "/contacts/999/tags", 404)
    api.error("GET", f"/contacts/{ann}/tags", 400, params={"filter": "tag_ids==1"})


def test_tag_categories(api: V2, tenant: Tenant) -> None:
    created = api.post("/tags/categories", 201, json={"name": "Source", "description": "Where"})
    api.post("/tags/categories", 201, json={"name": "Interest"})
    assert tenant.tag_categories.get(int(created["id"])).name == "Source"
    assert api.get(f"/tags/categories/{created['id']}") == created
    listed = api.get("/tags/categories", params={"order_by": "name"})
    assert [c["name"] for c in listed["tag_categories"]] == ["Interest", "Source"]
    filtered = api.get("/tags/categories", params={"filter": "description==NONE"})
    assert [c["name"] for c in filtered["tag_categories"]] == ["Interest"]
    api.error("GET", "/tags/categories/99", 404)
    api.error("POST", "/tags/categories", 400, json={"description": "no name"})


def test_patch_tag_category(api: V2, tenant: Tenant) -> None:
    created = api.post("/tags/categories", 201, json={"name": "Source", "description": "Where"})
    path = f"/tags/categories/{created['id']}"

    renamed = api.patch(path, json={"name": "Origin"})
    assert renamed == {"id": created["id"], "name": "Origin", "description": "Where"}
    assert tenant.tag_categories.get(int(created["id"])).name == "Origin"
    assert api.get(path) == renamed

    masked = api.patch(
        path, params={"update_mask": "description"}, json={"name": "Ignored", "description": "How"}
    )
    assert (masked["name"], masked["description"]) == ("Origin", "How")
    cleared = api.patch(path, json={"description": None})
    assert "description" not in cleared and tenant.tag_categories.get(int(created["id"])).name

    api.error("PATCH", path, 400, json={"name": ""})
    api.error("PATCH", path, 400, json={"name": 5})
    api.error("PATCH", path, 400, params={"update_mask": "category"}, json={"name": "x"})
    api.error("PATCH", path, 400)  # the document requires a body
    api.error("PATCH", "/tags/categories/99", 404, json={"name": "x"})
    api.error("PATCH", "/tags/categories/abc", 404, json={"name": "x"})  # as GET answers
    assert tenant.tag_categories.get(int(created["id"])).name == "Origin"


def test_delete_tag_category(api: V2, tenant: Tenant) -> None:
    unused = api.post("/tags/categories", 201, json={"name": "Unused"})["id"]
    used = api.post("/tags/categories", 201, json={"name": "Used"})["id"]
    tag = api.post("/tags", 201, json={"name": "VIP", "category": {"id": used}})["id"]

    assert api.delete(f"/tags/categories/{unused}") is None
    assert int(unused) not in tenant.tag_categories
    api.error("GET", f"/tags/categories/{unused}", 404)
    api.error("DELETE", f"/tags/categories/{unused}", 404)

    # keapsim's choice (the document is silent): a category that tags use is kept, with a 409.
    refused = api.error("DELETE", f"/tags/categories/{used}", 409)
    assert refused["details"] == [{"domain": "Tag Category", "resource": used}]
    assert tenant.tags.get(int(tag)).category_id == int(used)
    api.patch(f"/tags/{tag}", json={"category": None})
    api.delete(f"/tags/categories/{used}")
    assert tenant.tag_categories == {}
    assert tenant.tags.get(int(tag)).category_id is None

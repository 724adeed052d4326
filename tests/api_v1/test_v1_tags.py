from __future__ import annotations

import pytest

from keapsim.store import Tenant

from .helpers import UNCONVERTIBLE, V1


# -- tags and categories ---------------------------------------------------------------------------
def test_create_category_and_tag_then_get_and_list(api: V1, tenant: Tenant) -> None:
    category = api.post("/tags/categories", json={"name": "Leads", "description": "Inbound"})
    assert category["name"] == "Leads" and isinstance(category["id"], int)
    tag = api.tag("Hot", description="Ready to buy", category={"id": category["id"]})
    assert tag["category"] == category
    assert tenant.tags.get(tag["id"]).category_id == category["id"]
    assert api.get(f"/tags/{tag['id']}") == tag
    other = api.tag("Cold")
    assert "category" not in other
    listed = api.get("/tags")
    assert [t["id"] for t in listed["tags"]] == [tag["id"], other["id"]]
    assert listed["count"] == 2


def test_list_tags_filters_by_name_and_category(api: V1) -> None:
    category = api.post("/tags/categories", json={"name": "Leads"})
    hot = api.tag("Hot", category={"id": category["id"]})
    api.tag("Cold")
    assert [t["id"] for t in api.get("/tags", params={"name": "hot"})["tags"]] == [hot["id"]]
    in_category = api.get("/tags", params={"category": category["id"]})
    assert [t["id"] for t in in_category["tags"]] == [hot["id"]]
    assert api.get("/tags", params={"name": "Warm"})["count"] == 0


def test_list_tags_pages(api: V1) -> None:
    ids = [api.tag(f"T{i}")["id"] for i in range(5)]
    page = api.get("/tags", params={"limit": 2, "offset": 4})
    assert [t["id"] for t in page["tags"]] == ids[4:]
    assert page["count"] == 5
    assert "offset=2" in page["previous"] and "offset=6" in page["next"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({}, 400),
        ({"name": ""}, 400),
        ({"name": 7}, 400),
        ({"name": "X", "category": 3}, 400),
        ({"name": "X", "category": {"id": 999}}, 400),
        ({"name": "X", "category": {}}, 400),
    ],
)
def test_create_tag_validation(api: V1, body: dict, status: int) -> None:
    api.error("POST", "/tags", status, json=body)


def test_category_needs_a_name_and_list_needs_a_numeric_category(api: V1) -> None:
    api.error("POST", "/tags/categories", 400, json={"description": "no name"})
    api.error("GET", "/tags", 400, UNCONVERTIBLE, params={"category": "leads"})


def test_unknown_tag_is_404(api: V1) -> None:
    api.error("GET", "/tags/77", 404, "Unable to find this Tag")
    api.error("GET", "/tags/77/contacts", 404, "Unable to find this Tag")
    api.error("POST", "/tags/77/contacts", 404, json={"ids": [1]})


# -- from the contact's side -----------------------------------------------------------------------
def test_apply_tags_to_a_contact_reports_per_tag(api: V1, tenant: Tenant) -> None:
    category = api.post("/tags/categories", json={"name": "Leads"})
    hot = api.tag("Hot", category={"id": category["id"]})["id"]
    cold = api.tag("Cold")["id"]
    contact = api.contact()["id"]
    result = api.post(f"/contacts/{contact}/tags", json={"tagIds": [hot, cold, 1831]})
    assert result == {str(hot): "SUCCESS", str(cold): "SUCCESS", "1831": "TAG_ID_NOT_FOUND"}
    # The document declares an array of Entry«long,string»; the wire map is a listed defect.
    assert any(d.path == "/v1/contacts/{contactId}/tags" for d in api.defects_used)
    again = api.post(f"/contacts/{contact}/tags", json={"tagIds": [hot]})
    assert again == {str(hot): "DUPLICATE"}

    assert api.get(f"/contacts/{contact}")["tag_ids"] == [hot, cold]
    listed = api.get(f"/contacts/{contact}/tags")
    assert listed["count"] == 2
    first = listed["tags"][0]
    assert first["tag"] == {"id": hot, "name": "Hot", "category": "Leads"}  # a name, not object
    assert first["date_applied"].endswith("+0000")
    assert set(tenant.tags.ids_of(contact)) == {hot, cold}


def test_apply_to_a_missing_contact_is_200_with_statuses(api: V1) -> None:
    hot = api.tag("Hot")["id"]
    assert api.post("/contacts/404/tags", json={"tagIds": [hot]}) == {str(hot): "CONTACT_NOT_FOUND"}


@pytest.mark.parametrize(
    "body", [{}, {"tagIds": "1,2"}, {"tagIds": [True]}, {"tagIds": ["x"]}, {"ids": [1]}]
)
def test_apply_tags_body_must_be_tag_ids(api: V1, body: dict) -> None:
    contact = api.contact()["id"]
    api.error("POST", f"/contacts/{contact}/tags", 400, UNCONVERTIBLE, json=body)


def test_remove_tags_from_a_contact(api: V1, tenant: Tenant) -> None:
    tags = [api.tag(name)["id"] for name in ("A", "B", "C")]
    contact = api.contact()["id"]
    api.post(f"/contacts/{contact}/tags", json={"tagIds": tags})

    api.delete(f"/contacts/{contact}/tags/{tags[0]}")
    assert api.get(f"/contacts/{contact}")["tag_ids"] == tags[1:]
    assert api.get(f"/tags/{tags[0]}/contacts")["count"] == 0

    api.delete(f"/contacts/{contact}/tags", params={"ids": f"{tags[1]},{tags[2]}"})
    assert api.get(f"/contacts/{contact}/tags")["tags"] == []
    assert not tenant.tags.ids_of(contact)
    # Removing a tag that is not applied is harmless.
    api.delete(f"/contacts/{contact}/tags/{tags[0]}")


def test_remove_tags_errors(api: V1) -> None:
    tag = api.tag("A")["id"]
    contact = api.contact()["id"]
    api.error("DELETE", f"/contacts/{contact}/tags", 400, UNCONVERTIBLE)
    api.error("DELETE", f"/contacts/{contact}/tags", 400, UNCONVERTIBLE, params={"ids": "a,b"})
    api.error(
        "DELETE",
        "/contacts/999/tags",
        404,
        "Unable to find this Contact",
        params={"ids": str(tag)},
    )
    api.error("DELETE", f"/contacts/{contact}/tags/999", 404, "Unable to find this Tag")
    api.error("GET", "/contacts/999/tags", 404, "Unable to find this Contact")


def test_contact_tag_list_pages(api: V1) -> None:
    tags = [api.tag(f"T{i}")["id"] for i in range(3)]
    contact = api.contact()["id"]
    api.post(f"/contacts/{contact}/tags", json={"tagIds": tags})
    page = api.get(f"/contacts/{contact}/tags", params={"limit": 2, "offset": 1})
    assert [t["tag"]["id"] for t in page["tags"]] == tags[1:]
    assert page["count"] == 3


# -- from the tag's side ---------------------------------------------------------------------------
def test_apply_a_tag_to_many_contacts(api: V1, tenant: Tenant) -> None:
    tag = api.tag("Hot")["id"]
    ada = api.contact("ada@example.com", given_name="Ada", family_name="Lovelace")["id"]
    bob = api.contact("bob@example.com")["id"]
    result = api.post(f"/tags/{tag}/contacts", json={"ids": [ada, bob, 999]})
    assert result == {str(ada): "SUCCESS", str(bob): "SUCCESS", "999": "CONTACT_NOT_FOUND"}
    assert any(d.path == "/v1/tags/{tagId}/contacts" for d in api.defects_used)
    assert api.post(f"/tags/{tag}/contacts", json={"ids": [ada]}) == {str(ada): "DUPLICATE"}

    listed = api.get(f"/tags/{tag}/contacts")
    assert listed["count"] == 2
    assert listed["contacts"][0]["contact"] == {
        "id": ada,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    assert listed["contacts"][0]["date_applied"].endswith("+0000")
    assert api.get(f"/contacts/{bob}")["tag_ids"] == [tag]
    assert {c.id for c, _ in tenant.tags.contacts_with(tag)} == {ada, bob}


def test_remove_a_tag_from_contacts(api: V1) -> None:
    tag = api.tag("Hot")["id"]
    people = [api.contact(f"p{i}@example.com")["id"] for i in range(3)]
    api.post(f"/tags/{tag}/contacts", json={"ids": people})

    api.delete(f"/tags/{tag}/contacts/{people[0]}")
    assert api.get(f"/contacts/{people[0]}")["tag_ids"] == []
    api.delete(f"/tags/{tag}/contacts", params=[("ids", str(people[1])), ("ids", "999")])
    assert [c["contact"]["id"] for c in api.get(f"/tags/{tag}/contacts")["contacts"]] == [people[2]]

    api.error("DELETE", f"/tags/{tag}/contacts", 400, UNCONVERTIBLE)
    api.error("DELETE", f"/tags/{tag}/contacts/999", 404, "Unable to find this Contact")
    api.error("DELETE", "/tags/999/contacts", 404, params={"ids": str(people[2])})


def test_deleting_a_contact_unlinks_its_tags(api: V1) -> None:
    tag = api.tag("Hot")["id"]
    contact = api.contact()["id"]
    api.post(f"/contacts/{contact}/tags", json={"tagIds": [tag]})
    api.delete(f"/contacts/{contact}")
    assert api.get(f"/tags/{tag}/contacts")["count"] == 0

"""v2 companies (CRUD, list filters and orders), a company's tags and a tag's companies:
status, shape (every success body validated against swagger.yml by the client) and the effect
on the store."""

from __future__ import annotations

from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.custom_fields import COMPANY

from .helpers import V2

FULL: dict[str, Any] = {
    "company_name": "Acme Ltd",
    "email_address": {"email": "hello@acme.example", "opt_in_reason": "Fair", "field": "EMAIL1"},
    "phone_number": {"number": "555-0100", "extension": "1", "type": "Work", "field": "PHONE1"},
    "fax_number": {"number": "555-0101", "type": "Work", "field": "FAX1"},
    "address": {
        "line1": "1 Main St",
        "locality": "Chandler",
        "region_code": "US-AZ",
        "country_code": "USA",
        "postal_code": "85224",
        "field": "BILLING",
    },
    "notes": "Key account",
    "website": "https://acme.example",
    "first_name": "John",
    "last_name": "Smith",
    "job_title": "CEO",
    "title": "Dr.",
    "contact_type": "Vendor",
    "billing_information": "NET 30",
    "anniversary_date": "2015-06-20",
    "birth_date": "1985-03-15T00:00:00Z",
}


def company(api: V2, name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
    return api.post("/companies", 201, json={"company_name": name, **fields})


def test_create_answers_201_with_every_property(api: V2, tenant: Tenant) -> None:
    owner = tenant.users.account_owner().id
    created = api.post("/companies", 201, json={**FULL, "owner_id": str(owner)})
    assert isinstance(created["id"], str)
    assert created["email_address"] == {
        "email": "hello@acme.example",
        "opt_in_reason": "Fair",
        "is_opt_in": True,
        "email_opt_status": "UNENGAGED_MARKETABLE",
    }
    assert created["address"] == {
        "line1": "1 Main St",
        "locality": "Chandler",
        "region": "Arizona",
        "region_code": "US-AZ",
        "country_code": "USA",
        "postal_code": "85224",
    }
    assert created["phone_number"] == FULL["phone_number"]
    assert created["birth_date"] == "1985-03-15" and created["anniversary_date"] == "2015-06-20"
    assert created["owner_id"] == created["created_by"] == created["last_updated_by"] == str(owner)
    assert created["create_time"] == created["update_time"]
    assert "groups" not in created and created["custom_fields"] == []
    stored = tenant.companies.get(int(created["id"]))
    assert stored.first_name == "John" and stored.billing_information == "NET 30"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"company_name": None},
        {"company_name": ["Acme"]},
        {"company_name": "A", "owner_id": "999"},
        {"company_name": "A", "owner_id": "me"},
        {"company_name": "A", "email_address": "a@b.example"},
        {"company_name": "A", "phone_number": {"number": "1", "field": "PHONE9"}},
        {"company_name": "A", "fax_number": {"number": "1", "field": "PHONE1"}},
        {"company_name": "A", "address": {"region_code": "US-AZ"}},
        {"company_name": "A", "address": {"region": "Atlantis", "country_code": "USA"}},
        {"company_name": "A", "birth_date": "yesterday"},
        {"company_name": "A", "custom_fields": [{"id": "x", "content": 1}]},
        {"company_name": "A", "custom_fields": [{"id": "77", "content": 1}]},
    ],
)
def test_invalid_creates_are_400_and_store_nothing(
    api: V2, tenant: Tenant, body: dict[str, Any]
) -> None:
    api.error("POST", "/companies", 400, json=body)
    assert tenant.companies == {}


def test_get_sends_optional_properties_only_when_asked(api: V2, tenant: Tenant) -> None:
    field = tenant.custom_fields.create("Industry", "Text", record_type=COMPANY)
    created = api.post(
        "/companies",
        201,
        json={**FULL, "custom_fields": [{"id": str(field.id), "content": "Tools"}]},
    )
    plain = api.get(f"/companies/{created['id']}")
    optional = {"notes", "fax_number", "address", "email_address", "phone_number"}
    optional |= {"update_time", "create_time", "custom_fields"}
    assert optional.isdisjoint(plain)
    assert plain["company_name"] == "Acme Ltd" and plain["website"] == FULL["website"]
    asked = api.get(f"/companies/{created['id']}", params={"fields": "address,custom_fields"})
    assert asked["address"] == created["address"]
    assert asked["custom_fields"] == [{"id": str(field.id), "content": "Tools"}]
    assert "notes" not in asked
    api.error("GET", f"/companies/{created['id']}", 400, params={"fields": "shoe_size"})
    api.error("GET", "/companies/999", 404)


def test_patch_changes_what_is_given_and_update_mask_narrows_it(
    api: V2, tenant: Tenant, sim: Simulator
) -> None:
    created = api.post("/companies", 201, json=FULL)
    sim.clock.advance(30)
    patched = api.patch(
        f"/companies/{created['id']}",
        json={"notes": "Lost interest", "address": {"line1": "2 High St"}},
    )
    assert patched["notes"] == "Lost interest" and patched["address"] == {"line1": "2 High St"}
    assert patched["update_time"] > patched["create_time"]
    assert patched["phone_number"] == created["phone_number"]
    masked = api.patch(
        f"/companies/{created['id']}",
        params={"update_mask": "website,id"},
        json={"website": "https://b.example", "notes": "ignored", "id": "9"},
    )
    assert masked["website"] == "https://b.example" and masked["notes"] == "Lost interest"
    opted_out = api.patch(
        f"/companies/{created['id']}", json={"email_address": {"email": "new@acme.example"}}
    )
    assert opted_out["email_address"]["is_opt_in"] is False
    assert tenant.companies.get(int(created["id"])).website == "https://b.example"
    api.error(
        "PATCH", f"/companies/{created['id']}", 400, params={"update_mask": "colour"}, json={}
    )
    api.error("PATCH", f"/companies/{created['id']}", 400, json={"company_name": ""})
    api.error("PATCH", "/companies/999", 404, json={"notes": "x"})


def test_delete_forgets_the_company_and_its_tags(api: V2, tenant: Tenant) -> None:
    created = company(api)
    tag = api.post("/tags", 201, json={"name": "Partner"})
    api.post(f"/companies/{created['id']}/tags/{tag['id']}", 204)
    api.delete(f"/companies/{created['id']}")
    assert tenant.companies == {} and tenant.companies.tags.pairs() == []
    api.error("DELETE", f"/companies/{created['id']}", 404)
    api.error("GET", f"/companies/{created['id']}", 404)


def test_list_filters(api: V2, tenant: Tenant, sim: Simulator) -> None:
    field = tenant.custom_fields.create("Employees", "WholeNumber", record_type=COMPANY)
    made = [
        company(
            api,
            "Acme Tools",
            email_address={"email": "a@acme.example"},
            address={"locality": "Chandler", "region": "Arizona", "country_code": "USA"},
            custom_fields=[{"id": str(field.id), "content": 40}],
        ),
        company(api, "Acme Foods", address={"locality": "Phoenix"}),
    ]
    sim.clock.advance(60)
    made.append(company(api, "Zeta", custom_fields=[{"id": str(field.id), "content": 400}]))
    ids = [m["id"] for m in made]

    def listed(filter_: str) -> list[str]:
        return [c["id"] for c in api.get("/companies", params={"filter": filter_})["companies"]]

    assert listed("name==acme*") == ids[:2]
    assert listed("name==Zeta") == [ids[2]]
    assert listed("company_name==acme tools") == [ids[0]]
    assert listed("company_name==Acme*") == []  # equality only
    assert listed("email==A@ACME.example") == [ids[0]]
    assert listed("city==Chan*") == [ids[0]]
    assert listed("city==Chandler;state==Ariz*") == [ids[0]]
    assert listed(f"company_id>{ids[0]}") == ids[1:]
    assert listed(f"company_id<={ids[1]}") == ids[:2]
    assert listed(f"since_time=={made[2]['update_time']}") == [ids[2]]
    assert listed(f"until_time=={made[1]['update_time']}") == ids[:2]
    assert listed("employees>=100") == [ids[2]]
    assert listed("Employees==40") == [ids[0]]
    for bad in ("website==x", "company_id==abc", "since_time==yesterday", "name>a", "employees==x"):
        api.error("GET", "/companies", 400, params={"filter": bad})


def test_list_orders_and_pages(api: V2) -> None:
    for name, email in (("beta", "b@x.example"), ("Alpha", "z@x.example"), ("gamma", None)):
        company(api, name, **({"email_address": {"email": email}} if email else {}))

    def names(**params: Any) -> list[str]:
        return [c["company_name"] for c in api.get("/companies", params=params)["companies"]]

    assert names() == ["beta", "Alpha", "gamma"]
    assert names(order_by="name") == ["Alpha", "beta", "gamma"]
    assert names(order_by="name desc") == ["gamma", "beta", "Alpha"]
    assert names(order_by="email") == ["beta", "Alpha", "gamma"]  # no email: last
    assert names(order_by="create_time desc") == ["gamma", "Alpha", "beta"]
    assert names(order_by="id desc") == ["gamma", "Alpha", "beta"]
    paged = api.all_pages("/companies", "companies", 2, order_by="name")
    assert [c["company_name"] for c in paged] == ["Alpha", "beta", "gamma"]
    listed = api.get("/companies", params={"fields": "create_time"})["companies"]
    assert all("create_time" in c and "update_time" not in c for c in listed)
    api.error("GET", "/companies", 400, params={"order_by": "website"})


# -- tags ------------------------------------------------------------------------------------
def test_apply_list_and_remove_company_tags(api: V2, tenant: Tenant, sim: Simulator) -> None:
    created = company(api)
    category = api.post("/tags/categories", 201, json={"name": "Kind"})
    partner = api.post("/tags", 201, json={"name": "Partner", "category": {"id": category["id"]}})
    sim.clock.advance(10)
    vip = api.post("/tags", 201, json={"name": "VIP"})
    path = f"/companies/{created['id']}/tags"
    assert api.get(path) == {"tags": []}
    api.post(f"{path}/{vip['id']}", 204)
    sim.clock.advance(10)
    api.post(f"{path}/{partner['id']}", 204)
    api.post(f"{path}/{partner['id']}", 204)  # applied already: nothing changes
    listed = api.get(path)
    assert [t["tag"]["name"] for t in listed["tags"]] == ["VIP", "Partner"]  # by applied time
    assert listed["tags"][1]["tag"]["category"] == {"id": category["id"]}
    names = [t["tag"]["name"] for t in api.get(path, params={"order_by": "name desc"})["tags"]]
    assert names == ["VIP", "Partner"]
    by_category = api.get(path, params={"filter": f"category_id=={category['id']}"})
    assert [t["tag"]["name"] for t in by_category["tags"]] == ["Partner"]
    assert [t["tag"]["name"] for t in api.get(path, params={"filter": "name==vip"})["tags"]] == [
        "VIP"
    ]
    assert api.get(f"/companies/{created['id']}")["groups"] == f"{partner['id']},{vip['id']}"
    api.delete(f"{path}/{vip['id']}")
    api.delete(f"{path}/{vip['id']}")  # not applied: nothing changes
    assert tenant.companies.tag_ids_of(int(created["id"])) == [int(partner["id"])]
    api.error("POST", f"{path}/999", 404)
    api.error("POST", f"/companies/999/tags/{vip['id']}", 404)
    api.error("GET", "/companies/999/tags", 404)
    api.error("GET", path, 400, params={"filter": "colour==red"})


def test_a_tags_companies_filter_and_order(api: V2, sim: Simulator) -> None:
    tag = api.post("/tags", 201, json={"name": "Partner"})
    first = company(api, "Beta Co", email_address={"email": "b@x.example"})
    second = company(api, "alpha co")
    api.post(f"/companies/{first['id']}/tags/{tag['id']}", 204)
    sim.clock.advance(60)
    api.post(f"/companies/{second['id']}/tags/{tag['id']}", 204)
    path = f"/tags/{tag['id']}/companies"

    def listed(**params: Any) -> list[str]:
        return [c["company"]["id"] for c in api.get(path, params=params)["tagged_companies"]]

    body = api.get(path)
    assert body["tagged_companies"][0]["company"]["company_name"] == "Beta Co"
    assert body["tagged_companies"][0]["applied_time"].endswith("Z")
    assert listed() == [first["id"], second["id"]]
    assert listed(order_by="company_name") == [second["id"], first["id"]]
    assert listed(order_by="applied_time desc") == [second["id"], first["id"]]
    assert listed(filter="email==NONE") == [second["id"]]
    assert listed(filter="company_name==beta*") == [first["id"]]
    applied = body["tagged_companies"][1]["applied_time"]
    assert listed(filter=f"since_applied_time=={applied}") == [second["id"]]
    assert listed(filter=f"until_applied_time=={applied}") == [first["id"], second["id"]]
    api.delete(f"/tags/{tag['id']}")
    api.error("GET", path, 404)
    assert api.get(f"/companies/{first['id']}/tags") == {"tags": []}


def test_a_tag_applied_to_a_company_is_a_company_edit(api: V2, tenant: Tenant) -> None:
    created = company(api)
    tag = api.post("/tags", 201, json={"name": "Partner"})
    seen: list[tuple[str, int]] = []
    unsubscribe = tenant.events.subscribe(lambda e: seen.append((e.event_key, e.object_id)))
    try:
        api.post(f"/companies/{created['id']}/tags/{tag['id']}", 204)
        api.post(f"/companies/{created['id']}/tags/{tag['id']}", 204)
        api.delete(f"/companies/{created['id']}")
    finally:
        unsubscribe()
    company_id = int(created["id"])
    assert seen == [("company.edit", company_id), ("company.delete", company_id)]

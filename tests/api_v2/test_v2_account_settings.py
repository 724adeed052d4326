"""v2 business profile, settings, locales, user groups, user update and signatures: status,
shape (validated against swagger.yml by the client) and state effect; v1 agrees."""

from __future__ import annotations

from typing import Any

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2

ADDRESS = {
    "line1": "1 Main St",
    "line2": "Suite 2",
    "locality": "Chandler",
    "region": "Arizona",
    "country_code": "USA",
    "postal_code": "85224",
}


def test_business_profile_get_and_patch(api: V2, tenant: Tenant) -> None:
    profile = api.get("/businessProfile")
    assert profile["name"] == tenant.name and profile["currency_code"] == "USD"
    updated = api.patch(
        "/businessProfile",
        json={"name": "Acme", "address": ADDRESS, "business_goals": ["Grow Business"]},
    )
    assert updated["name"] == "Acme" and updated["address"] == ADDRESS
    assert updated["business_goals"] == ["Grow Business"]
    assert tenant.account.profile().name == "Acme"
    masked = api.patch(
        "/businessProfile",
        params={"update_mask": "website"},
        json={"name": "Ignored", "website": "https://acme.example"},
    )
    assert masked["name"] == "Acme" and masked["website"] == "https://acme.example"


def test_business_profile_rejects_bad_input(api: V2, tenant: Tenant) -> None:
    api.error("PATCH", "/businessProfile", 400, json={"address": {"line1": "only"}})
    api.error("PATCH", "/businessProfile", 400, json={"name": ""})
    api.error("PATCH", "/businessProfile", 400, json={"business_goals": "grow"})
    api.error("PATCH", "/businessProfile", 400, params={"update_mask": "colour"}, json={})
    assert tenant.account.profile().name == tenant.name


def test_v1_reads_the_profile_v2_wrote(api: V2, sim: Simulator) -> None:
    api.patch("/businessProfile", json={"name": "Acme", "address": ADDRESS})
    with sim.client() as client:
        body = client.get("/v1/account/profile").json()
    assert body["name"] == "Acme" and body["address"]["locality"] == "Chandler"


def test_settings(api: V2, tenant: Tenant) -> None:
    assert api.get("/settings/applications:isEnabled") == {"isEnabled": True}
    tenant.account.update(application_enabled=False)
    assert api.get("/settings/applications:isEnabled") == {"isEnabled": False}
    assert api.get("/settings/contactOptionTypes") == {
        "option_types": ["Lead", "Customer", "Other"]
    }
    config = api.get("/settings/applications:getConfiguration")
    assert config["application"]["company"]["name"] == tenant.name
    assert config["template"]["default_user_id"] == str(tenant.users.account_owner().id)
    only = api.get("/settings/applications:getConfiguration", params={"fields": "CONTACT,TASK"})
    assert set(only) == {"contact", "task"}
    api.error("GET", "/settings/applications:getConfiguration", 400, params={"fields": "NOPE"})


def test_configuration_follows_the_opportunity_stages(api: V2) -> None:
    for order, name in enumerate(("New", "Won"), start=1):
        api.post(
            "/opportunities/stages",
            201,
            json={"name": name, "order": order, "probability": 5, "target_number_days": 1},
        )
    opportunity = api.get("/settings/applications:getConfiguration")["opportunity"]
    assert opportunity["states"]["active"]["stages"] == "New,Won"
    assert opportunity["default_stage"] == "New"


def test_locales(api: V2) -> None:
    countries = api.get("/locales/countries")["countries"]
    assert {"codes": {"alpha2": "US", "alpha3": "USA"}, "name": "United States"} in countries
    assert api.get("/locales/countries/USA")["codes"]["alpha2"] == "US"
    assert api.get("/locales/countries/canada")["codes"]["alpha3"] == "CAN"
    provinces = api.get("/locales/countries/US/provinces")["provinces"]
    assert {"code": "US-AZ", "name": "Arizona", "country": "USA"} in provinces
    assert api.get("/locales/countries/US/provinces/Arizona")["code"] == "US-AZ"
    assert api.get("/locales/countries/CA/provinces/CA-BC")["name"] == "British Columbia"
    api.error("GET", "/locales/countries/XX", 404)
    api.error("GET", "/locales/countries/US/provinces/XX", 404)


def test_user_groups(api: V2, tenant: Tenant) -> None:
    assert api.get("/userGroups") == {"user_groups": []}
    group = tenant.user_groups.create("Accounting")
    assert api.get("/userGroups") == {"user_groups": [{"id": str(group.id), "name": "Accounting"}]}
    assert api.get(f"/userGroups/{group.id}") == {"id": str(group.id), "name": "Accounting"}
    api.error("GET", "/userGroups/999", 404)


def test_update_user(api: V2, tenant: Tenant) -> None:
    user = tenant.users.create("sam@example.com", "Sam")
    body: dict[str, Any] = {
        "given_name": "Samuel",
        "family_name": "Jones",
        "title": "Sales Manager",
        "company_name": "Acme",
        "website": "https://acme.example",
        "time_zone": "America/Phoenix",
        "email_address": {"email": "samuel@example.com", "field": "EMAIL1"},
        "phone_numbers": [{"number": "555-0100", "field": "PHONE1", "type": "Work"}],
        "address": {"line1": "1 Main St", "locality": "Chandler", "country_code": "USA"},
    }
    updated = api.patch(f"/users/{user.id}", json=body)
    assert updated["given_name"] == "Samuel" and updated["title"] == "Sales Manager"
    assert updated["email_addresses"] == [{"email": "samuel@example.com", "field": "EMAIL1"}]
    assert updated["phone_numbers"] == body["phone_numbers"]
    stored = tenant.users.get(user.id)
    assert stored.email_address == "samuel@example.com" and stored.time_zone == "America/Phoenix"
    assert api.get(f"/users/{user.id}") == updated
    masked = api.patch(
        f"/users/{user.id}",
        params={"update_mask": "family_name"},
        json={"given_name": "X", "family_name": "J"},
    )
    assert masked["given_name"] == "Samuel" and masked["family_name"] == "J"
    owner = tenant.users.account_owner().email_address
    api.error("PATCH", f"/users/{user.id}", 400, json={"email_address": {"email": owner}})
    api.error("PATCH", f"/users/{user.id}", 400, json={"given_name": ""})
    api.error("PATCH", "/users/999", 404, json={"given_name": "X"})


def test_signature(api: V2, tenant: Tenant) -> None:
    user = tenant.users.create("sam@example.com", "Sam", "<Jones>")
    html = api.get(f"/users/{user.id}/signature")
    assert "Sam &lt;Jones&gt;" in html and "sam@example.com" in html
    api.error("GET", "/users/999/signature", 404)

"""Affiliates on the wire: v2 affiliates, commission programs and their rates, resources and
redirect links; v1 affiliates, programs and redirect links. Every success body is checked
against the official document of its version (the V1/V2 test clients)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2

from keapsim.store import Tenant

from .affiliate_helpers import a_contact, a_program, an_affiliate, join

PROGRAMS = "/affiliates/commissionPrograms"


@pytest.fixture
def old(v1: V1) -> V1:
    """The v1 client (tests/commerce/conftest.py), named apart from the v2 ``api``."""
    return v1


# -- v2 affiliates ---------------------------------------------------------------------------
def test_v2_affiliate_crud(api: V2, tenant: Tenant) -> None:
    contact = a_contact(api)
    created = api.post(
        "/affiliates",
        201,
        json={
            "code": "ANN",
            "contact_id": contact,
            "name": "Ann",
            "notify_on_sale": True,
            "track_leads_days": 30,
            "password": "secret",
        },
    )
    assert created["status"] == "ACTIVE" and created["contact_id"] == contact
    assert created["notify_on_sale"] is True and created["track_leads_days"] == 30
    assert "password" not in created and created["date_created"].endswith("Z")
    stored = tenant.affiliates.get(int(created["id"]))
    assert stored.password == "secret" and stored.code == "ANN"
    assert api.get(f"/affiliates/{created['id']}") == created

    changed = api.patch(
        f"/affiliates/{created['id']}",
        params={"update_mask": "status"},
        json={"status": "INACTIVE", "name": "ignored by the mask"},
    )
    assert changed["status"] == "INACTIVE" and changed["name"] == "Ann"
    api.delete(f"/affiliates/{created['id']}")
    assert tenant.affiliates == {}
    api.error("GET", f"/affiliates/{created['id']}", 404)


def test_v2_affiliate_refusals(api: V2, tenant: Tenant) -> None:
    contact = a_contact(api)
    api.error("POST", "/affiliates", 400, json={"contact_id": contact})  # no code
    api.error("POST", "/affiliates", 400, json={"code": "X"})  # no contact
    api.error("POST", "/affiliates", 400, json={"code": "X", "contact_id": "999"})
    api.error("POST", "/affiliates", 400, json={"code": "X", "contact_id": contact, "status": "ON"})
    first = api.post("/affiliates", 201, json={"code": "ANN", "contact_id": contact})["id"]
    api.error("POST", "/affiliates", 400, json={"code": "ann", "contact_id": contact})
    child = api.post(
        "/affiliates",
        201,
        json={"code": "KID", "contact_id": contact, "parent_affiliate_id": first},
    )["id"]
    api.error("PATCH", f"/affiliates/{first}", 400, json={"parent_affiliate_id": child})
    api.error("PATCH", f"/affiliates/{first}", 400, params={"update_mask": "bogus"}, json={})
    api.error("GET", "/affiliates/abc", 404)
    assert len(tenant.affiliates) == 2
    # deleting the parent leaves the child without one
    api.delete(f"/affiliates/{first}")
    assert "parent_affiliate_id" not in api.get(f"/affiliates/{child}")


def test_v2_affiliate_list_filters_and_orders(api: V2, tenant: Tenant) -> None:
    a = an_affiliate(api, "ZED", "z@example.com")
    b = an_affiliate(api, "ALF", "a@example.com", status="INACTIVE")
    listed = api.get("/affiliates", params={"order_by": "code"})["affiliates"]
    assert [x["id"] for x in listed] == [b, a]
    assert [
        x["id"] for x in api.get("/affiliates", params={"filter": "status==INACTIVE"})["affiliates"]
    ] == [b]
    assert [
        x["id"] for x in api.get("/affiliates", params={"filter": f"id>{a}"})["affiliates"]
    ] == [b]
    assert [
        x["id"] for x in api.get("/affiliates", params={"filter": "code==z*"})["affiliates"]
    ] == [a]
    contact = tenant.affiliates.get(int(a)).contact_id
    assert [
        x["id"]
        for x in api.get("/affiliates", params={"filter": f"contact_id=={contact}"})["affiliates"]
    ] == [a]
    referred = tenant.contacts.create(
        {"given_name": "R", "email_addresses": [{"email": "r@example.com", "field": "EMAIL1"}]}
    )
    tenant.referrals.create(contact_id=referred.id, referral_partner_id=int(b))
    by_referral = api.get("/affiliates", params={"filter": f"referral_contact_id=={referred.id}"})
    assert [x["id"] for x in by_referral["affiliates"]] == [b]
    api.error("GET", "/affiliates", 400, params={"filter": "bogus==1"})
    page = api.get("/affiliates", params={"page_size": 1})
    assert len(page["affiliates"]) == 1 and page["next_page_token"]


def test_v2_affiliate_custom_field_values(api: V2, tenant: Tenant) -> None:
    custom = tenant.custom_fields.create(
        label="Tier", field_type="Text", record_type="REFERRAL_PARTNER"
    )
    affiliate = an_affiliate(api, custom_fields=[{"id": str(custom.id), "content": "Gold"}])
    shown = api.get(f"/affiliates/{affiliate}")["custom_fields"]
    assert shown == [{"id": str(custom.id), "content": "Gold"}]
    found = api.get("/affiliates", params={"filter": f"{custom.field_name}==Gold"})["affiliates"]
    assert [a["id"] for a in found] == [affiliate]
    api.error(
        "PATCH",
        f"/affiliates/{affiliate}",
        400,
        json={"custom_fields": [{"id": "999", "content": "x"}]},
    )


def test_program_membership(api: V2, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    program = a_program(api)
    join(api, affiliate, program)
    join(api, affiliate, program)  # twice is once
    assert tenant.affiliates.get(int(affiliate)).program_ids == (int(program),)
    assert api.get(f"{PROGRAMS}/{program}")["affiliate_ids"] == [affiliate]
    listed = api.get(PROGRAMS, params={"filter": f"affiliate_id=={affiliate}"})
    assert [p["id"] for p in listed["commission_programs"]] == [program]
    response = api.raw(
        "POST", f"/affiliates/{affiliate}:removeFromProgram", json={"affiliate_program_id": program}
    )
    assert response.status_code == 200
    assert tenant.affiliates.get(int(affiliate)).program_ids == ()
    api.error(
        "POST", f"/affiliates/{affiliate}:assignToProgram", 404, json={"affiliate_program_id": "99"}
    )
    api.error("POST", f"/affiliates/{affiliate}:assignToProgram", 400, json={})
    api.error("POST", "/affiliates/99:assignToProgram", 404, json={"affiliate_program_id": program})


# -- commission programs ---------------------------------------------------------------------
def test_commission_program_crud(api: V2, tenant: Tenant) -> None:
    created = api.post(PROGRAMS, 201, json={"name": "Gold", "priority": 2, "notes": "VIPs"})
    assert created == {"id": created["id"], "name": "Gold", "notes": "VIPs", "priority": 2}
    got = api.get(f"{PROGRAMS}/{created['id']}")
    assert (
        got["priority"] == "2"
        and got["product_commissions"] == []
        and "default_commission" not in got
    )
    changed = api.patch(f"{PROGRAMS}/{created['id']}", json={"name": "Platinum", "priority": 1})
    assert changed["name"] == "Platinum" and changed["priority"] == 1
    api.post(PROGRAMS, 201, json={"name": "Bronze", "priority": 5})
    names = [
        p["name"] for p in api.get(PROGRAMS, params={"order_by": "name"})["commission_programs"]
    ]
    assert names == ["Bronze", "Platinum"]
    assert [
        p["name"]
        for p in api.get(PROGRAMS, params={"filter": "name==plat*"})["commission_programs"]
    ] == ["Platinum"]
    api.error("POST", PROGRAMS, 400, json={"name": "No priority"})
    api.error("POST", PROGRAMS, 400, json={"priority": 1})
    api.delete(f"{PROGRAMS}/{created['id']}")
    assert [p.name for p in tenant.affiliate_programs.values()] == ["Bronze"]
    api.error("GET", f"{PROGRAMS}/{created['id']}", 404)


def test_default_product_and_subscription_commissions(api: V2, tenant: Tenant) -> None:
    program = a_program(api)
    shirt = tenant.products.create(name="Shirt", price=Decimal("20.00"))
    plan = tenant.subscription_plans.create(
        product_id=shirt.id, cycle="MONTHLY", plan_price=Decimal("9.99")
    )

    default = api.post(
        f"{PROGRAMS}/defaultCommissionPrograms/{program}",
        201,
        json={
            "percentage": "10",
            "dollar_amount": "1.5",
            "payout_type": "UPFRONT",
            "level_2": {"sale_percent": "2"},
        },
    )["default_commission"]
    assert default["percentage"] == 10.0 and default["level_1"]["sale_amount"] == 1.5
    assert default["payout_type"] == "UPFRONT" and default["level_2"]["sale_percent"] == 2.0
    patched = api.patch(
        f"{PROGRAMS}/defaultCommissionPrograms/{program}",
        params={"update_mask": "level_1"},
        json={"level_1": {"lead_percent": "4"}, "percentage": "99"},
    )["default_commission"]
    assert patched["level_1"] == {
        "sale_percent": 10.0,
        "sale_amount": 1.5,
        "lead_percent": 4.0,
        "lead_amount": 0.0,
    }

    body = api.post(
        f"{PROGRAMS}/productCommissionPrograms/{program}",
        201,
        json={"product_id": str(shirt.id), "level_1": {"sale_percent": "25"}},
    )
    [product] = body["product_commissions"]
    assert product["product_id"] == str(shirt.id) and product["product_name"] == "Shirt"
    assert product["product_price"] == 20.0 and product["percentage"] == 25.0
    again = api.patch(
        f"{PROGRAMS}/productCommissionPrograms/{program}",
        json={"product_id": str(shirt.id), "dollar_amount": "3"},
    )["product_commissions"]
    assert again[0]["dollar_amount"] == 3.0 and again[0]["percentage"] == 25.0

    subscribed = api.post(
        f"{PROGRAMS}/subscriptionCommissionPrograms/{program}",
        201,
        json={"subscription_id": str(plan.id), "percentage": "50"},
    )["subscription_commissions"]
    assert subscribed[0]["subscription_id"] == str(plan.id) and subscribed[0]["name"] == "Shirt"
    assert subscribed[0]["plan_price"] == 9.99
    api.patch(
        f"{PROGRAMS}/subscriptionCommissionPrograms/{program}",
        json={"subscription_id": str(plan.id), "payout_type": "UPFRONT"},
    )
    stored = tenant.affiliate_programs.get(int(program))
    assert stored.subscription_commissions[0].rates.payout_type == "UPFRONT"
    assert stored.product_commissions[0].rates.level_1.sale_amount == Decimal("3")

    # removing them
    removed = api.raw(
        "POST", f"{PROGRAMS}/{program}:removeProductCommission", json={"product_id": str(shirt.id)}
    )
    assert removed.status_code == 200
    removed = api.raw(
        "POST",
        f"{PROGRAMS}/{program}:removeSubscriptionCommission",
        json={"subscription_plan_id": str(plan.id), "product_id": str(shirt.id)},
    )
    assert removed.status_code == 200
    stored = tenant.affiliate_programs.get(int(program))
    assert stored.product_commissions == () and stored.subscription_commissions == ()
    api.error(
        "POST",
        f"{PROGRAMS}/{program}:removeProductCommission",
        404,
        json={"product_id": str(shirt.id)},
    )


def test_commission_rate_refusals(api: V2, tenant: Tenant) -> None:
    program = a_program(api)
    base = f"{PROGRAMS}/defaultCommissionPrograms/{program}"
    api.error("POST", base, 400, json={"percentage": "101"})
    api.error("POST", base, 400, json={"dollar_amount": "-1"})
    api.error("POST", base, 400, json={"payout_type": "SOMETIMES"})
    api.error("POST", base, 400, json={"level_1": "lots"})
    api.error("POST", base, 400, json={"percentage": "ten"})
    api.error("POST", f"{PROGRAMS}/defaultCommissionPrograms/99", 404, json={})
    api.error(
        "POST", f"{PROGRAMS}/productCommissionPrograms/{program}", 400, json={"percentage": "1"}
    )
    api.error(
        "POST", f"{PROGRAMS}/productCommissionPrograms/{program}", 404, json={"product_id": "99"}
    )
    api.error(
        "PATCH", f"{PROGRAMS}/productCommissionPrograms/{program}", 404, json={"product_id": "99"}
    )
    api.error(
        "POST",
        f"{PROGRAMS}/subscriptionCommissionPrograms/{program}",
        404,
        json={"subscription_id": "9"},
    )
    assert tenant.affiliate_programs.get(int(program)).default_commission is None


def test_deleting_a_product_takes_its_commissions_out(api: V2, tenant: Tenant) -> None:
    program = a_program(api)
    shirt = tenant.products.create(name="Shirt", price=Decimal("20.00"))
    api.post(
        f"{PROGRAMS}/productCommissionPrograms/{program}", 201, json={"product_id": str(shirt.id)}
    )
    tenant.products.delete(shirt.id)
    assert api.get(f"{PROGRAMS}/{program}")["product_commissions"] == []


# -- resources -------------------------------------------------------------------------------
def test_program_resources(api: V2, tenant: Tenant) -> None:
    gold, silver = a_program(api, "Gold"), a_program(api, "Silver")
    banner = api.post(
        f"{PROGRAMS}/resources",
        201,
        json={
            "title": "Summer banner",
            "type": "BANNER",
            "url": "https://example.com/b.png",
            "order": 1,
            "page_width": 728,
            "page_height": 90,
            "commission_program_ids": [gold, silver],
        },
    )
    assert banner["commission_programs"] == [
        {"commission_program_id": gold},
        {"commission_program_id": silver},
    ]
    email = api.post(
        f"{PROGRAMS}/resources",
        201,
        json={
            "title": "Mail",
            "type": "EMAIL",
            "order": 0,
            "content_html": "<p>Hi</p>",
            "commission_program_ids": [gold],
        },
    )
    listed = api.get(f"{PROGRAMS}/{gold}/resources")["resources"]
    assert [r["id"] for r in listed] == [email["id"], banner["id"]]  # by order
    changed = api.patch(
        f"{PROGRAMS}/resources/{banner['id']}",
        params={"update_mask": "title"},
        json={"title": "Winter banner", "notes": "masked out"},
    )
    assert changed["title"] == "Winter banner" and "notes" not in changed
    api.error(
        "POST",
        f"{PROGRAMS}/resources",
        400,
        json={"title": "x", "type": "VIDEO", "commission_program_ids": [gold]},
    )
    api.error(
        "POST",
        f"{PROGRAMS}/resources",
        400,
        json={"title": "x", "type": "PAGE", "commission_program_ids": ["99"]},
    )
    api.error("POST", f"{PROGRAMS}/resources", 400, json={"title": "x", "type": "PAGE"})
    api.error("PATCH", f"{PROGRAMS}/resources/{banner['id']}", 400, json={"order": -1})
    # a program's deletion: the banner stays in Silver, the email (Gold only) goes
    api.delete(f"{PROGRAMS}/{gold}")
    assert [r.id for r in tenant.affiliate_program_resources.values()] == [int(banner["id"])]
    api.delete(f"{PROGRAMS}/resources/{banner['id']}")
    assert api.get(f"{PROGRAMS}/{silver}/resources") == {"resources": []}
    api.error("DELETE", f"{PROGRAMS}/resources/{banner['id']}", 404)
    api.error("GET", f"{PROGRAMS}/99/resources", 404)


# -- redirect links --------------------------------------------------------------------------
def test_redirect_links(api: V2, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    program = a_program(api)
    body = {
        "name": "Fitness",
        "code": "fP100",
        "website_address": "https://example.com/fit",
        "affiliate_id": affiliate,
        "program_ids": [program],
    }
    link = api.post("/affiliates/redirects", 201, json=body)
    assert link["local_url_code"] == link["code"] == "fP100"
    assert link["redirect_url"] == link["website_address"] == "https://example.com/fit"
    assert link["program_ids"] == [program] and link["affiliate_id"] == affiliate
    assert api.get(f"/affiliates/redirects/{link['id']}") == link
    other = api.post(
        "/affiliates/redirects",
        201,
        json={**body, "name": "Apparel", "affiliate_id": None, "program_ids": []},
    )
    by_affiliate = api.get("/affiliates/redirects", params={"filter": f"affiliate_id=={affiliate}"})
    assert [x["id"] for x in by_affiliate["affiliate_links"]] == [link["id"]]
    by_name = api.get("/affiliates/redirects", params={"order_by": "name"})["affiliate_links"]
    assert [x["id"] for x in by_name] == [other["id"], link["id"]]
    changed = api.patch(
        f"/affiliates/redirects/{link['id']}", json={"website_address": "https://example.com/new"}
    )
    assert changed["redirect_url"] == "https://example.com/new"
    api.error("POST", "/affiliates/redirects", 400, json={"name": "x", "code": "y"})
    api.error("POST", "/affiliates/redirects", 400, json={**body, "program_ids": ["99"]})
    api.error("POST", "/affiliates/redirects", 400, json={**body, "affiliate_id": "99"})
    api.delete(f"{PROGRAMS}/{program}")  # the link leaves the deleted program
    assert tenant.affiliate_redirects.get(int(link["id"])).program_ids == ()
    api.delete(f"/affiliates/{affiliate}")  # and goes with its affiliate
    assert [r.id for r in tenant.affiliate_redirects.values()] == [int(other["id"])]
    api.delete(f"/affiliates/redirects/{other['id']}")
    assert tenant.affiliate_redirects == {}


# -- v1 --------------------------------------------------------------------------------------
def test_v1_affiliates(old: V1, api: V2, tenant: Tenant) -> None:
    contact = int(a_contact(api))
    created = old.post(
        "/affiliates",
        201,
        json={
            "code": "ANN",
            "contact_id": contact,
            "password": "pw",
            "status": "inactive",
            "track_leads_for": 7,
        },
    )
    assert created["status"] == "inactive" and created["track_leads_for"] == 7
    assert tenant.affiliates.get(created["id"]).status == "INACTIVE"
    assert old.get(f"/affiliates/{created['id']}") == created
    second = old.post(
        "/affiliates",
        201,
        json={
            "code": "BEA",
            "contact_id": contact,
            "password": "pw",
            "name": "Bea",
            "parent_id": created["id"],
        },
    )
    listed = old.get("/affiliates", params={"order": "name", "order_direction": "DESCENDING"})
    assert [a["id"] for a in listed["affiliates"]] == [second["id"], created["id"]] and listed[
        "count"
    ] == 2
    assert [a["id"] for a in old.get("/affiliates", params={"status": "active"})["affiliates"]] == [
        second["id"]
    ]
    assert [
        a["id"] for a in old.get("/affiliates", params={"parent_id": created["id"]})["affiliates"]
    ] == [second["id"]]
    assert [a["id"] for a in old.get("/affiliates", params={"code": "ann"})["affiliates"]] == [
        created["id"]
    ]
    old.error("POST", "/affiliates", 400, json={"code": "X", "contact_id": contact})  # no password
    old.error(
        "POST",
        "/affiliates",
        400,
        json={"code": "X", "contact_id": contact, "password": "p", "status": "paused"},
    )
    old.error("GET", "/affiliates", 400, params={"order": "code"})
    old.error("GET", "/affiliates/999", 404)


def test_v1_programs_and_redirect_links(old: V1, api: V2) -> None:
    affiliate = an_affiliate(api)
    gold, silver = a_program(api, "Gold", 2), a_program(api, "Silver", 1)
    join(api, affiliate, gold)
    programs = old.get("/affiliates/programs", params={"order": "priority"})["programs"]
    assert [p["name"] for p in programs] == ["Silver", "Gold"] and "affiliate_id" not in programs[0]
    mine = old.get("/affiliates/programs", params={"affiliate_id": affiliate})["programs"]
    assert mine == [
        {"affiliate_id": int(affiliate), "id": int(gold), "name": "Gold", "priority": 2}
    ]
    api.post(
        "/affiliates/redirects",
        201,
        json={
            "name": "Fit",
            "code": "f1",
            "website_address": "https://example.com",
            "affiliate_id": affiliate,
            "program_ids": [silver],
        },
    )
    links = old.get("/affiliates/redirectlinks", params={"affiliate_id": affiliate})
    assert links["redirects"][0]["local_url_code"] == "f1" and links["redirects"][0][
        "program_ids"
    ] == [int(silver)]
    assert old.get("/affiliates/redirectlinks", params={"affiliate_id": 999})["redirects"] == []

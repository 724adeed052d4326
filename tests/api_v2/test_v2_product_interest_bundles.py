"""v2 product interest bundles and their interests (products and subscription plans, prices
in cents on requests, CurrencyValue on answers, Decimal in the store)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keapsim.store import Tenant

from .helpers import V2

BUNDLES = "/productInterestBundles"


def catalogue(api: V2) -> tuple[dict[str, Any], dict[str, Any]]:
    product = api.post(
        "/products", 201, json={"name": "Widget", "price": 1000, "short_description": "w"}
    )
    plan = api.post(
        f"/products/{product['id']}/subscriptions",
        201,
        json={"cycle_type": "MONTHLY", "plan_price": 500},
    )
    return product, plan


def test_bundle_crud(api: V2, tenant: Tenant) -> None:
    premium = api.post(BUNDLES, 201, json={"name": "Premium", "description": "The best"})
    assert premium == {
        "id": premium["id"],
        "name": "Premium",
        "description": "The best",
        "product_interests": [],
        "subscription_plan_interests": [],
    }
    basic = api.post(BUNDLES, 201, json={"name": "Basic", "description": "Enough"})
    assert api.get(f"{BUNDLES}/{premium['id']}") == premium
    listed = api.get(BUNDLES)["product_interest_bundles"]
    assert [b["id"] for b in listed] == [premium["id"], basic["id"]]
    by_name = api.get(BUNDLES, params={"order_by": "name"})["product_interest_bundles"]
    assert [b["id"] for b in by_name] == [basic["id"], premium["id"]]
    assert api.get(BUNDLES, params={"filter": "name==prem*"})["product_interest_bundles"] == [
        premium
    ]
    renamed = api.patch(f"{BUNDLES}/{basic['id']}", json={"name": "Starter"})
    assert renamed["name"] == "Starter" and renamed["description"] == "Enough"
    masked = api.patch(
        f"{BUNDLES}/{basic['id']}",
        params={"update_mask": "description"},
        json={"name": "ignored", "description": "Small"},
    )
    assert masked["name"] == "Starter" and masked["description"] == "Small"
    api.error("POST", BUNDLES, 400, json={"name": "No description"})
    api.delete(f"{BUNDLES}/{basic['id']}")
    assert [b.id for b in tenant.product_interest_bundles.values()] == [int(premium["id"])]
    api.error("GET", f"{BUNDLES}/{basic['id']}", 404)


def test_interests(api: V2, tenant: Tenant) -> None:
    product, plan = catalogue(api)
    bundle = api.post(BUNDLES, 201, json={"name": "Premium", "description": "The best"})
    interests = f"{BUNDLES}/{bundle['id']}/interests"
    wanted = api.post(
        interests, 201, json={"type": "PRODUCT", "entity_id": product["id"], "price": 1250}
    )
    assert wanted["price"]["amount"] == 1250 and wanted["interest_id"] == product["id"]
    assert wanted["quantity"] == 1 and wanted["discount_percent"] == 0
    assert tenant.product_interests.get(int(wanted["id"])).price == Decimal("12.50")
    monthly = api.post(
        interests,
        201,
        json={"type": "SUBSCRIPTION_PLAN", "entity_id": plan["id"], "price": 500, "quantity": 2},
    )
    shown = api.get(f"{BUNDLES}/{bundle['id']}")
    assert shown["product_interests"] == [wanted]
    assert shown["subscription_plan_interests"] == [monthly]
    changed = api.patch(f"{interests}/{wanted['id']}", json={"discount_percent": 10, "price": 99})
    assert changed["discount_percent"] == 10 and changed["price"]["amount"] == 99
    api.error("POST", interests, 400, json={"type": "PRODUCT", "entity_id": "999", "price": 1})
    api.error("POST", interests, 400, json={"type": "SERVICE", "entity_id": "1", "price": 1})
    api.error("POST", interests, 400, json={"type": "PRODUCT", "entity_id": product["id"]})
    api.error("PATCH", f"{interests}/{wanted['id']}", 400, json={"discount_percent": 101})
    api.delete(f"{interests}/{monthly['id']}")
    api.error("DELETE", f"{interests}/{monthly['id']}", 404)
    # An interest in a deleted product goes with it; so do a deleted bundle's interests.
    api.delete(f"/products/{product['id']}")
    assert api.get(f"{BUNDLES}/{bundle['id']}")["product_interests"] == []
    _, other_plan = catalogue(api)
    body = {"type": "SUBSCRIPTION_PLAN", "entity_id": other_plan["id"], "price": 1}
    api.post(interests, 201, json=body)
    api.delete(f"{BUNDLES}/{bundle['id']}")
    assert len(tenant.product_interests) == 0

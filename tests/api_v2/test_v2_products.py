"""v2 products (CRUD, filters, ``:adjustInventory``) and product categories (declared CRUD,
``:assignProducts``, ``assignedProducts``): cents on the wire, Decimal in the store."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2


def product(api: V2, name: str = "Premium Widget", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "price": 1250, "short_description": "A widget", **fields}
    return api.post("/products", 201, json=body)


def test_create_get_update_delete_product(api: V2, tenant: Tenant) -> None:
    created = product(
        api,
        sku="PROD-001",
        weight=2.5,
        shippable=True,
        inventory={"inventory_count": 10, "inventory_limit": 2, "out_of_stock_enabled": True},
    )
    assert created["price"] == {
        "amount": 1250,
        "currency_code": "USD",
        "formatted_amount": "$12.50",
    }
    assert created["inventory"] == {
        "inventory_count": 10,
        "inventory_limit": 2,
        "out_of_stock_enabled": True,
    }
    assert created["categories"] == [] and created["shippable"] is True
    stored = tenant.products.get(int(created["id"]))
    assert stored.price == Decimal("12.50") and stored.weight == Decimal("2.5")
    assert api.get(f"/products/{created['id']}") == created
    patched = api.patch(f"/products/{created['id']}", json={"price": 199, "name": "Cheaper"})
    assert patched["price"]["amount"] == 199 and patched["name"] == "Cheaper"
    assert tenant.products.get(int(created["id"])).price == Decimal("1.99")
    masked = api.patch(
        f"/products/{created['id']}",
        params={"update_mask": "sku"},
        json={"sku": "NEW", "name": "ignored"},
    )
    assert masked["sku"] == "NEW" and masked["name"] == "Cheaper"
    api.delete(f"/products/{created['id']}")
    assert int(created["id"]) not in tenant.products
    api.error("GET", f"/products/{created['id']}", 404)


def test_product_input_errors(api: V2, tenant: Tenant) -> None:
    api.error("POST", "/products", 400, json={"name": "No price", "short_description": "x"})
    api.error("POST", "/products", 400, json={"price": 1, "short_description": "x"})
    api.error("POST", "/products", 400, json={"name": "X", "price": -5, "short_description": "x"})
    api.error("POST", "/products", 400, json={"name": "X", "price": "a", "short_description": "x"})
    api.error("PATCH", "/products/1", 404, json={"name": "X"})
    api.error("PATCH", "/products/1", 400, params={"update_mask": "colour"}, json={})
    assert len(tenant.products) == 0


def test_list_products_filters_and_orders(api: V2) -> None:
    apple = product(api, "Apple", sku="FRUIT-1")
    pear = product(api, "Pear", sku="FRUIT-2", description="green")
    bolt = product(api, "Bolt", sku="HW-1")
    listed = api.get("/products")["products"]
    assert [p["id"] for p in listed] == [apple["id"], pear["id"], bolt["id"]]
    assert "inventory_count" not in listed[0]["inventory"]

    def ids(**params: str) -> list[str]:
        return [p["id"] for p in api.get("/products", params=params)["products"]]

    assert ids(filter="sku==fruit*") == [apple["id"], pear["id"]]
    assert ids(filter="name==bolt") == [bolt["id"]]
    assert ids(filter="description==GREEN") == [pear["id"]]
    assert ids(filter=f"product_id>{apple['id']}") == [pear["id"], bolt["id"]]
    assert ids(filter=f"product_ids=={apple['id']},{bolt['id']}") == [apple["id"], bolt["id"]]
    assert ids(order_by="name desc") == [pear["id"], bolt["id"], apple["id"]]
    assert api.all_pages("/products", "products", 2) == listed
    api.error("GET", "/products", 400, params={"filter": "colour==red"})
    api.error("GET", "/products", 400, params={"order_by": "price"})


def test_adjust_inventory(api: V2, tenant: Tenant) -> None:
    created = product(api)
    path = f"/products/{created['id']}:adjustInventory"
    raised = api.post(path, json={"type": "INCREASE", "quantity": 7})
    assert raised["inventory"]["inventory_count"] == 7
    lowered = api.post(path, json={"type": "DECREASE", "quantity": 3})
    assert lowered["inventory"]["inventory_count"] == 4
    assert tenant.products.get(int(created["id"])).inventory_count == 4
    api.error("POST", path, 400, json={"type": "DECREASE", "quantity": 5})
    api.error("POST", path, 400, json={"type": "SIDEWAYS", "quantity": 1})
    api.error("POST", path, 400, json={"type": "INCREASE"})
    api.error(
        "POST", "/products/999:adjustInventory", 404, json={"type": "INCREASE", "quantity": 1}
    )
    assert tenant.products.get(int(created["id"])).inventory_count == 4


def test_product_categories_crud(api: V2, tenant: Tenant) -> None:
    parent = api.post("/productCategories", 201, json={"name": "Electronics"})
    child = api.post(
        "/productCategories",
        201,
        json={"name": "Phones", "display_order_index": 1, "parent_category_id": parent["id"]},
    )
    assert child == {
        "id": child["id"],
        "name": "Phones",
        "display_order_index": 1,
        "parent_category_id": parent["id"],
    }
    assert api.get(f"/productCategories/{child['id']}") == child
    renamed = api.patch(f"/productCategories/{child['id']}", json={"name": "Mobiles"})
    assert renamed["name"] == "Mobiles"
    listed = api.get("/productCategories", params={"filter": "name==mob*"})["product_categories"]
    assert listed == [renamed]
    by_id = api.get("/productCategories", params={"filter": f"product_category_id>{parent['id']}"})
    assert by_id["product_categories"] == [renamed]
    api.error("POST", "/productCategories", 400, json={"display_order_index": 1})
    api.error("POST", "/productCategories", 400, json={"name": "X", "parent_category_id": "99"})
    api.delete(f"/productCategories/{parent['id']}")
    assert tenant.product_categories.get(int(child["id"])).parent_category_id is None
    api.error("GET", f"/productCategories/{parent['id']}", 404)


def test_assign_products_to_a_category(api: V2, tenant: Tenant) -> None:
    category = api.post("/productCategories", 201, json={"name": "Fruit"})
    other = api.post("/productCategories", 201, json={"name": "Empty"})
    apple, pear = product(api, "Apple"), product(api, "Pear")
    assign = f"/productCategories/{category['id']}:assignProducts"
    api.post(assign, 204, json={"product_ids": [apple["id"], pear["id"]]})
    assert api.get(f"/products/{apple['id']}")["categories"] == [category["id"]]
    assigned = api.get("/productCategories/assignedProducts")["assigned_product_categories"]
    assert assigned == [
        {"product_category_id": category["id"], "product_ids": [apple["id"], pear["id"]]}
    ]
    # The full list: an id left out is removed.
    api.post(assign, 204, json={"product_ids": [pear["id"]]})
    assert tenant.products.get(int(apple["id"])).category_ids == ()
    filtered = api.get(
        "/productCategories/assignedProducts", params={"filter": f"product_ids=={apple['id']}"}
    )
    assert filtered["assigned_product_categories"] == []
    api.error("POST", assign, 400, json={"product_ids": ["999"]})
    api.error(
        "POST", f"/productCategories/{other['id']}0:assignProducts", 404, json={"product_ids": []}
    )
    # A deleted category leaves its products.
    api.delete(f"/productCategories/{category['id']}")
    assert tenant.products.get(int(pear["id"])).category_ids == ()


def test_catalogue_survives_snapshot_and_reset(api: V2, sim: Simulator) -> None:
    category = api.post("/productCategories", 201, json={"name": "Fruit"})
    apple = product(api, "Apple")
    assign = f"/productCategories/{category['id']}:assignProducts"
    api.post(assign, 204, json={"product_ids": [apple["id"]]})
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored = fresh.tenant().products.get(int(apple["id"]))
    assert restored.price == Decimal("12.50") and restored.category_ids == (int(category["id"]),)
    with fresh.client() as client:
        again = V2(client)
        assert again.get(f"/products/{apple['id']}")["categories"] == [category["id"]]
        assert int(product(again, "Next")["id"]) == int(apple["id"]) + 1
    sim.reset()
    assert len(sim.tenant().products) == 0 and len(sim.tenant().product_categories) == 0
    api.error("GET", f"/products/{apple['id']}", 404)


def test_subscription_plans(api: V2, tenant: Tenant) -> None:
    widget, gadget = product(api, "Widget"), product(api, "Gadget")
    path = f"/products/{widget['id']}/subscriptions"
    monthly = api.post(
        path,
        201,
        json={
            "cycle_type": "MONTHLY",
            "plan_price": 999,
            "total_cycles": 12,
            "allow_prorating": True,
        },
    )
    assert monthly["plan_price"] == {
        "amount": 999,
        "currency_code": "USD",
        "formatted_amount": "$9.99",
    }
    assert monthly["frequency"] == 1 and monthly["subscription_plan_name"] == "Widget monthly"
    stored = tenant.subscription_plans.get(int(monthly["id"]))
    assert stored.plan_price == Decimal("9.99") and stored.prorate is True
    weekly = api.post(
        f"/products/{gadget['id']}/subscriptions",
        201,
        json={"cycle_type": "WEEKLY", "plan_price": 100, "frequency": 2, "active": False},
    )
    assert weekly["subscription_plan_name"] == "Gadget every 2 weeks"
    assert api.get(f"{path}/{monthly['id']}") == monthly
    assert api.get(path)["subscriptions"] == [monthly]
    everything = api.get("/products/-/subscriptions")["subscriptions"]
    assert everything == [monthly, weekly]
    inactive = api.get("/products/-/subscriptions", params={"filter": "active==false"})
    assert inactive["subscriptions"] == [weekly]
    by_cycle = api.get("/products/-/subscriptions", params={"filter": "cycle_type==MONTHLY"})
    assert by_cycle["subscriptions"] == [monthly]
    newest = api.get("/products/-/subscriptions", params={"order_by": "product_id desc"})
    assert newest["subscriptions"] == [weekly, monthly]
    detail = api.get(f"/products/{widget['id']}")["subscription_plans"]
    assert detail[0]["billing_cycle"] == "MONTHLY" and detail[0]["plan_price"]["amount"] == 999
    patched = api.patch(
        f"{path}/{monthly['id']}", json={"plan_price": 1500, "cycle_type": "YEARLY"}
    )
    assert patched["plan_price"]["amount"] == 1500 and patched["cycle_type"] == "YEARLY"
    masked = api.patch(
        f"{path}/{monthly['id']}",
        params={"update_mask": "frequency"},
        json={"frequency": 3, "active": False},
    )
    assert masked["frequency"] == 3 and masked["active"] is True
    api.error("POST", path, 400, json={"cycle_type": "HOURLY", "plan_price": 1})
    api.error("POST", path, 400, json={"plan_price": 1})
    api.error("GET", f"/products/{gadget['id']}/subscriptions/{monthly['id']}", 404)
    api.error("GET", "/products/-/subscriptions", 400, params={"filter": "cycle_type==HOURLY"})
    api.delete(f"{path}/{monthly['id']}")
    assert [p.id for p in tenant.subscription_plans.values()] == [int(weekly["id"])]


GIF = b"GIF89a" + b"\x00" * 16


def test_product_and_category_images(api: V2, tenant: Tenant) -> None:
    created = product(api)
    images = f"/products/{created['id']}/images"
    response = api.raw("POST", images, files={"file": ("w.gif", GIF, "image/gif")})
    assert response.status_code == 201 and response.content == b""
    assert api.get(f"/products/{created['id']}")["has_legacy_image"] is False
    api.error("GET", f"{images}/legacyImageData", 404)
    replaced = api.raw(
        "POST", images, params={"legacy": "true"}, files={"file": ("w.gif", GIF, "image/gif")}
    )
    assert replaced.status_code == 201
    assert api.get(f"/products/{created['id']}")["has_legacy_image"] is True
    data = api.get(f"{images}/legacyImageData")
    assert base64.b64decode(data) == GIF
    api.error("POST", images, 400, files={"file": ("w.png", GIF, "image/png")})
    api.error("POST", images, 400, data={"nothing": "here"})
    api.delete(images)
    assert tenant.products.get(int(created["id"])).image_data is None
    category = api.post("/productCategories", 201, json={"name": "Fruit"})
    category_images = f"/productCategories/{category['id']}/images"
    uploaded = api.raw("POST", category_images, files={"file": ("c.gif", GIF, "image/gif")})
    assert uploaded.status_code == 201
    assert tenant.product_categories.get(int(category["id"])).image_name == "c.gif"
    api.error("POST", category_images, 400, files={"file": ("c.txt", b"hello", "text/plain")})
    api.delete(category_images)
    assert tenant.product_categories.get(int(category["id"])).image_data is None

"""v1 products: CRUD and the deprecated ``products/sync``; prices are exact Decimals."""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V1


def widget(api: V1, **fields: object) -> dict[str, object]:
    body = {"product_name": "Widget", "product_price": 12.5, "sku": "W-1", **fields}
    return api.post("/products", 201, json=body)


def test_create_get_update_delete_product(api: V1, tenant: Tenant) -> None:
    created = widget(api, product_desc="Long", product_short_desc="Short")
    assert created["product_name"] == "Widget" and created["product_price"] == 12.5
    assert created["active"] is True and created["subscription_plans"] == []
    stored = tenant.products.get(created["id"])
    assert stored.price == Decimal("12.5") and stored.description == "Long"
    assert api.get(f"/products/{created['id']}") == created
    patched = api.patch(f"/products/{created['id']}", json={"product_price": 0.1, "active": False})
    assert patched["product_price"] == 0.1 and patched["active"] is False
    assert tenant.products.get(created["id"]).price == Decimal("0.1")
    api.delete(f"/products/{created['id']}")
    assert created["id"] not in tenant.products
    api.error("GET", f"/products/{created['id']}", 404)


def test_product_input_errors(api: V1, tenant: Tenant) -> None:
    api.error("POST", "/products", 400, json={"product_price": 3})
    api.error("POST", "/products", 400, json={"product_name": "X", "product_price": "lots"})
    api.error("POST", "/products", 400, json={"product_name": "X", "product_price": -1})
    api.error("PATCH", "/products/999", 404, json={"product_name": "X"})
    api.error("DELETE", "/products/abc", 404)
    assert len(tenant.products) == 0


def test_list_products_by_active_and_page(api: V1) -> None:
    first = widget(api)
    second = widget(api, product_name="Gadget", active=False)
    listed = api.get("/products")
    assert [p["id"] for p in listed["products"]] == [first["id"], second["id"]]
    assert listed["count"] == 2 and listed["products"][1]["status"] == 0
    active = api.get("/products", params={"active": "true"})["products"]
    assert [p["id"] for p in active] == [first["id"]]
    page = api.get("/products", params={"limit": 1, "offset": 1})
    assert [p["id"] for p in page["products"]] == [second["id"]] and page["count"] == 2


def test_sync_returns_what_changed_since_the_token(api: V1, sim: Simulator) -> None:
    first = widget(api)
    everything = api.get("/products/sync")
    assert [s["status"] for s in everything["product_statuses"]] == ["CREATED"]
    token = everything["sync_token"]
    sim.clock.advance(5)
    api.patch(f"/products/{first['id']}", json={"product_name": "Widget 2"})
    second = widget(api, product_name="New")
    changed = api.get("/products/sync", params={"sync_token": token})["product_statuses"]
    assert [(s["product"]["id"], s["status"]) for s in changed] == [
        (first["id"], "UPDATED"),
        (second["id"], "CREATED"),
    ]
    latest = api.get("/products/sync", params={"sync_token": token})["sync_token"]
    assert api.get("/products/sync", params={"sync_token": latest})["product_statuses"] == []
    api.error("GET", "/products/sync", 400, params={"sync_token": "not-a-token"})


def test_subscription_plans(api: V1, tenant: Tenant) -> None:
    product = widget(api)
    path = f"/products/{product['id']}/subscriptions"
    plan = api.post(
        path,
        201,
        json={"cycle_type": "MONTH", "frequency": 1, "plan_price": 9.99, "number_of_cycles": 12},
    )
    assert plan["cycle_type"] == "MONTH" and plan["plan_price"] == 9.99
    assert plan["number_of_cycles"] == 12 and plan["subscription_plan_name"] == "Widget monthly"
    stored = tenant.subscription_plans.get(plan["id"])
    assert stored.plan_price == Decimal("9.99") and stored.cycle == "MONTHLY"
    assert api.get(f"{path}/{plan['id']}") == plan
    assert api.get(f"/products/{product['id']}")["subscription_plans"] == [plan]
    api.error("POST", path, 400, json={"cycle_type": "FORTNIGHT", "plan_price": 1})
    api.error("POST", path, 400, json={"cycle_type": "MONTH"})
    api.error("POST", path, 400, json={"cycle_type": "MONTH", "plan_price": 1, "frequency": 0})
    api.error(
        "POST", "/products/999/subscriptions", 404, json={"cycle_type": "DAY", "plan_price": 1}
    )
    other = widget(api, product_name="Other")
    api.error("GET", f"/products/{other['id']}/subscriptions/{plan['id']}", 404)
    api.delete(f"{path}/{plan['id']}")
    assert len(tenant.subscription_plans) == 0
    api.error("DELETE", f"{path}/{plan['id']}", 404)
    # A deleted product's plans go with it.
    api.post(path, 201, json={"cycle_type": "YEAR", "plan_price": 100})
    api.delete(f"/products/{product['id']}")
    assert len(tenant.subscription_plans) == 0


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_product_image(api: V1, tenant: Tenant) -> None:
    product = widget(api)
    path = f"/products/{product['id']}/image"
    encoded = base64.b64encode(PNG).decode()
    checksum = hashlib.sha256(PNG).hexdigest()
    body = {"file_name": "widget.png", "file_data": encoded, "checksum": checksum}
    response = api.raw("POST", path, json=body)
    assert response.status_code == 201 and response.content == b""
    stored = tenant.products.get(product["id"])
    assert base64.b64decode(stored.image_data or "") == PNG and stored.image_legacy is True
    api.error("POST", path, 400, json={**body, "checksum": "0" * 64})
    api.error("POST", path, 400, json={**body, "file_name": "widget.gif"})
    api.error("POST", path, 400, json={**body, "file_name": "widget.exe"})
    api.error("POST", path, 400, json={**body, "file_data": "not base64!"})
    too_big = base64.b64encode(PNG + b"\x00" * (3 * 1024 * 1024)).decode()
    api.error("POST", path, 400, json={"file_name": "big.png", "file_data": too_big})
    api.error("POST", "/products/999/image", 404, json=body)
    assert base64.b64decode(tenant.products.get(product["id"]).image_data or "") == PNG
    api.delete(path)
    assert tenant.products.get(product["id"]).image_data is None

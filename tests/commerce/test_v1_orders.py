"""v1 orders, items, payment plans, payments, transactions and merchants. Every success body is
validated against the v1 document by the V1 client; money is a JSON number on the wire and a
Decimal in the store."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api_v1.helpers import V1

from keapsim.store import Tenant

from .helpers import card


def v1_contact(api: V1, email: str = "ann@example.com") -> int:
    body = {"given_name": "Ann", "email_addresses": [{"email": email, "field": "EMAIL1"}]}
    return int(api.post("/contacts", 201, json=body)["id"])


def v1_product(api: V1, name: str = "Widget", price: float = 12.5) -> int:
    return int(
        api.post("/products", 201, json={"product_name": name, "product_price": price})["id"]
    )


def v1_order(api: V1, contact_id: int, product_id: int, **extra: Any) -> dict[str, Any]:
    body = {
        "contact_id": contact_id,
        "order_date": "2026-01-05T10:00:00.000Z",
        "order_title": "Widgets",
        "order_type": "Online",
        "order_items": [
            {"product_id": product_id, "quantity": 2},
            {"product_id": product_id, "quantity": 1, "price": "5.00", "item_type": "SHIPPING"},
        ],
        **extra,
    }
    return api.post("/orders", 201, json=body)


def test_create_get_list_delete(v1: V1, tenant: Tenant) -> None:
    who, widget = v1_contact(v1), v1_product(v1)
    created = v1_order(
        v1,
        who,
        widget,
        shipping_address={"line1": "1 Main", "locality": "Town", "zip_code": "12345"},
    )
    assert created["status"] == "UNPAID" and created["total"] == 30.0
    assert created["order_items"][0]["product"]["product_name"] == "Widget"
    assert created["order_items"][1]["price"] == 5.0
    assert created["shipping_information"]["zip_code"] == "12345"
    assert tenant.orders.get(created["id"]).total == Decimal("30.00")
    got = v1.get(f"/orders/{created['id']}")
    assert got["contact_id"] == str(who) and got["order_type"] == "Online"
    assert got["shipping_information"]["city"] == "Town"
    assert got["order_items"][0]["product"]["name"] == "Widget"
    listed = v1.get("/orders")
    assert listed["count"] == 1 and listed["orders"][0] == got
    v1.delete(f"/orders/{created['id']}")
    v1.error("GET", f"/orders/{created['id']}", 404)


def test_create_errors(v1: V1, tenant: Tenant) -> None:
    who, widget = v1_contact(v1), v1_product(v1)
    base = {
        "contact_id": who,
        "order_date": "2026-01-05T10:00:00.000Z",
        "order_title": "T",
        "order_type": "Online",
        "order_items": [{"product_id": widget, "quantity": 1}],
    }
    v1.error("POST", "/orders", 400, json={**base, "order_type": "ONLINE"})
    v1.error("POST", "/orders", 400, json={**base, "order_type": ["Online"]})
    v1.error("POST", "/orders", 400, json={**base, "order_items": [["x"]]})
    v1.error("POST", "/orders", 400, json={**base, "promo_codes": [{"a": 1}]})
    v1.error("POST", "/orders", 400, json={**base, "shipping_address": "home"})
    v1.error("POST", "/orders", 400, json={**base, "order_items": None})
    v1.error("POST", "/orders", 400, json={**base, "order_items": [{"quantity": 1}]})
    v1.error("POST", "/orders", 400, json={**base, "order_date": 5})
    v1.error("POST", "/orders", 404, json={**base, "contact_id": 999})
    assert len(tenant.orders) == 0


def test_list_filters(v1: V1) -> None:
    ann, bob = v1_contact(v1), v1_contact(v1, "bob@example.com")
    widget, gadget = v1_product(v1), v1_product(v1, "Gadget", 3)
    first = v1_order(v1, ann, widget)
    second = v1_order(v1, bob, gadget, order_date="2026-03-01T00:00:00.000Z")
    v1.post(f"/orders/{first['id']}/payments", 201, json={"payment_amount": "30.00"})

    def ids(**params: Any) -> list[int]:
        return [o["id"] for o in v1.get("/orders", params=params)["orders"]]

    assert ids() == [second["id"], first["id"]]  # newest first
    assert ids(contact_id=bob) == [second["id"]]
    assert ids(product_id=widget) == [first["id"]]
    assert ids(paid="true") == [first["id"]] and ids(paid="false") == [second["id"]]
    assert ids(since="2026-02-01T00:00:00.000Z") == [second["id"]]
    assert ids(order="order_date", limit=1) == [second["id"]]
    v1.error("GET", "/orders", 400, params={"order": "total"})


def test_items_and_payment_plan(v1: V1, tenant: Tenant) -> None:
    order = v1_order(v1, v1_contact(v1), v1_product(v1))
    widget = order["order_items"][0]["product"]["id"]
    item = v1.post(
        f"/orders/{order['id']}/items",
        201,
        json={"product_id": widget, "quantity": 1, "price": "-2.00", "item_type": "SPECIAL"},
    )
    assert item["type"] == "DISCOUNT" and item["price"] == -2.0
    assert tenant.orders.get(order["id"]).total == Decimal("28.00")
    v1.delete(f"/orders/{order['id']}/items/{item['id']}")
    v1.error("DELETE", f"/orders/{order['id']}/items/{item['id']}", 404)
    plan = {
        "number_of_payments": 2,
        "days_between_payments": 14,
        "plan_start_date": "2026-02-01",
        "auto_charge": False,
    }
    answer = v1.put(f"/orders/{order['id']}/paymentPlan", json=plan)
    assert answer["number_of_payments"] == 2 and answer["payment_gateway"] == {"use_default": True}
    got = v1.get(f"/orders/{order['id']}")
    assert got["payment_plan"]["plan_start_date"] == "2026-02-01"
    v1.error("PUT", f"/orders/{order['id']}/paymentPlan", 400, json={"number_of_payments": 2})


def test_payments_transactions_and_status(v1: V1, tenant: Tenant) -> None:
    who = v1_contact(v1)
    order = v1_order(v1, who, v1_product(v1))
    path = f"/orders/{order['id']}/payments"
    manual = v1.post(path, 201, json={"payment_amount": "10.00", "payment_method_type": "CASH"})
    assert manual["payment_status"] == "MANUAL_PAID"
    assert v1.get(f"/orders/{order['id']}")["status"] == "PARTIALLY_PAID"
    card_id = card(tenant, who)
    charged = v1.post(
        path,
        201,
        json={
            "payment_amount": "20.00",
            "payment_method_type": "CREDIT_CARD",
            "credit_card_id": card_id,
            "charge_now": True,
            "apply_to_commissions": False,
        },
    )
    got = v1.get(f"/orders/{order['id']}")
    assert got["status"] == "PAID" and got["total_due"] == 0.0 and got["total_paid"] == 30.0
    payments = v1.get(path)
    assert [(p["amount"], p["skip_commission"]) for p in payments] == [(10.0, False), (20.0, True)]
    txs = v1.get(f"/orders/{order['id']}/transactions")
    assert txs["count"] == 2
    assert [t["collection_method"] for t in txs["transactions"]] == ["MANUAL", "AUTOMATIC"]
    one = v1.get(f"/transactions/{charged['transaction_id']}")
    assert one["status"] == "Approved" and one["gateway"] == "STRIPE" and one["test"] is True
    assert one["order_ids"] == str(order["id"])
    assert v1.get("/transactions", params={"contact_id": who})["count"] == 2
    assert v1.get("/transactions", params={"contact_id": who + 1})["count"] == 0
    v1.error("GET", "/transactions/999", 404)
    v1.error("POST", path, 400, json={"payment_amount": "0.01"})  # nothing is due
    v1.error("POST", path, 400, json={"payment_amount": "1", "payment_method_type": "GOLD"})


def test_declined_and_expired_cards(v1: V1, tenant: Tenant) -> None:
    who = v1_contact(v1)
    order = v1_order(v1, who, v1_product(v1))
    for number, reason in (
        ("4000000000000002", "Card declined"),
        ("4000000000000069", "Card expired"),
        ("4000000000009995", "Insufficient funds"),
    ):
        body = {
            "payment_amount": "30.00",
            "payment_method_type": "CREDIT_CARD",
            "credit_card_id": card(tenant, who, number),
            "charge_now": True,
        }
        assert reason in v1.error("POST", f"/orders/{order['id']}/payments", 400, json=body)
    failed = v1.get("/transactions")["transactions"]
    assert [t["status"] for t in failed] == ["Failed"] * 3
    assert [t["errors"] for t in failed] == ["Card declined", "Card expired", "Insufficient funds"]
    assert v1.get(f"/orders/{order['id']}")["status"] == "UNPAID"


def test_merchants(v1: V1, tenant: Tenant) -> None:
    assert v1.get("/merchants") == {"merchant_accounts": []}
    main = tenant.merchants.create("Main", "STRIPE", is_test=False)
    tenant.merchants.create("Backup", "AUTHORIZE")
    body = v1.get("/merchants")
    assert body["default_merchant_account"] == main.id
    assert [m["account_name"] for m in body["merchant_accounts"]] == ["Main", "Backup"]


def test_an_order_with_payments_cannot_be_deleted(v1: V1) -> None:
    order = v1_order(v1, v1_contact(v1), v1_product(v1))
    v1.post(f"/orders/{order['id']}/payments", 201, json={"payment_amount": "1.00"})
    v1.error("DELETE", f"/orders/{order['id']}", 400)
    assert v1.get(f"/orders/{order['id']}")["total_paid"] == 1.0

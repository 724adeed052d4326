"""v2 payment methods, payment-method configs, merchants, sales transactions and payments, and
shipping methods (bodies validated against swagger.yml by the V2 client)."""

from __future__ import annotations

from decimal import Decimal

from api_v2.helpers import V2

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import card, v2_contact, v2_order, v2_product


def test_payment_methods_are_the_contacts_cards(api: V2, tenant: Tenant) -> None:
    ann, bob = v2_contact(api), v2_contact(api, "bob@example.com")
    tenant.merchants.create("Main", "STRIPE")
    visa = card(tenant, ann)
    other = card(tenant, bob, "4000000000000002")
    listed = api.get("/paymentMethods")["payment_methods"]
    assert [m["payment_method_id"] for m in listed] == [str(visa), str(other)]
    first = listed[0]
    assert first["card_info"]["last_four"] == "4242" and first["payment_method_type"] == "CARD"
    assert first["credit_card_id"] == str(visa) and first["merchant_account_type"] == "STRIPE"
    assert "4242424242424242" not in str(listed)  # never a full number
    mine = api.get("/paymentMethods", params={"filter": f"contact_id=={bob}"})
    assert [m["payment_method_id"] for m in mine["payment_methods"]] == [str(other)]
    newest = api.get("/paymentMethods", params={"order_by": "created_time desc"})
    assert len(newest["payment_methods"]) == 2
    records = api.get(f"/contacts/{ann}/paymentMethods")["records"]
    assert [r["payment_method_id"] for r in records] == [str(visa)]
    api.error("GET", "/paymentMethods", 400, params={"filter": "colour==red"})
    api.error("GET", "/contacts/999/paymentMethods", 404)


def test_an_expired_card_says_so(sim: Simulator, api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    year = str(sim.clock.now().year - 1)
    tenant.credit_cards.create(int(who), "4242424242424242", "01", year)
    [method] = api.get(f"/contacts/{who}/paymentMethods")["records"]
    assert method["status"] == "EXPIRED"


def test_deactivate_and_delete(api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api))
    kept, gone = card(tenant, who), card(tenant, who)
    path = f"/contacts/{who}/paymentMethods"
    api.post(f"{path}/{kept}:deactivate", 204)
    api.post(f"{path}/{kept}:deactivate", 204)  # again: nothing changes
    assert tenant.credit_cards.get(kept).status == "Inactive"
    assert [r["payment_method_id"] for r in api.get(path)["records"]] == [str(gone)]
    body = {"payment_amount": 1, "apply_to_commissions": True, "payment_method_id": str(kept)}
    error = api.error("POST", f"/orders/{order['id']}/payments", 400, json=body)
    assert "not active" in error["message"]
    api.delete(f"{path}/{gone}")
    assert gone not in tenant.credit_cards
    api.error("DELETE", f"{path}/{gone}", 404)
    other = v2_contact(api, "bob@example.com")
    api.error("POST", f"/contacts/{other}/paymentMethods/{kept}:deactivate", 404)


def test_payment_method_configs(api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    first = api.post("/paymentMethodConfigs", json={"contact_id": who})
    second = api.post("/paymentMethodConfigs", json={"contact_id": who})
    assert first["session_key"] and first["session_key"] != second["session_key"]
    assert len(tenant.payment_method_configs) == 2
    api.error("POST", "/paymentMethodConfigs", 404, json={"contact_id": "999"})
    api.error("POST", "/paymentMethodConfigs", 400, json={})
    api.delete(f"/contacts/{who}")
    assert len(tenant.payment_method_configs) == 0


def test_merchants_and_the_default(api: V2, tenant: Tenant) -> None:
    assert api.get("/merchants") == {"merchant_accounts": []}
    main = tenant.merchants.create("Main", "STRIPE", is_test=False)
    backup = tenant.merchants.create("Backup", "AUTHORIZE")
    body = api.get("/merchants")
    assert body["default_merchant_account_id"] == str(main.id)
    assert [m["name"] for m in body["merchant_accounts"]] == ["Main", "Backup"]
    answer = api.raw("POST", f"/sales/merchants/{backup.id}:setDefault")
    assert (answer.status_code, answer.content) == (200, b"")  # the document: 200, no body
    assert api.get("/merchants")["default_merchant_account_id"] == str(backup.id)
    assert not tenant.merchants.get(main.id).default
    named = api.get("/merchants", params={"filter": "type==AUTHORIZE"})["merchant_accounts"]
    assert [m["id"] for m in named] == [str(backup.id)]
    ordered = api.get("/merchants", params={"order_by": "name"})["merchant_accounts"]
    assert [m["name"] for m in ordered] == ["Backup", "Main"]
    api.error("POST", "/sales/merchants/999:setDefault", 404)


def test_sales_transactions_and_payments(api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api))
    path = f"/orders/{order['id']}/payments"
    api.post(path, 201, json={"payment_amount": 10, "apply_to_commissions": True})
    charged = api.post(
        path,
        201,
        json={
            "payment_amount": 20,
            "apply_to_commissions": True,
            "payment_method_id": str(card(tenant, who)),
        },
    )
    tenant.orders.refund(int(charged["id"]), Decimal("5.00"))
    transactions = api.get("/sales/transactions")["transactions"]
    assert [(t["transaction_method"], t["amount"]) for t in transactions] == [
        ("MANUAL", 10.0),
        ("CAPTURE", 20.0),
        ("REFUND", 5.0),
    ]
    assert transactions[1]["merchant_account_type"] == "STRIPE"
    assert transactions[1]["contact"]["id"] == who

    def amounts(key: str, path: str, **params: str) -> list[float]:
        return [t["amount"] for t in api.get(path, params=params)[key]]

    assert amounts("transactions", "/sales/transactions", filter="amount>=10") == [10.0, 20.0]
    assert amounts("transactions", "/sales/transactions", filter="transaction_method==REFUND") == [
        5.0
    ]
    assert amounts("transactions", "/sales/transactions", order_by="amount desc") == [
        20.0,
        10.0,
        5.0,
    ]
    payments = api.get("/sales/payments")["payments"]
    assert [(p["type"], p["amount"], p["status"]) for p in payments] == [
        ("Cash", 10.0, "COMPLETED"),
        ("Credit Card", 20.0, "APPROVED"),
        ("Refund", -5.0, "APPROVED"),
    ]
    assert payments[1]["refund_payment_id"] == payments[2]["id"]
    assert amounts("payments", "/sales/payments", filter=f"order_id=={order['id']}") == [
        10.0,
        20.0,
        -5.0,
    ]
    assert amounts("payments", "/sales/payments", filter="merchant_account_type==STRIPE") == [
        20.0,
        -5.0,
    ]
    assert amounts("payments", "/sales/payments", filter="ids==1,2") == [10.0, 20.0]
    api.error("GET", "/sales/payments", 400, params={"filter": "amount==lots"})
    api.error("GET", "/sales/transactions", 400, params={"order_by": "colour"})


def test_shipping_methods(api: V2, tenant: Tenant) -> None:
    assert api.get("/shipping") == {"shipping_methods": []}
    tenant.shipping_methods.create(name="Ground", description="3-5 days", settings={"rate": "5.00"})
    tenant.shipping_methods.create(name="Air", type="UPS", international=True)
    methods = api.get("/shipping")["shipping_methods"]
    assert [(m["name"], m["type"], m["international"]) for m in methods] == [
        ("Ground", "FLAT_RATE", False),
        ("Air", "UPS", True),
    ]
    assert methods[0]["settings"] == {"rate": "5.00"}

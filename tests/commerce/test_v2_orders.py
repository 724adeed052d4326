"""v2 orders: CRUD, items, commissions, taxes, files, custom fields and payments. Every success
body is validated against swagger.yml by the V2 client; money is cents on answers, dollars on
requests, Decimal in the store."""

from __future__ import annotations

from decimal import Decimal

from api_v2.helpers import V2

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import card, v2_contact, v2_order, v2_product


def test_create_get_patch_delete_order(api: V2, tenant: Tenant) -> None:
    who, widget = v2_contact(api), v2_product(api, taxable=True)
    created = v2_order(
        api,
        who,
        widget,
        notes="Gift",
        promo_codes=["SPRING"],
        shipping_address={"line1": "1 Main St", "locality": "Town", "country_code": "USA"},
    )
    assert created["status"] == "DRAFT" and created["total"]["amount"] == 3000
    assert created["total_due"]["formatted_amount"] == "$30.00"
    assert created["contact"] == {"id": who, "email": "ann@example.com", "given_name": "Ann"}
    assert [i["price_per_unit"]["amount"] for i in created["order_items"]] == [1250, 500]
    assert created["order_items"][0]["product"]["id"] == widget
    assert created["shipping_information"]["address"]["locality"] == "Town"
    assert created["promo_code"] == "SPRING" and created["order_time"] == "2026-01-05T10:00:00.000Z"
    stored = tenant.orders.get(int(created["id"]))
    assert stored.total == Decimal("30.00") and stored.notes == "Gift"
    assert api.get(f"/orders/{created['id']}") == created
    patched = api.patch(
        f"/orders/{created['id']}",
        json={"order_title": "Renamed", "notes": "No gift", "sent_time": "2026-01-06T00:00:00Z"},
    )
    assert patched["title"] == "Renamed" and patched["status"] == "SENT"
    masked = api.patch(
        f"/orders/{created['id']}",
        params={"update_mask": "terms"},
        json={"terms": "Net 30", "notes": "ignored"},
    )
    assert masked["terms"] == "Net 30" and masked["notes"] == "No gift"
    api.delete(f"/orders/{created['id']}")
    assert int(created["id"]) not in tenant.orders
    api.error("GET", f"/orders/{created['id']}", 404)


def test_order_input_errors_store_nothing(api: V2, tenant: Tenant) -> None:
    who, widget = v2_contact(api), v2_product(api)
    base = {
        "contact_id": who,
        "order_title": "T",
        "order_time": "2026-01-05T10:00:00Z",
        "order_type": "ONLINE",
    }
    api.error("POST", "/orders", 400, json={**base, "order_type": None})
    api.error("POST", "/orders", 400, json={**base, "order_type": "BY_MAIL"})
    api.error("POST", "/orders", 400, json={**base, "order_time": "yesterday"})
    api.error("POST", "/orders", 404, json={**base, "contact_id": "999"})
    items = [{"product_id": "999", "quantity": 1}]
    api.error("POST", "/orders", 400, json={**base, "order_items": items})
    items = [{"product_id": widget, "quantity": 0}]
    api.error("POST", "/orders", 400, json={**base, "order_items": items})
    api.error("POST", "/orders", 400, json={**base, "order_items": "all"})
    assert len(tenant.orders) == 0
    api.error("GET", "/orders/abc", 404)
    api.error("PATCH", "/orders/1", 404, json={"notes": "x"})
    order = v2_order(api, who, widget)
    api.error("PATCH", f"/orders/{order['id']}", 400, json={"contact_id": None})
    api.error("PATCH", f"/orders/{order['id']}", 400, json={"order_title": None})
    api.error("PATCH", f"/orders/{order['id']}", 400, json={"order_type": "BY_MAIL"})
    api.error("PATCH", f"/orders/{order['id']}", 400, json={"promo_codes": "SPRING"})
    api.error("PATCH", f"/orders/{order['id']}", 400, params={"update_mask": "colour"}, json={})


def test_list_filters_and_order(api: V2) -> None:
    ann, bob = v2_contact(api), v2_contact(api, "bob@example.com")
    widget, gadget = v2_product(api), v2_product(api, "Gadget", 300)
    first = v2_order(api, ann, widget)
    second = v2_order(api, bob, gadget, order_time="2026-02-01T00:00:00Z", order_type="OFFLINE")
    api.post(
        f"/orders/{first['id']}/payments",
        201,
        json={"payment_amount": 30, "apply_to_commissions": True},
    )

    def ids(**params: str) -> list[str]:
        return [o["id"] for o in api.get("/orders", params=params)["orders"]]

    assert ids() == [first["id"], second["id"]]
    assert ids(filter=f"contact_id=={bob}") == [second["id"]]
    assert ids(filter=f"product_id=={widget}") == [first["id"]]
    assert ids(filter="paid==true") == [first["id"]]
    assert ids(filter="order_type==OFFLINE") == [second["id"]]
    assert ids(filter="title==widg*") == [first["id"], second["id"]]
    assert ids(filter=f"id>{first['id']}") == [second["id"]]
    assert ids(order_by="order_time desc") == [second["id"], first["id"]]
    assert ids(filter="created_since_time==2000-01-01T00:00:00Z") == [first["id"], second["id"]]
    page = api.get("/orders", params={"page_size": 1})
    assert len(page["orders"]) == 1 and page["next_page_token"]
    api.error("GET", "/orders", 400, params={"filter": "colour==red"})
    api.error("GET", "/orders", 400, params={"order_by": "total"})


def test_items_follow_the_totals(api: V2, tenant: Tenant) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    path = f"/orders/{order['id']}/items"
    extra = api.post(path, 201, json={"name": "Gift wrap", "quantity": 2, "price_per_unit": 2.5})
    assert extra["price_per_unit"]["amount"] == 250 and extra["item_type"] == "PRODUCT"
    assert tenant.orders.get(int(order["id"])).total == Decimal("35.00")
    assert api.get(f"{path}/{extra['id']}") == extra
    patched = api.patch(f"{path}/{extra['id']}", json={"quantity": 4, "price_per_unit": 1.25})
    assert patched["quantity"] == 4 and patched["price_per_unit"]["amount"] == 125
    masked = api.patch(
        f"{path}/{extra['id']}", params={"update_mask": "notes"}, json={"notes": "N", "quantity": 9}
    )
    assert masked["notes"] == "N" and masked["quantity"] == 4
    assert api.get(f"/orders/{order['id']}")["total"]["amount"] == 3500
    api.delete(f"{path}/{extra['id']}")
    api.error("GET", f"{path}/{extra['id']}", 404)
    assert api.get(f"/orders/{order['id']}")["total"]["amount"] == 3000
    api.error("POST", path, 400, json={"name": "No quantity", "price_per_unit": 1})
    api.error("PATCH", f"{path}/{order['order_items'][0]['id']}", 400, json={"quantity": -1})


def test_apply_tax_commission_and_files(api: V2, tenant: Tenant) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api, taxable=True))
    taxed = api.post(f"/orders/{order['id']}:applyTax")
    assert taxed["total"]["amount"] == 3250  # 10 % of the taxable 25.00
    item_id = order["order_items"][0]["id"]
    body = {"affiliate_id": "7", "payout_type": "UPFRONT", "pay_percent": 10}
    api.post(f"/orders/{order['id']}/items/{item_id}:applyCommission", json=body)
    stored = tenant.orders.get(int(order["id"])).item(int(item_id))
    assert stored is not None and stored.commissions[0].pay_percent == Decimal(10)
    api.error(
        "POST",
        f"/orders/{order['id']}/items/{item_id}:applyCommission",
        400,
        json={"affiliate_id": "7", "payout_type": "SOMEDAY", "pay_percent": 1},
    )
    file_id = tenant.files.create("r.txt", b"hi", association="CONTACT", contact_id=int(who)).id
    attached = api.post(f"/orders/{order['id']}:attachFile", json={"file_id": str(file_id)})
    assert attached["files"] == [{"file_id": str(file_id)}]
    detached = api.post(f"/orders/{order['id']}:detachFile", json={"file_id": str(file_id)})
    assert detached["files"] == []
    api.error("POST", f"/orders/{order['id']}:detachFile", 400, json={"file_id": str(file_id)})
    api.error("POST", f"/orders/{order['id']}:attachFile", 400, json={"file_id": "999"})


def test_custom_fields_on_orders(api: V2, tenant: Tenant) -> None:
    field = api.post(
        "/orders/model/customFields", 201, json={"label": "Channel", "field_type": "TEXT"}
    )
    order = v2_order(
        api,
        v2_contact(api),
        v2_product(api),
        custom_fields=[{"id": field["id"], "content": "Web"}],
    )
    assert order["custom_fields"] == [{"id": field["id"], "content": "Web"}]
    listed = api.get("/orders", params={"filter": "channel==web"})["orders"]
    assert [o["id"] for o in listed] == [order["id"]]
    api.error(
        "PATCH",
        f"/orders/{order['id']}",
        400,
        json={"custom_fields": [{"id": "999", "content": 1}]},
    )
    api.delete(f"/orders/model/customFields/{field['id']}")
    assert tenant.orders.get(int(order["id"])).custom_fields == {}


def test_a_partial_then_a_full_payment_moves_the_order_and_creates_transactions(
    api: V2, tenant: Tenant
) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api))
    path = f"/orders/{order['id']}/payments"
    first = api.post(
        path,
        201,
        json={"payment_amount": 10, "apply_to_commissions": True, "payment_method_type": "CHECK"},
    )
    assert first["payment_status_message"] == "MANUAL_PAID"
    middle = api.get(f"/orders/{order['id']}")
    assert middle["status"] == "DRAFT" and middle["total_paid"]["amount"] == 1000
    assert tenant.orders.get(int(order["id"])).status == "PARTIALLY_PAID"
    card_id = card(tenant, who)
    second = api.post(
        path,
        201,
        json={
            "payment_amount": 20,
            "apply_to_commissions": False,
            "payment_method_id": str(card_id),
        },
    )
    assert second["payment_status_message"] == "APPROVED"
    paid = api.get(f"/orders/{order['id']}")
    assert paid["status"] == "PAID" and paid["total_due"]["amount"] == 0
    payments = api.get(path)["invoice_order_payments"]
    assert [(p["amount"], p["pay_status"], p["skip_commission"]) for p in payments] == [
        (10.0, "MANUAL_PAID", False),
        (20.0, "APPROVED", True),
    ]
    assert api.get(path, params={"filter": "pay_status==APPROVED"})["invoice_order_payments"] == [
        payments[1]
    ]
    transactions = api.get("/sales/transactions", params={"filter": f"order_id=={order['id']}"})
    assert [t["transaction_method"] for t in transactions["transactions"]] == ["MANUAL", "CAPTURE"]
    assert {t["payment_id"] for t in transactions["transactions"]} == {first["id"], second["id"]}
    api.error("POST", path, 400, json={"payment_amount": 1, "apply_to_commissions": True})


def test_a_declined_card_answers_400_and_leaves_a_failed_transaction(
    api: V2, tenant: Tenant
) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api))
    declined = card(tenant, who, "4000000000000002")
    body = {"payment_amount": 30, "apply_to_commissions": True, "payment_method_id": str(declined)}
    error = api.error("POST", f"/orders/{order['id']}/payments", 400, json=body)
    assert "Card declined" in error["message"]
    assert api.get(f"/orders/{order['id']}/payments") == {"invoice_order_payments": []}
    failed = api.get("/sales/transactions", params={"filter": "is_successful==false"})
    [tx] = failed["transactions"]
    assert tx["status"] == "FAILED" and tx["error_details"] == "Card declined"
    assert tx["payment_method"]["card_info"]["last_four"] == "0002"
    api.error("POST", f"/orders/{order['id']}/payments", 400, json={"payment_amount": "x"})
    api.error("POST", f"/orders/{order['id']}/payments", 400, json={"payment_amount": 1})
    api.error(
        "POST",
        "/orders/999/payments",
        404,
        json={"payment_amount": 1, "apply_to_commissions": True},
    )


def test_payment_plan_through_patch(api: V2) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    plan = {
        "number_of_payments": 3,
        "days_between_payments": 30,
        "plan_start_date": "2026-02-01",
        "initial_payment_amount": 6,
        "initial_payment_date": "2026-01-15",
    }
    patched = api.patch(f"/orders/{order['id']}", json={"payment_plan": plan})
    schedule = patched["payment_plan"]["payment_plan_items"]
    assert [(i["due_date"], i["amount_due"]["amount"]) for i in schedule] == [
        ("2026-01-15", 600),
        ("2026-02-01", 800),
        ("2026-03-03", 800),
        ("2026-04-02", 800),
    ]
    bad = {**plan, "plan_start_date": "soon"}
    api.error("PATCH", f"/orders/{order['id']}", 400, json={"payment_plan": bad})


def test_an_auto_charge_plan_is_collected_when_the_order_is_read(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    who = v2_contact(api)
    order = v2_order(api, who, v2_product(api))
    today = sim.clock.now().date().isoformat()
    plan = {
        "number_of_payments": 2,
        "days_between_payments": 30,
        "plan_start_date": today,
        "auto_charge": True,
        "payment_method_id": str(card(tenant, who)),
    }
    api.patch(f"/orders/{order['id']}", json={"payment_plan": plan})
    read = api.get(f"/orders/{order['id']}")
    assert read["total_paid"]["amount"] == 1500
    assert [i["status"] for i in read["payment_plan"]["payment_plan_items"]] == [
        "PAID",
        "UNPAID_AUTOCHARGE",
    ]
    sim.clock.advance(30 * 24 * 3600.0)
    assert [p["amount"] for p in api.get("/sales/payments")["payments"]] == [15.0, 15.0]
    assert api.get(f"/orders/{order['id']}")["status"] == "PAID"

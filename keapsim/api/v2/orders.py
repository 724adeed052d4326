"""v2 orders (``swagger.yml``): list, create, get, PATCH, delete, items (create, get, PATCH,
delete, ``:applyCommission``), ``:applyTax``, ``:attachFile``, ``:detachFile`` and payments.

Shapes: ``OrderV2`` and ``OrderItem`` (answers, money as ``CurrencyValue``),
``RestCreateOrderRequest``, ``UpdateOrderRequest``, ``CreateOrderItemRequest``,
``UpdateOrderItemRequest``, ``ApplyCommissionRequest``, ``FileOperationRequest``,
``RestCreatePaymentRequest`` (money in dollars), ``PaymentResult``, ``InvoiceOrderPayment``,
``ListOrders`` and ``ListOrderPaymentsResponse``. The store is shared with v1
(``keapsim/api/v1/orders.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid, Tenant
from ...store.custom_fields import ORDER
from ...store.order_records import Commission, Order, OrderItem, iso_date
from ...store.payments import Payment
from ...wire import jsonify
from ..commerce import address_in, declined, item_in, items_in, plan_in
from ..common import as_bool, as_datetime, as_str, json_body, path_id, tenant
from ..crud import as_decimal
from ..custom_values import custom_values_in, custom_values_out
from . import blueprint
from .custom_filters import by_field_name, custom_field_test, operators
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    text_matches,
    timestamp,
    update_mask,
)
from .lead_source_expenses import currency_value
from .listing import filtered_page
from .shapes import sid, string_id

KIND = "Order"
ITEM_KIND = "Order Item"
# The v2 status enum is DRAFT | SENT | VIEWED | PAID (an invoice's life); keapsim's choice:
# a paid or refunded order is PAID, an unpaid one SENT once it has a sent_time, else DRAFT.
PAID_STATUSES = ("PAID", "REFUNDED")
MASK = (
    "contact_id",
    "order_items",
    "order_title",
    "order_time",
    "order_type",
    "promo_codes",
    "lead_affiliate_id",
    "sales_affiliate_id",
    "shipping_address",
    "notes",
    "terms",
    "payment_plan",
    "custom_fields",
    "sent_time",
    "title",
    "due_time",
    "invoice_number",
    "external_create_user",
    "external_create_time",
    "external_update_time",
)
ITEM_MASK = (
    "name",
    "description",
    "notes",
    "quantity",
    "price_per_unit",
    "cost_per_unit",
    "product_id",
    "subscription_plan_id",
    "subscription_plan_description",
)
_TIMES = ("order_time", "sent_time", "due_time", "external_create_time", "external_update_time")
_IDS = ("contact_id", "lead_affiliate_id", "sales_affiliate_id")


# -- answers ---------------------------------------------------------------------------------
def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def order_v2(order: Order, store: Tenant) -> dict[str, Any]:
    """``OrderV2``."""
    contact = store.contacts.find(order.contact_id)
    status = order.status
    body: dict[str, Any] = {
        "id": str(order.id),
        "title": order.title,
        "status": "PAID" if status in PAID_STATUSES else "SENT" if order.sent_time else "DRAFT",
        "total": currency_value(order.total),
        "contact": _contact(order.contact_id, contact),
        "notes": order.notes,
        "terms": order.terms,
        "order_type": order.order_type,
        "source_type": order.source_type,
        "creation_time": iso(order.create_time),
        "modification_time": iso(order.update_time),
        "order_time": iso(order.order_time),
        "lead_affiliate_id": sid(order.lead_affiliate_id),
        "sales_affiliate_id": sid(order.sales_affiliate_id),
        "total_paid": currency_value(order.total_paid),
        "total_due": currency_value(order.total_due),
        "shipping_information": _shipping(order),
        "refund_total": currency_value(order.refund_total),
        "allow_payment": True,
        "allow_paypal": False,
        "order_items": [item_v2(order, item, store) for item in order.items],
        "payment_plan": _plan(order),
        "invoice_number": order.invoice_number,
        "files": [{"file_id": str(f)} for f in order.file_ids],
        "promo_code": ",".join(order.promo_codes) or None,
        "refund_status": order.refund_status,
        "invoice_id": str(order.id),  # keapsim's invoice is the order itself
        "custom_fields": custom_values_out(order, store, ORDER, str),
        "sent_time": _time(order.sent_time),
        "due_time": _time(order.due_time),
        "external_create_user": order.external_create_user,
        "external_create_time": _time(order.external_create_time),
        "external_update_time": _time(order.external_update_time),
    }
    return {k: v for k, v in body.items() if v is not None}


def _contact(contact_id: int, contact: Any) -> dict[str, Any]:
    if contact is None:
        return {"id": str(contact_id)}
    body = {
        "id": str(contact.id),
        "email": contact.primary_email,
        "given_name": contact.given_name,
        "family_name": contact.family_name,
    }
    return {k: v for k, v in body.items() if v is not None}


def _shipping(order: Order) -> dict[str, Any] | None:
    """``ShippingInformation`` from the stored AddressInformation."""
    given = order.shipping_address
    if not given:
        return None
    address = {
        "line1": given.get("line1"),
        "line2": given.get("line2"),
        "locality": given.get("locality"),
        "region": given.get("region"),
        "country_code": given.get("country_code"),
        "zip_code": given.get("zip_code"),
        "zip_four": given.get("zip_four"),
        "field": "SHIPPING",
    }
    body = {
        "id": str(order.id),
        "address": {k: v for k, v in address.items() if v is not None},
        "company": given.get("company"),
        "given_name": given.get("first_name"),
        "family_name": given.get("last_name"),
        "phone_number": given.get("phone"),
        "invoice_to_company": given.get("is_invoice_to_company"),
    }
    return {k: v for k, v in body.items() if v is not None}


def _plan(order: Order) -> dict[str, Any] | None:
    plan = order.payment_plan
    if plan is None:
        return None
    initial = plan.initial_payment_amount
    body = {
        "auto_charge": plan.auto_charge,
        "max_charge_attempts": plan.max_charge_attempts,
        "days_between_retries": plan.days_between_retries,
        "payment_method_id": sid(plan.card_id),
        "initial_payment_amount": None if initial is None else currency_value(initial),
        "initial_payment_date": plan.initial_payment_date,
        "plan_start_date": plan.plan_start_date,
        "number_of_payments": plan.number_of_payments,
        "days_between_payments": plan.days_between_payments,
        "payment_plan_items": [
            {
                "status": i.status,
                "due_date": i.due_date,
                "amount_due": currency_value(i.amount_due),
                "amount_paid": currency_value(i.amount_paid),
            }
            for i in order.instalments()
        ],
    }
    return {k: v for k, v in body.items() if v is not None}


def item_v2(order: Order, item: OrderItem, store: Tenant) -> dict[str, Any]:
    """``OrderItem``: ``discount`` is what the order's discounts take off this item."""
    discount = sum((d.amount for d in order.discounts if d.item_id == item.id), Decimal(0))
    product = store.products.find(item.product_id)
    plan = store.subscription_plans.find(item.subscription_plan_id)
    body: dict[str, Any] = {
        "id": str(item.id),
        "name": item.name,
        "description": item.description,
        "notes": item.notes,
        "quantity": item.quantity,
        "discount": currency_value(discount),
        "item_type": item.item_type,
        "cost_per_unit": currency_value(item.cost),
        "price_per_unit": currency_value(item.price),
    }
    if product is not None:
        body["product"] = {
            "id": str(product.id),
            "name": product.name,
            "sku": product.sku,
            "description": product.description,
            "shippable": product.shippable,
            "taxable": product.taxable,
        }
        body["product"] = {k: v for k, v in body["product"].items() if v is not None}
    if plan is not None:
        body["subscription_plan"] = {
            "id": str(plan.id),
            "frequency": plan.frequency,
            "active": plan.active,
            "subscription_plan_name": store.subscription_plans.name_of(plan),
            "cycle_type": plan.cycle,
            "total_cycles": plan.total_cycles,
            "plan_price": currency_value(plan.plan_price),
            "display_order_index": plan.display_order_index,
        }
    return {k: v for k, v in body.items() if v is not None}


def payment_v2(payment: Payment) -> dict[str, Any]:
    """``InvoiceOrderPayment`` (a refund carries the refunded payment's id)."""
    body = {
        "id": str(payment.id),
        "amount": float(payment.amount),
        "note": payment.note,
        "invoice_id": str(payment.order_id),
        "payment_id": str(payment.id),
        "pay_time": iso(payment.pay_time),
        "pay_status": payment.pay_status,
        "last_updated_time": iso(payment.update_time),
        "skip_commission": payment.skip_commission,
        "refund_invoice_payment_id": sid(payment.refund_of),
    }
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
def order_fields_from_v2(body: dict[str, Any], current: Order | None) -> dict[str, Any]:
    """``RestCreateOrderRequest`` / ``UpdateOrderRequest`` → store fields (without items)."""
    data: dict[str, Any] = {}
    title = body.get("order_title", body.get("title"))
    if "order_title" in body or "title" in body:
        data["title"] = as_str(title, "order_title")
    for name in ("notes", "terms", "invoice_number", "external_create_user"):
        if name in body:
            data[name] = as_str(body[name], name)
    if "order_type" in body:
        data["order_type"] = as_str(body["order_type"], "order_type")
    if "contact_id" in body and body["contact_id"] is None:
        raise Invalid("contact_id cannot be cleared", field="contact_id")
    for name in _IDS:
        if name in body:
            data[name] = None if body[name] is None else string_id(body[name], name)
    for name in _TIMES:
        if name in body:
            data[name] = None if body[name] is None else as_datetime(body[name], name)
    if "promo_codes" in body:
        codes = body["promo_codes"] or []
        if not isinstance(codes, list):
            raise Invalid("promo_codes must be a list", field="promo_codes")
        data["promo_codes"] = tuple(as_str(c, "promo_codes") or "" for c in codes)
    if "shipping_address" in body:
        data["shipping_address"] = address_in(body["shipping_address"])
    if "custom_fields" in body:
        given = custom_values_in(body["custom_fields"], string_id)
        data["custom_fields"] = {**(current.custom_fields if current else {}), **given}
    if body.get("payment_plan") is not None:
        data["payment_plan"] = plan_in(body["payment_plan"], "payment_method_id", string_id)
    return data


def _item(body: Any) -> Any:
    return item_in(body, string_id, price="price_per_unit", cost="cost_per_unit")


# -- orders ----------------------------------------------------------------------------------
FILTERS: dict[str, tuple[str, ...]] = {
    "id": COMPARE,
    "ids": EQ,
    "product_id": EQ,
    "contact_id": EQ,
    "invoice_id": EQ,
    "invoice_xid": EQ,
    "paid": EQ,
    "created_since_time": EQ,
    "created_until_time": EQ,
    "modified_since_time": EQ,
    "modified_until_time": EQ,
    "title": EQ,
    "order_type": EQ,
    "shipping_locality": EQ,
    "shipping_region_code": EQ,
    "shipping_postal_code": EQ,
    "shipping_country_code": EQ,
}
ORDERS: dict[str, Callable[[Order], Any]] = {
    "id": lambda o: o.id,
    "order_time": lambda o: o.order_time,
    "modification_time": lambda o: o.update_time,
}
_SHIPPING = {
    "shipping_locality": "locality",
    "shipping_region_code": "region",
    "shipping_postal_code": "zip_code",
    "shipping_country_code": "country_code",
}


def _order_test(clause: Clause) -> Callable[[Order], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name in ("id", "invoice_id", "invoice_xid"):
        wanted = positive_int(value, name)
        return lambda o: compare(o.id, op, wanted)
    if name == "ids":
        ids = id_set(value, name)
        return lambda o: o.id in ids
    if name == "contact_id":
        contact = positive_int(value, name)
        return lambda o: o.contact_id == contact
    if name == "product_id":
        product = positive_int(value, name)
        return lambda o: product in o.product_ids
    if name == "paid":
        paid = as_bool(value, "filter")
        return lambda o: (o.status in PAID_STATUSES) == paid
    if name.endswith(("_since_time", "_until_time")):
        return _time_test(name, value)
    if name == "title":
        return lambda o: text_matches(o.title, value)
    if name == "order_type":
        return lambda o: o.order_type == value.upper()
    key = _SHIPPING[name]
    return lambda o: text_matches((o.shipping_address or {}).get(key), value, wildcard=False)


def _time_test(name: str, value: str) -> Callable[[Order], bool]:
    moment = timestamp(value, name)
    read: Callable[[Order], datetime] = (
        (lambda o: o.create_time) if name.startswith("created") else (lambda o: o.update_time)
    )
    if name.endswith("_since_time"):
        return lambda o: read(o) >= moment
    return lambda o: read(o) <= moment


@blueprint.get("/orders")
def list_orders_v2() -> Response:
    store = tenant()
    custom = by_field_name(store.custom_fields.of_record_type(ORDER))

    def test(clause: Clause) -> Callable[[Order], bool]:
        if clause.field in FILTERS:
            return _order_test(clause)
        return custom_field_test(custom[clause.field], clause.op, clause.value)

    body = filtered_page(
        "orders",
        store.orders.list(),
        lambda o: order_v2(o, store),
        filters=FILTERS,
        any_case=operators(custom),
        test=test,
        orders=ORDERS,
    )
    return jsonify(body)


@blueprint.post("/orders")
def create_order_v2() -> tuple[Response, int]:
    body = json_body()
    for name in ("contact_id", "order_title", "order_time", "order_type"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    fields = order_fields_from_v2(body, None)
    fields.pop("payment_plan", None)  # not on RestCreateOrderRequest
    items = items_in(
        body.get("order_items"), string_id, price="price_per_unit", cost="cost_per_unit"
    )
    store = tenant()
    order = store.orders.create(fields.pop("contact_id"), items, **fields)
    return jsonify(order_v2(order, store)), 201


@blueprint.get("/orders/<order_id>")
def get_order_v2(order_id: str) -> Response:
    store = tenant()
    return jsonify(order_v2(store.orders.get(path_id(order_id, KIND)), store))


@blueprint.patch("/orders/<order_id>")
def update_order_v2(order_id: str) -> Response:
    number = path_id(order_id, KIND)
    store = tenant()
    current = store.orders.get(number)
    mask = update_mask(MASK)
    body = json_body()
    if "order_items" in (mask or ()) or "order_items" in body:
        # The mask's enum names order_items, but UpdateOrderRequest has no such property:
        # items change through /orders/{order_id}/items (createOrderItem, updateOrderItem,
        # deleteOrderItem), so replacing them here is refused rather than ignored.
        raise Invalid(
            "order_items cannot be updated here; use /v2/orders/{order_id}/items",
            field="order_items",
        )
    changes = order_fields_from_v2(body, current)
    renamed = {"order_title": ("title",), "title": ("title",)}
    changes = masked(changes, mask, renamed)
    order = store.orders.update(number, **changes) if changes else current
    return jsonify(order_v2(order, store))


@blueprint.delete("/orders/<order_id>")
def delete_order_v2(order_id: str) -> Response:
    tenant().orders.delete(path_id(order_id, KIND))
    return Response(status=204)


@blueprint.post("/orders/<order_id>:applyTax")
def apply_tax_v2(order_id: str) -> Response:
    store = tenant()
    return jsonify(order_v2(store.orders.apply_tax(path_id(order_id, KIND)), store))


@blueprint.post("/orders/<order_id>:attachFile")
def attach_file_v2(order_id: str) -> Response:
    number = path_id(order_id, KIND)
    file_id = _file_id(json_body())
    store = tenant()
    return jsonify(order_v2(store.orders.attach_file(number, file_id), store))


@blueprint.post("/orders/<order_id>:detachFile")
def detach_file_v2(order_id: str) -> Response:
    number = path_id(order_id, KIND)
    file_id = _file_id(json_body())
    store = tenant()
    return jsonify(order_v2(store.orders.detach_file(number, file_id), store))


def _file_id(body: dict[str, Any]) -> int:
    if body.get("file_id") is None:
        raise Invalid("file_id is required", field="file_id")
    return string_id(body["file_id"], "file_id")


# -- items -----------------------------------------------------------------------------------
ITEMS = "/orders/<order_id>/items"


@blueprint.post(ITEMS)
def create_order_item_v2(order_id: str) -> tuple[Response, int]:
    number = path_id(order_id, KIND)
    store = tenant()
    item = store.orders.add_item(number, _item(json_body()))
    return jsonify(item_v2(store.orders.get(number), item, store)), 201


@blueprint.get(f"{ITEMS}/<item_id>")
def get_order_item_v2(order_id: str, item_id: str) -> Response:
    number = path_id(order_id, KIND)
    store = tenant()
    item = store.orders.item(number, path_id(item_id, ITEM_KIND))
    return jsonify(item_v2(store.orders.get(number), item, store))


@blueprint.patch(f"{ITEMS}/<item_id>")
def update_order_item_v2(order_id: str, item_id: str) -> Response:
    number, item_number = path_id(order_id, KIND), path_id(item_id, ITEM_KIND)
    store = tenant()
    store.orders.item(number, item_number)
    mask = update_mask(ITEM_MASK)
    changes = masked(
        _item_changes(json_body()), mask, {"price_per_unit": ("price",), "cost_per_unit": ("cost",)}
    )
    item = (
        store.orders.update_item(number, item_number, **changes)
        if changes
        else store.orders.item(number, item_number)
    )
    return jsonify(item_v2(store.orders.get(number), item, store))


def _item_changes(body: dict[str, Any]) -> dict[str, Any]:
    """``UpdateOrderItemRequest`` → item fields (``subscription_plan_description`` is kept
    nowhere: keapsim names plans itself)."""
    changes: dict[str, Any] = {}
    for name in ("name", "description", "notes"):
        if name in body:
            changes[name] = as_str(body[name], name)
    if body.get("quantity") is not None:
        changes["quantity"] = _item({"quantity": body["quantity"]}).quantity
    for wire, name in (("price_per_unit", "price"), ("cost_per_unit", "cost")):
        if body.get(wire) is not None:
            changes[name] = as_decimal(body[wire], wire)
    for name in ("product_id", "subscription_plan_id"):
        if name in body:
            changes[name] = None if body[name] is None else string_id(body[name], name)
    return changes


@blueprint.delete(f"{ITEMS}/<item_id>")
def delete_order_item_v2(order_id: str, item_id: str) -> Response:
    tenant().orders.remove_item(path_id(order_id, KIND), path_id(item_id, ITEM_KIND))
    return Response(status=204)


@blueprint.post(f"{ITEMS}/<item_id>:applyCommission")
def apply_commission_v2(order_id: str, item_id: str) -> Response:
    """``ApplyCommissionRequest``; the document gives the 200 no body schema: keapsim answers
    the item with its commission (keapsim's choice)."""
    number, item_number = path_id(order_id, KIND), path_id(item_id, ITEM_KIND)
    body = json_body()
    for name in ("affiliate_id", "payout_type"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    commission = Commission(
        affiliate_id=string_id(body["affiliate_id"], "affiliate_id"),
        payout_type=as_str(body["payout_type"], "payout_type") or "",
        pay_percent=_money(body, "pay_percent"),
        commission_amount=_money(body, "commission_amount"),
        description=as_str(body.get("description"), "description"),
        commission_date=_commission_date(body.get("commission_date")),
    )
    store = tenant()
    item = store.orders.apply_commission(number, item_number, commission)
    return jsonify(item_v2(store.orders.get(number), item, store))


def _money(body: dict[str, Any], name: str) -> Decimal | None:
    return None if body.get(name) is None else as_decimal(body[name], name)


def _commission_date(value: Any) -> str | None:
    return (
        None
        if value is None
        else iso_date(as_str(value, "commission_date") or "", "commission_date")
    )


# -- payments --------------------------------------------------------------------------------
PAYMENT_FILTERS: dict[str, tuple[str, ...]] = {
    "invoice_id": EQ,
    "payment_id": EQ,
    "amount": EQ,
    "pay_status": EQ,
    "skip_commission": EQ,
}
PAYMENT_ORDERS: dict[str, Callable[[Payment], Any]] = {
    "invoice_id": lambda p: p.order_id,
    "payment_id": lambda p: p.id,
    "amount": lambda p: p.amount,
    "pay_time": lambda p: p.pay_time,
    "pay_status": lambda p: p.pay_status,
    "skip_commission": lambda p: p.skip_commission,
    "last_updated_time": lambda p: p.update_time,
}


def _payment_test(clause: Clause) -> Callable[[Payment], bool]:
    name, value = clause.field, clause.value
    if name == "invoice_id":
        wanted = positive_int(value, name)
        return lambda p: p.order_id == wanted
    if name == "payment_id":
        wanted = positive_int(value, name)
        return lambda p: p.id == wanted
    if name == "amount":
        amount = as_decimal(value, "filter")
        return lambda p: p.amount == amount
    if name == "skip_commission":
        flag = as_bool(value, "filter")
        return lambda p: p.skip_commission == flag
    return lambda p: p.pay_status == value.upper()


@blueprint.get("/orders/<order_id>/payments")
def list_order_payments_v2(order_id: str) -> Response:
    store = tenant()
    number = path_id(order_id, KIND)
    store.orders.get(number)
    body = filtered_page(
        "invoice_order_payments",
        store.payments.of_order(number),
        payment_v2,
        filters=PAYMENT_FILTERS,
        test=_payment_test,
        orders=PAYMENT_ORDERS,
        default_order="payment_id",
    )
    return jsonify(body)


@blueprint.post("/orders/<order_id>/payments")
def create_order_payment_v2(order_id: str) -> tuple[Response, int]:
    """``RestCreatePaymentRequest``: with ``payment_method_id`` (a stored card: keapsim's
    payment methods are the contact's cards) the card is charged, else a manual payment of
    ``payment_method_type`` (CASH by default) is recorded."""
    number = path_id(order_id, KIND)
    body = json_body()
    if body.get("payment_amount") is None:
        raise Invalid("payment_amount is required", field="payment_amount")
    if body.get("apply_to_commissions") is None:
        raise Invalid("apply_to_commissions is required", field="apply_to_commissions")
    amount = as_decimal(body["payment_amount"], "payment_amount")
    card = body.get("payment_method_id")
    outcome = tenant().orders.add_payment(
        number,
        amount,
        card_id=None if card is None else string_id(card, "payment_method_id"),
        method=(as_str(body.get("payment_method_type"), "payment_method_type") or None),
        note=as_str(body.get("notes"), "notes"),
        pay_time=None
        if body.get("payment_time") is None
        else as_datetime(body["payment_time"], "payment_time"),
        skip_commission=not as_bool(body["apply_to_commissions"], "apply_to_commissions"),
    )
    if outcome.payment is None:
        raise declined(outcome)
    result = {
        "id": str(outcome.payment.id),
        "invoice_id": str(number),
        "payment_amount": float(outcome.payment.amount),
        "payment_status_message": outcome.payment.pay_status,
        "transaction_id": str(outcome.transaction.id),
    }
    return jsonify(result), 201

"""v1 orders (the v1 document, ``2025-11-05-v1.json``): list, create, get, delete, items
(POST, DELETE), ``paymentPlan`` (PUT), payments (GET, POST) and an order's transactions.

Shapes: ``EcommerceReportingOrder`` (GET one, list items), ``Order`` (the create answer: its
items are ``OrderItem``, its address ``RestV1AddressInformation``, its plan
``RestPaymentPlan``), ``CreateOrder``, ``CreateOrderItem``, ``RestPaymentPlan``,
``CreatePayment``, ``PaymentResult``, ``InvoicePayment`` and ``OrderList``. The store is
shared with v2 (``keapsim/api/v2/orders.py``).

v1's ``status`` is a bare string in its document; keapsim sends UNPAID, PARTIALLY_PAID, PAID or
REFUNDED (docs/reference/commerce-orders.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid, Tenant
from ...store.order_records import Order, OrderItem, PaymentPlan
from ...store.payments import Payment
from ...wire import jsonify
from ..commerce import address_in, declined, item_in, plan_in
from ..common import (
    UNCONVERTIBLE,
    BadInput,
    as_bool,
    as_datetime,
    as_int,
    as_str,
    json_body,
    path_id,
    query_int,
    query_time,
    tenant,
)
from ..crud import as_decimal
from ..paging import v1_window
from . import blueprint, no_content
from .products import product_item_v1
from .shapes import v1_time

KIND = "Order"
ITEM_KIND = "Order Item"
# v1's CreateOrderItem.item_type names discounts SPECIAL_*; the store uses v2's DISCOUNT_*.
ITEM_TYPES_IN = {
    "SPECIAL": "DISCOUNT",
    "SPECIAL_FREE_TRIAL_DAYS": "DISCOUNT_FREE_TRIAL",
    "SPECIAL_ORDER_TOTAL": "DISCOUNT_ORDER_TOTAL",
    "SPECIAL_PRODUCT": "DISCOUNT_PRODUCT",
    "SPECIAL_CATEGORY": "DISCOUNT_PRODUCT_CATEGORY",
    "SPECIAL_SHIPPING": "DISCOUNT_SHIPPING",
}
ORDER_TYPES_IN = {"Online": "ONLINE", "Offline": "OFFLINE"}
ORDER_TYPES_OUT = {store: wire for wire, store in ORDER_TYPES_IN.items()}
PAYMENT_METHODS = ("CREDIT_CARD", "CASH", "CHECK", "TOKEN")


def _money(amount: Decimal) -> float:
    return float(amount)


# -- answers ---------------------------------------------------------------------------------
def _contact(order: Order, store: Tenant) -> dict[str, Any]:
    """``EcommerceReportingOrderContactDetails``."""
    contact = store.contacts.find(order.contact_id)
    if contact is None:
        return {"id": order.contact_id}
    body = {
        "id": contact.id,
        "email": contact.primary_email,
        "first_name": contact.given_name,
        "last_name": contact.family_name,
        "job_title": contact.job_title,
        "company_name": contact.company_name,
    }
    return {k: v for k, v in body.items() if v is not None}


def _item_discount(order: Order, item: OrderItem) -> float:
    return _money(sum((d.amount for d in order.discounts if d.item_id == item.id), Decimal(0)))


def _item_fields(order: Order, item: OrderItem) -> dict[str, Any]:
    """What both v1 item shapes (``EcommerceReportingOrderItem``, ``OrderItem``) say of an
    item."""
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "notes": item.notes,
        "quantity": item.quantity,
        "price": _money(item.price),
        "cost": _money(item.cost),
        "discount": _item_discount(order, item),
        "type": item.item_type,
    }


def reporting_item_v1(order: Order, item: OrderItem, store: Tenant) -> dict[str, Any]:
    """``EcommerceReportingOrderItem``."""
    product = store.products.find(item.product_id)
    body = _item_fields(order, item)
    if product is not None:
        body["product"] = {
            "id": product.id,
            "name": product.name,
            "description": product.description,
            "sku": product.sku,
            "shippable": product.shippable,
            "taxable": product.taxable,
        }
        body["product"] = {k: v for k, v in body["product"].items() if v is not None}
    return {k: v for k, v in body.items() if v is not None}


def item_v1(order: Order, item: OrderItem, store: Tenant) -> dict[str, Any]:
    """``OrderItem`` (the create answers), with the item's taxes."""
    product = store.products.find(item.product_id)
    body = {
        **_item_fields(order, item),
        "orderItemTaxes": [
            {
                "name": tax.name,
                "rate": _money(tax.rate),
                "amount": _money(tax.amount),
                "orderItemId": item.id,
            }
            for tax in order.taxes
            if tax.item_id == item.id
        ],
    }
    if product is not None:
        body["product"] = product_item_v1(product)
    return {k: v for k, v in body.items() if v is not None}


def _dates(order: Order) -> dict[str, Any]:
    return {
        "creation_date": v1_time(order.create_time),
        "modification_date": v1_time(order.update_time),
        "order_date": v1_time(order.order_time),
    }


def _money_fields(order: Order) -> dict[str, Any]:
    return {
        "total": _money(order.total),
        "total_paid": _money(order.total_paid),
        "total_due": _money(order.total_due),
        "refund_total": _money(order.refund_total),
    }


def order_v1(order: Order, store: Tenant) -> dict[str, Any]:
    """``EcommerceReportingOrder`` (GET one and list items)."""
    body: dict[str, Any] = {
        "id": order.id,
        "title": order.title,
        "status": order.status,
        "contact": _contact(order, store),
        "contact_id": str(order.contact_id),
        **_dates(order),
        **_money_fields(order),
        "notes": order.notes,
        "terms": order.terms,
        "order_type": ORDER_TYPES_OUT.get(order.order_type, order.order_type),
        "source_type": order.source_type if order.source_type != "QUICKBOOKS" else "QBO_SYNC",
        "lead_affiliate_id": order.lead_affiliate_id,
        "sales_affiliate_id": order.sales_affiliate_id,
        "invoice_number": order.id,  # keapsim's invoice is the order itself
        "allow_payment": True,
        "allow_paypal": False,
        "recurring": any(i.subscription_plan_id is not None for i in order.items),
        "product_id": ",".join(str(p) for p in sorted(order.product_ids)) or None,
        "order_items": [reporting_item_v1(order, i, store) for i in order.items],
        "shipping_information": _shipping_reporting(order),
        "payment_plan": _plan_reporting(order),
    }
    return {k: v for k, v in body.items() if v is not None}


def created_order_v1(order: Order, store: Tenant) -> dict[str, Any]:
    """``Order``: the create answer."""
    body: dict[str, Any] = {
        "id": order.id,
        "title": order.title,
        "status": order.status,
        "contact": _contact(order, store),
        **_dates(order),
        **_money_fields(order),
        "notes": order.notes,
        "lead_affiliate_id": order.lead_affiliate_id,
        "sales_affiliate_id": order.sales_affiliate_id,
        "order_items": [item_v1(order, i, store) for i in order.items],
        "shipping_information": order.shipping_address or None,
        "payment_plan": plan_v1(order.payment_plan) if order.payment_plan else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def _shipping_reporting(order: Order) -> dict[str, Any] | None:
    """``EcommerceReportingShippingInformation`` from the stored address."""
    given = order.shipping_address
    if not given:
        return None
    names = {
        "first_name": "first_name",
        "middle_name": "middle_name",
        "last_name": "last_name",
        "company": "company",
        "phone": "phone",
        "street1": "line1",
        "street2": "line2",
        "city": "locality",
        "state": "region",
        "zip": "zip_code",
        "country": "country_code",
        "invoiceToCompany": "is_invoice_to_company",
    }
    body = {wire: given.get(name) for wire, name in names.items()}
    return {"id": order.id, **{k: v for k, v in body.items() if v is not None}}


def plan_v1(plan: PaymentPlan) -> dict[str, Any]:
    """``RestPaymentPlan``."""
    body: dict[str, Any] = {
        "auto_charge": plan.auto_charge,
        "credit_card_id": plan.card_id,
        "days_between_payments": plan.days_between_payments,
        "initial_payment_amount": None
        if plan.initial_payment_amount is None
        else _money(plan.initial_payment_amount),
        "initial_payment_date": plan.initial_payment_date,
        "number_of_payments": plan.number_of_payments,
        "plan_start_date": plan.plan_start_date,
        "payment_gateway": {
            "merchant_account_id": plan.merchant_id,
            "use_default": plan.merchant_id is None,
        },
    }
    body["payment_gateway"] = {k: v for k, v in body["payment_gateway"].items() if v is not None}
    return {k: v for k, v in body.items() if v is not None}


def _plan_reporting(order: Order) -> dict[str, Any] | None:
    """``EcommerceReportingPaymentPlan``."""
    plan = order.payment_plan
    if plan is None:
        return None
    body = {
        **plan_v1(plan),
        "payment_method_id": None if plan.card_id is None else str(plan.card_id),
        "max_charge_attempts": plan.max_charge_attempts,
        "days_between_retries": plan.days_between_retries,
    }
    return {k: v for k, v in body.items() if v is not None}


def payment_v1(payment: Payment) -> dict[str, Any]:
    """``InvoicePayment``."""
    body = {
        "id": payment.id,
        "amount": _money(payment.amount),
        "invoice_id": payment.order_id,
        "payment_id": payment.id,
        "pay_date": v1_time(payment.pay_time),
        "pay_status": payment.pay_status,
        "last_updated": v1_time(payment.update_time),
        "note": payment.note,
        "skip_commission": payment.skip_commission,
        "refund_invoice_payment_id": payment.refund_of,
    }
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
def _v1_id(value: Any, name: str) -> int:
    return as_int(value, name, minimum=1)


def _item_in(body: Any) -> Any:
    if isinstance(body, dict):
        if body.get("product_id") is None:
            raise Invalid("product_id is required", field="product_id")
        kind = body.get("item_type")
        if isinstance(kind, str):
            body = {**body, "item_type": ITEM_TYPES_IN.get(kind, kind)}
    return item_in(body, _v1_id, price="price", cost=None)


def _create_fields(body: dict[str, Any]) -> dict[str, Any]:
    """``CreateOrder`` → store fields (the items apart)."""
    for name in ("contact_id", "order_date", "order_title", "order_type", "order_items"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    order_type = body["order_type"]
    if not isinstance(order_type, str) or order_type not in ORDER_TYPES_IN:
        raise Invalid("order_type must be one of Online, Offline", field="order_type")
    fields: dict[str, Any] = {
        "contact_id": _v1_id(body["contact_id"], "contact_id"),
        "title": as_str(body["order_title"], "order_title"),
        "order_time": as_datetime(body["order_date"], "order_date"),
        "order_type": ORDER_TYPES_IN[order_type],
    }
    for name in ("lead_affiliate_id", "sales_affiliate_id"):
        if body.get(name) is not None:
            fields[name] = _v1_id(body[name], name)
    if body.get("shipping_address") is not None:
        fields["shipping_address"] = address_in(body["shipping_address"])
    codes = body.get("promo_codes")
    if codes is not None:
        if not isinstance(codes, list):
            raise BadInput(UNCONVERTIBLE, field="promo_codes")
        fields["promo_codes"] = tuple(as_str(c, "promo_codes") or "" for c in codes)
    return fields


# -- orders ----------------------------------------------------------------------------------


def window_test(read: Callable[[Any], datetime]) -> Callable[[Any], bool]:
    since, until = query_time("since"), query_time("until")
    return lambda r: (since is None or read(r) >= since) and (until is None or read(r) <= until)


@blueprint.get("/orders")
def list_orders_v1() -> Response:
    """``contact_id``, ``product_id``, ``paid``, ``since``/``until`` (on the order date:
    keapsim's reading) and ``order`` (order_date | update_date, "most recent at the top";
    without it, newest created first)."""
    contact_id, product_id = query_int("contact_id"), query_int("product_id")
    paid_arg = request.args.get("paid")
    paid = None if paid_arg in (None, "") else as_bool(paid_arg, "paid")
    order = request.args.get("order")
    if order not in (None, "", "order_date", "update_date"):
        raise BadInput("order must be one of order_date, update_date", field="order")
    in_window = window_test(lambda o: o.order_time)
    store = tenant()
    orders = [
        o
        for o in store.orders.list()
        if (contact_id is None or o.contact_id == contact_id)
        and (product_id is None or product_id in o.product_ids)
        and (paid is None or (o.status in ("PAID", "REFUNDED")) == paid)
        and in_window(o)
    ]
    keys: dict[str | None, Callable[[Order], Any]] = {
        "order_date": lambda o: (o.order_time, o.id),
        "update_date": lambda o: (o.update_time, o.id),
    }
    orders.sort(key=keys.get(order, lambda o: (o.create_time, o.id)), reverse=True)
    page, meta = v1_window(orders)
    return jsonify({"orders": [order_v1(o, store) for o in page], **meta})


@blueprint.post("/orders")
def create_order_v1() -> tuple[Response, int]:
    body = json_body()
    fields = _create_fields(body)
    if not isinstance(body["order_items"], list):
        raise BadInput(UNCONVERTIBLE, field="order_items")
    items = [_item_in(item) for item in body["order_items"]]
    store = tenant()
    order = store.orders.create(fields.pop("contact_id"), items, **fields)
    return jsonify(created_order_v1(order, store)), 201


@blueprint.get("/orders/<order_id>")
def get_order_v1(order_id: str) -> Response:
    store = tenant()
    return jsonify(order_v1(store.orders.get(path_id(order_id, KIND)), store))


@blueprint.delete("/orders/<order_id>")
def delete_order_v1(order_id: str) -> Response:
    tenant().orders.delete(path_id(order_id, KIND))
    return no_content()


@blueprint.post("/orders/<order_id>/items")
def create_order_item_v1(order_id: str) -> tuple[Response, int]:
    number = path_id(order_id, KIND)
    store = tenant()
    item = store.orders.add_item(number, _item_in(json_body()))
    return jsonify(item_v1(store.orders.get(number), item, store)), 201


@blueprint.delete("/orders/<order_id>/items/<item_id>")
def delete_order_item_v1(order_id: str, item_id: str) -> Response:
    tenant().orders.remove_item(path_id(order_id, KIND), path_id(item_id, ITEM_KIND))
    return no_content()


@blueprint.put("/orders/<order_id>/paymentPlan")
def replace_payment_plan_v1(order_id: str) -> Response:
    number = path_id(order_id, KIND)
    plan = plan_in(json_body(), "credit_card_id", _v1_id)
    order = tenant().orders.set_payment_plan(number, plan)
    assert order.payment_plan is not None
    return jsonify(plan_v1(order.payment_plan))


# -- payments --------------------------------------------------------------------------------
@blueprint.get("/orders/<order_id>/payments")
def list_order_payments_v1(order_id: str) -> Response:
    """A bare array of ``InvoicePayment`` (the document pages nothing here)."""
    store = tenant()
    number = path_id(order_id, KIND)
    store.orders.get(number)
    return jsonify([payment_v1(p) for p in store.payments.of_order(number)])


@blueprint.post("/orders/<order_id>/payments")
def create_order_payment_v1(order_id: str) -> tuple[Response, int]:
    """``CreatePayment``: a CREDIT_CARD payment with ``charge_now`` charges ``credit_card_id``;
    any other is recorded as paid by its ``payment_method_type`` (CASH by default)."""
    number = path_id(order_id, KIND)
    body = json_body()
    if body.get("payment_amount") is None:
        raise Invalid("payment_amount is required", field="payment_amount")
    amount = as_decimal(body["payment_amount"], "payment_amount")
    method = as_str(body.get("payment_method_type"), "payment_method_type") or "CASH"
    if method not in PAYMENT_METHODS:
        raise Invalid(f"payment_method_type must be one of {', '.join(PAYMENT_METHODS)}")
    charge_now = body.get("charge_now") is not None and as_bool(body["charge_now"], "charge_now")
    card = None
    if method == "CREDIT_CARD" and charge_now:
        if body.get("credit_card_id") is None:
            raise Invalid("credit_card_id is required to charge a card", field="credit_card_id")
        card = _v1_id(body["credit_card_id"], "credit_card_id")
    commissions = body.get("apply_to_commissions")
    outcome = tenant().orders.add_payment(
        number,
        amount,
        card_id=card,
        method=method,
        note=as_str(body.get("notes"), "notes"),
        pay_time=None if body.get("date") is None else as_datetime(body["date"], "date"),
        skip_commission=commissions is not None
        and not as_bool(commissions, "apply_to_commissions"),
    )
    if outcome.payment is None:
        raise declined(outcome)
    result = {
        "id": outcome.payment.id,
        "invoice_id": number,
        "payment_amount": _money(outcome.payment.amount),
        "payment_status": outcome.payment.pay_status,
        "transaction_id": outcome.transaction.id,
    }
    return jsonify(result), 201

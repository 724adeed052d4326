"""v1 subscriptions (``2025-11-05-v1.json``): ``GET /subscriptions`` (``contact_id``, limit and
offset; ``{count, next, previous, subscriptions}``) and ``POST /subscriptions``
(``CreateSubscription``, 201 ``Subscription``). Integer ids; ``credit_card_id`` is v2's
``payment_method_id``, ``payment_gateway_id`` its ``merchant_account_id`` and
``first_bill_date`` its ``start_date``. The store is shared with v2.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Lookup, Query
from ...store.subscriptions import Subscription
from ...wire import jsonify
from ..common import BadInput, as_bool, as_int, json_body, tenant
from ..crud import as_decimal
from ..paging import v1_window
from ..v2.subscriptions import as_day, day_text
from . import blueprint

# CreateSubscription's properties → the store's fields.
_IDS = {
    "contact_id": "contact_id",
    "subscription_plan_id": "subscription_plan_id",
    "credit_card_id": "payment_method_id",
    "payment_gateway_id": "payment_gateway_id",
    "sale_affiliate_id": "sale_affiliate_id",
}


def subscription_v1(subscription: Subscription) -> dict[str, Any]:
    """v1 ``Subscription``. ``use_default_payment_gateway``: keapsim models one merchant, so
    a subscription uses the default one unless it names a gateway."""
    body: dict[str, Any] = {
        "id": subscription.id,
        "active": subscription.active,
        "allow_tax": subscription.allow_tax,
        "auto_charge": subscription.auto_charge,
        "billing_amount": float(subscription.billing_amount),
        "billing_cycle": subscription.billing_cycle,
        "billing_frequency": subscription.billing_frequency,
        "contact_id": subscription.contact_id,
        "credit_card_id": subscription.payment_method_id,
        "end_date": day_text(subscription.end_date),
        "next_bill_date": day_text(subscription.next_bill_date),
        "payment_gateway_id": subscription.payment_gateway_id,
        "product_id": subscription.product_id,
        "quantity": subscription.quantity,
        "sale_affiliate_id": subscription.sale_affiliate_id,
        "start_date": day_text(subscription.start_date),
        "subscription_plan_id": subscription.subscription_plan_id,
        "use_default_payment_gateway": subscription.payment_gateway_id is None,
    }
    return {k: v for k, v in body.items() if v is not None}


def subscription_fields_from_v1(body: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for wire, name in _IDS.items():
        if body.get(wire) is not None:
            data[name] = as_int(body[wire], wire, minimum=1)
    for name in ("allow_tax", "auto_charge"):
        if body.get(name) is not None:
            data[name] = as_bool(body[name], name)
    if body.get("quantity") is not None:
        data["quantity"] = as_int(body["quantity"], "quantity", minimum=1)
    if body.get("billing_amount") is not None:
        data["billing_amount"] = as_decimal(body["billing_amount"], "billing_amount")
    if body.get("first_bill_date") is not None:
        data["start_date"] = as_day(body["first_bill_date"], "first_bill_date")
    return data


@blueprint.get("/subscriptions")
def list_subscriptions_v1() -> Response:
    contact = request.args.get("contact_id")
    query: Query[Subscription] = Query()
    if contact not in (None, ""):
        query = Query(lookups=[Lookup("contact_id", "eq", as_int(contact, "contact_id"))])
    page, meta = v1_window(tenant().subscriptions.select(query))
    return jsonify({"subscriptions": [subscription_v1(s) for s in page], **meta})


@blueprint.post("/subscriptions")
def create_subscription_v1() -> tuple[Response, int]:
    body = json_body()
    allow_duplicate = as_bool(body.get("allow_duplicate", False), "allow_duplicate")
    values = subscription_fields_from_v1(body)
    if "contact_id" not in values:
        raise BadInput("contact_id is required", field="contact_id")
    subscription = tenant().subscriptions.subscribe(allow_duplicate=allow_duplicate, **values)
    return jsonify(subscription_v1(subscription)), 201

"""v2 subscriptions (``swagger.yml``): list, create, get, patch, ``:invoice`` and
``:deactivate``. The custom-field model routes are ``keapsim/api/custom_models.py``'s.

Shapes: ``Subscription`` (answers), ``CreateSubscriptionRequest`` /
``UpdateSubscriptionRequest`` (bodies), ``ListSubscriptionsResponse``,
``CancelSubscriptionRequest``; ``:invoice`` answers the billed invoice as ``OrderV2`` (the
orders adapter's ``order_v2``). Dates
are ``YYYY-MM-DD`` (``format: date``); money is a plain number (dollars), as the document types
``billing_amount`` a double. The store is shared with v1 (``keapsim/api/v1/subscriptions.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Lookup, Query, Tenant
from ...store.custom_fields import SUBSCRIPTION
from ...store.subscription_billing import invoice_now
from ...store.subscriptions import BILLING_CYCLES, Subscription
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_bool, as_int, json_body, path_id, tenant
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
    update_mask,
)
from .listing import NO_INDEX, Indexed, filtered_page
from .orders import order_v2
from .shapes import sid, string_id, text

KIND = "Subscription"
# The update_mask enum of PATCH /subscriptions/{subscription_id} (store names are the same).
MASK = (
    "contact_id",
    "subscription_plan_id",
    "quantity",
    "billing_amount",
    "auto_charge",
    "max_charge_attempts",
    "days_between_retries",
    "active",
    "billing_frequency",
    "billing_cycle",
    "next_bill_date",
    "end_date",
    "payment_method_id",
    "allow_tax",
    "lead_affiliate_id",
    "sale_affiliate_id",
    "promo_code",
    "shipping_option_id",
    "reason_stopped",
    "shipping_address",
    "custom_fields",
)
# The properties of the document's Address (answers) and AddressRequest (bodies).
ADDRESS_KEYS = (
    "line1",
    "line2",
    "locality",
    "region",
    "field",
    "country",
    "country_code",
    "postal_code",
    "region_code",
    "zip_code",
    "zip_four",
)
_IDS = (
    "contact_id",
    "subscription_plan_id",
    "payment_method_id",
    "lead_affiliate_id",
    "sale_affiliate_id",
    "shipping_option_id",
)
_COUNTS = ("quantity", "max_charge_attempts", "days_between_retries", "billing_frequency")
_BOOLS = ("active", "auto_charge", "allow_tax")
_DATES = ("start_date", "next_bill_date", "end_date")
_TEXT = ("promo_code", "reason_stopped")


# -- answers ---------------------------------------------------------------------------------
def subscription_v2(subscription: Subscription, tenant: Tenant) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(subscription.id),
        "quantity": subscription.quantity,
        "active": subscription.active,
        "contact_id": str(subscription.contact_id),
        "product_id": str(subscription.product_id),
        "subscription_plan_id": str(subscription.subscription_plan_id),
        "billing_amount": float(subscription.billing_amount),
        "auto_charge": subscription.auto_charge,
        "billing_frequency": subscription.billing_frequency,
        "billing_cycle": subscription.billing_cycle,
        **{name: day_text(getattr(subscription, name)) for name in _DATES},
        "last_bill_date": day_text(subscription.last_bill_date),
        "merchant_account_id": sid(subscription.payment_gateway_id),
        "payment_method_id": sid(subscription.payment_method_id),
        "allow_tax": subscription.allow_tax,
        "max_charge_attempts": subscription.max_charge_attempts,
        "days_between_retries": subscription.days_between_retries,
        "lead_affiliate_id": sid(subscription.lead_affiliate_id),
        "sale_affiliate_id": sid(subscription.sale_affiliate_id),
        "shipping_address": dict(subscription.shipping_address) or None,
        "promo_code": subscription.promo_code,
        "shipping_option_id": sid(subscription.shipping_option_id),
        "reason_stopped": subscription.reason_stopped,
        "modification_time": iso(subscription.modification_time),
        "custom_fields": custom_values_out(subscription, tenant, SUBSCRIPTION, str),
    }
    return {k: v for k, v in body.items() if v is not None}


def day_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.date().isoformat()


# -- bodies ----------------------------------------------------------------------------------
def as_day(value: Any, name: str) -> datetime:
    """A ``YYYY-MM-DD`` date as midnight UTC (the store's bill dates)."""
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=name)
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{name} must be a date (YYYY-MM-DD)", field=name) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def address_from_v2(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field="shipping_address")
    address = {}
    for key in ADDRESS_KEYS:
        if value.get(key) is not None:
            address[key] = text(value, key) or ""
    return {k: v for k, v in address.items() if v}


def subscription_fields_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A Create/UpdateSubscriptionRequest → store fields (``allow_duplicate`` is read by the
    create view); other properties are ignored, wrong types are 400."""
    data: dict[str, Any] = {}
    for name in _IDS:
        if name in body:
            data[name] = None if body[name] is None else string_id(body[name], name)
    for name in _COUNTS:
        if body.get(name) is not None:
            data[name] = as_int(body[name], name, minimum=1)
    for name in _BOOLS:
        if body.get(name) is not None:
            data[name] = as_bool(body[name], name)
    for name in _DATES:
        if body.get(name) is not None:
            data[name] = as_day(body[name], name)
    for name in _TEXT:
        if name in body:
            data[name] = text(body, name)
    if body.get("billing_amount") is not None:
        data["billing_amount"] = as_decimal(body["billing_amount"], "billing_amount")
    if body.get("billing_cycle") is not None:
        if body["billing_cycle"] not in BILLING_CYCLES:
            raise BadInput(
                f"billing_cycle must be one of {', '.join(BILLING_CYCLES)}", field="billing_cycle"
            )
        data["billing_cycle"] = body["billing_cycle"]
    if body.get("shipping_address") is not None:
        data["shipping_address"] = address_from_v2(body["shipping_address"])
    if "custom_fields" in body:
        data["custom_fields"] = custom_values_in(body["custom_fields"], string_id)
    return data


# -- lists -----------------------------------------------------------------------------------
FILTERS: dict[str, tuple[str, ...]] = {
    "contact_id": EQ,
    "subscription_plan_id": EQ,
    "status": EQ,
    "id": COMPARE,
    "billing_amount": COMPARE,
    "ids": EQ,
    "subscription_plan_ids": EQ,
}
ORDERS: dict[str, Callable[[Subscription], Any]] = {
    "id": lambda s: s.id,
    "contact_id": lambda s: s.contact_id,
    "subscription_plan_id": lambda s: s.subscription_plan_id,
    "modification_time": lambda s: s.modification_time,
}
# "status==Active" (the document's example); keapsim's statuses are Active and Inactive.
STATUSES = {"active": True, "inactive": False}


def _clause_test(clause: Clause, custom: dict[str, Any]) -> Callable[[Subscription], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name in ("contact_id", "subscription_plan_id"):
        number = positive_int(value, name)
        return lambda s: getattr(s, name) == number
    if name == "id":
        number = positive_int(value, name)
        return lambda s: compare(s.id, op, number)
    if name in ("ids", "subscription_plan_ids"):
        wanted = id_set(value, name)
        return (
            (lambda s: s.id in wanted)
            if name == "ids"
            else (lambda s: s.subscription_plan_id in wanted)
        )
    if name == "billing_amount":
        amount = as_decimal(value, "filter")
        return lambda s: compare(s.billing_amount, op, amount)
    if name == "status":
        if value.casefold() not in STATUSES:
            raise BadInput("status must be Active or Inactive", field="filter")
        wanted_active = STATUSES[value.casefold()]
        return lambda s: s.active is wanted_active
    return custom_field_test(custom[name], op, value)


@blueprint.get("/subscriptions")
def list_subscriptions_v2() -> Response:
    the_tenant = tenant()
    custom = by_field_name(the_tenant.custom_fields.of_record_type(SUBSCRIPTION))

    def query(clauses: list[Clause]) -> Query[Subscription]:
        tests = [_clause_test(c, custom) for c in clauses]
        lookups = [
            Lookup("contact_id", "eq", positive_int(c.value, c.field))
            for c in clauses
            if c.field == "contact_id"
        ]
        predicate = (lambda s: all(test(s) for test in tests)) if tests else None
        return Query(lookups=lookups, predicate=predicate)

    # Without order_by the matches stay a window of the table (id order), not a sorted copy.
    body = filtered_page(
        "subscriptions",
        Indexed(the_tenant.subscriptions.select, query, NO_INDEX),
        lambda s: subscription_v2(s, the_tenant),
        filters=FILTERS,
        any_case=operators(custom),
        orders=ORDERS,
    )
    return jsonify(body)


@blueprint.post("/subscriptions")
def create_subscription_v2() -> tuple[Response, int]:
    the_tenant = tenant()
    body = json_body()
    allow_duplicate = as_bool(body.get("allow_duplicate", False), "allow_duplicate")
    values = subscription_fields_from_v2(body)
    for name in ("billing_frequency", "billing_cycle", "next_bill_date", "end_date"):
        values.pop(name, None)  # not properties of CreateSubscriptionRequest
    if values.get("contact_id") is None:
        raise BadInput("contact_id is required", field="contact_id")
    subscription = the_tenant.subscriptions.subscribe(allow_duplicate=allow_duplicate, **values)
    return jsonify(subscription_v2(subscription, the_tenant)), 201


@blueprint.get("/subscriptions/<subscription_id>")
def get_subscription_v2(subscription_id: str) -> Response:
    the_tenant = tenant()
    subscription = the_tenant.subscriptions.get(path_id(subscription_id, KIND))
    return jsonify(subscription_v2(subscription, the_tenant))


@blueprint.patch("/subscriptions/<subscription_id>")
def patch_subscription_v2(subscription_id: str) -> Response:
    the_tenant = tenant()
    ident = path_id(subscription_id, KIND)
    body = json_body()
    mask = update_mask(MASK)
    changes = masked(subscription_fields_from_v2(body), mask)
    changes.pop("start_date", None)  # not a property of UpdateSubscriptionRequest
    subscription = the_tenant.subscriptions.change(ident, **changes)
    return jsonify(subscription_v2(subscription, the_tenant))


@blueprint.post("/subscriptions/<subscription_id>:invoice")
def invoice_subscription_v2(subscription_id: str) -> Response:
    the_tenant = tenant()
    order_id = invoice_now(the_tenant, path_id(subscription_id, KIND))
    return jsonify(order_v2(the_tenant.orders.get(order_id), the_tenant))


@blueprint.post("/subscriptions/<subscription_id>:deactivate")
def deactivate_subscription_v2(subscription_id: str) -> tuple[str, int]:
    """200 without a body (the document declares no content for it)."""
    ident = path_id(subscription_id, KIND)
    body = json_body()
    tenant().subscriptions.deactivate(ident, text(body, "reason"))
    return "", 200

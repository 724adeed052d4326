"""v1 products (the v1 document, ``2025-11-05-v1.json``): list, create, get, PATCH, delete,
and the deprecated ``products/sync``.

Shapes: ``RestProductV1`` (one product), ``Product_`` (a list item), ``CreateProduct``
(bodies), ``ProductList`` and ``ProductStatusList``. The store is shared with v2
(``keapsim/api/v2/products.py``); v1 shows the fields its document has. ``product_price`` is a
JSON number on the wire and a ``Decimal`` in the store (parsed from the number's text, never
through a float).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid
from ...store.products import Product
from ...store.subscription_plans import SubscriptionPlan
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import (
    UNCONVERTIBLE,
    BadInput,
    as_bool,
    as_int,
    as_str,
    compact,
    json_body,
    path_id,
    tenant,
)
from ..crud import as_decimal
from ..paging import v1_window
from . import blueprint, no_content

KIND = "Product"
# CreateProduct's text fields → the store's names.
TEXT_IN = {
    "product_name": "name",
    "product_desc": "description",
    "product_short_desc": "short_description",
    "sku": "sku",
}
BOOL_IN = {"active": "active", "subscription_only": "subscription_only"}


def product_v1(product: Product) -> dict[str, Any]:
    """``RestProductV1`` with the product's subscription plans."""
    store = tenant()
    body = {
        "id": product.id,
        "product_name": product.name,
        "product_price": float(product.price),
        "product_desc": product.description,
        "product_short_desc": product.short_description,
        "sku": product.sku,
        "active": product.active,
        "subscription_only": product.subscription_only,
        "subscription_plans": [
            plan_v1(plan, store) for plan in store.subscription_plans.of_product(product.id)
        ],
    }
    return compact(body)


# v1's cycle names ↔ the store's (v2's).
CYCLES_V1 = {"DAY": "DAILY", "WEEK": "WEEKLY", "MONTH": "MONTHLY", "YEAR": "YEARLY"}
CYCLES_FROM_STORE = {store: wire for wire, store in CYCLES_V1.items()}


def plan_v1(plan: SubscriptionPlan, store: Tenant) -> dict[str, Any]:
    """``ProductSubscription``."""
    return {
        "id": plan.id,
        "cycle_type": CYCLES_FROM_STORE[plan.cycle],
        "frequency": plan.frequency,
        "number_of_cycles": plan.total_cycles,
        "plan_price": float(plan.plan_price),
        "subscription_plan_index": plan.display_order_index,
        "subscription_plan_name": store.subscription_plans.name_of(plan),
        "active": plan.active,
    }


def plan_fields_from_v1(body: dict[str, Any]) -> dict[str, Any]:
    """``CreateProductSubscription``: cycle_type and plan_price are required."""
    for name in ("cycle_type", "plan_price"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    cycle = body["cycle_type"]
    if cycle not in CYCLES_V1:
        raise Invalid(f"cycle_type must be one of {', '.join(CYCLES_V1)}", field="cycle_type")
    fields: dict[str, Any] = {
        "cycle": CYCLES_V1[cycle],
        "plan_price": as_decimal(body["plan_price"], "plan_price"),
    }
    ints = {"frequency": "frequency", "number_of_cycles": "total_cycles"}
    ints["subscription_plan_index"] = "display_order_index"
    for wire, name in ints.items():
        if body.get(wire) is not None:
            fields[name] = as_int(body[wire], wire)
    if body.get("active") is not None:
        fields["active"] = as_bool(body["active"], "active")
    return fields


def product_item_v1(product: Product) -> dict[str, Any]:
    """``Product_`` (a list item): ``status`` is 1 for an active product, 0 otherwise (the
    document gives only an int32; keapsim's choice, following Keap's legacy Status field)."""
    return {**product_v1(product), "status": 1 if product.active else 0, "product_options": []}


def fields_from_v1(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for wire, name in TEXT_IN.items():
        if wire in body:
            fields[name] = as_str(body[wire], wire)
    for wire, name in BOOL_IN.items():
        if wire in body and body[wire] is not None:
            fields[name] = as_bool(body[wire], wire)
    if "product_price" in body and body["product_price"] is not None:
        fields["price"] = as_decimal(body["product_price"], "product_price")
    return fields


@blueprint.get("/products")
def list_products_v1() -> Response:
    active = request.args.get("active")
    products = tenant().products.list()
    if active is not None:
        wanted = as_bool(active, "active")
        products = [p for p in products if p.active == wanted]
    page, meta = v1_window(products)
    return jsonify({"products": [product_item_v1(p) for p in page], **meta})


@blueprint.post("/products")
def create_product_v1() -> tuple[Response, int]:
    product = tenant().products.create(**fields_from_v1(json_body()))
    return jsonify(product_v1(product)), 201


@blueprint.get("/products/<ident>")
def get_product_v1(ident: str) -> Response:
    return jsonify(product_v1(tenant().products.get(path_id(ident, KIND))))


@blueprint.patch("/products/<ident>")
def update_product_v1(ident: str) -> Response:
    number = path_id(ident, KIND)
    product = tenant().products.update(number, **fields_from_v1(json_body()))
    return jsonify(product_v1(product))


@blueprint.delete("/products/<ident>")
def delete_product_v1(ident: str) -> Response:
    tenant().products.delete(path_id(ident, KIND))
    return no_content()


# -- image ---------------------------------------------------------------------------------
@blueprint.post("/products/<ident>/image")
def create_product_image_v1(ident: str) -> Response:
    """``CreateProductImage``: base64 ``file_data``, ``file_name``, optional SHA-256
    ``checksum``; 201 without a body. A v1 upload is the product's (legacy) image."""
    number = path_id(ident, KIND)
    body = json_body()
    name, encoded = body.get("file_name"), body.get("file_data")
    if not isinstance(name, str) or not name or not isinstance(encoded, str) or not encoded:
        raise Invalid("file_name and file_data are required", field="file_data")
    checksum = as_str(body.get("checksum"), "checksum")
    tenant().products.set_image(
        number, name, _base64(encoded), legacy=True, checksum=checksum or None
    )
    response = no_content()
    response.status_code = 201
    return response


@blueprint.delete("/products/<ident>/image")
def delete_product_image_v1(ident: str) -> Response:
    tenant().products.clear_image(path_id(ident, KIND))
    return no_content()


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("file_data is not base64", field="file_data") from None


# -- subscription plans ----------------------------------------------------------------------
@blueprint.post("/products/<product_id>/subscriptions")
def create_plan_v1(product_id: str) -> tuple[Response, int]:
    number = path_id(product_id, KIND)
    store = tenant()
    store.products.get(number)
    plan = store.subscription_plans.create(product_id=number, **plan_fields_from_v1(json_body()))
    return jsonify(plan_v1(plan, store)), 201


@blueprint.get("/products/<product_id>/subscriptions/<plan_id>")
def get_plan_v1(product_id: str, plan_id: str) -> Response:
    store = tenant()
    plan = store.subscription_plans.get_of(
        path_id(product_id, KIND), path_id(plan_id, "SubscriptionPlan")
    )
    return jsonify(plan_v1(plan, store))


@blueprint.delete("/products/<product_id>/subscriptions/<plan_id>")
def delete_plan_v1(product_id: str, plan_id: str) -> Response:
    plans = tenant().subscription_plans
    plan = plans.get_of(path_id(product_id, KIND), path_id(plan_id, "SubscriptionPlan"))
    plans.delete(plan.id)
    return no_content()


# -- sync ------------------------------------------------------------------------------------
# "The Sync endpoint returns a set of products that have been updated or created since the
# last result set was retrieved, minus any products that have been deleted." The document
# leaves the token opaque; keapsim's token is the latest update time it has shown, in
# microseconds since the epoch, so a deleted product simply no longer appears.
def _token_time(token: str | None) -> datetime | None:
    if not token:
        return None
    if not token.isdecimal() or len(token) > 18:
        raise BadInput(UNCONVERTIBLE, field="sync_token")
    return datetime.fromtimestamp(int(token) / 1_000_000, UTC)


def _token(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def _stamp(product: Product) -> datetime:
    return product.update_time or datetime.min.replace(tzinfo=UTC)


@blueprint.get("/products/sync")
def sync_products_v1() -> Response:
    since = _token_time(request.args.get("sync_token"))
    changed = [p for p in tenant().products.list() if since is None or _stamp(p) > since]
    changed.sort(key=_stamp)
    page, meta = v1_window(changed)
    statuses = [
        {
            "product": product_item_v1(p),
            "status": "CREATED" if since is None or _created_after(p, since) else "UPDATED",
        }
        for p in page
    ]
    latest = _stamp(page[-1]) if page else since
    token = {"sync_token": _token(latest)} if latest is not None else {}
    return jsonify({"product_statuses": statuses, **token, **meta})


def _created_after(product: Product, since: datetime) -> bool:
    return product.create_time is not None and product.create_time > since

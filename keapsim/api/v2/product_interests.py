"""v2 product interest bundles and their interests (``swagger.yml``: ProductInterestBundle,
ProductInterest, their create/update requests, ListProductInterestBundleResponse).

Money: an interest's ``price`` is sent as a number and answered as a ``CurrencyValue``. The
request documents give only "The price per unit of the product" with the example 10000, the
same figure the answers' ``CurrencyValue.amount`` example uses for "the smallest currency
unit"; keapsim reads the request price in cents too (as subscription plans' ``plan_price``).

Where keapsim chose: the ``{interest_id}`` of the interest routes is the interest's own
``id`` (the answer's ``interest_id`` is the product's or plan's id, and two interests could
name the same one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.product_interests import INTEREST_TYPES, ProductInterest, ProductInterestBundle
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import as_int, as_str, json_body, path_id, tenant
from ..crud import as_decimal
from . import blueprint
from .filters import EQ, Clause, masked, text_matches, update_mask
from .lead_source_expenses import CENTS, currency_value
from .listing import filtered_page
from .shapes import string_id

BUNDLES = "/productInterestBundles"
KIND = "ProductInterestBundle"
INTEREST_KIND = "ProductInterest"
BUNDLE_ORDERS: dict[str, Callable[[ProductInterestBundle], Any]] = {
    "id": lambda b: b.id,
    "name": lambda b: b.name.casefold(),
}


def interest_v2(interest: ProductInterest) -> dict[str, Any]:
    """``ProductInterest``."""
    return {
        "id": str(interest.id),
        "type": interest.type,
        "quantity": interest.quantity,
        "price": currency_value(interest.price),
        "interest_id": str(interest.entity_id),
        "discount_percent": interest.discount_percent,
    }


def bundle_v2(bundle: ProductInterestBundle, store: Tenant) -> dict[str, Any]:
    """``ProductInterestBundle``: its interests split by type."""
    interests = store.product_interests.of_bundle(bundle.id)
    return {
        "id": str(bundle.id),
        "name": bundle.name,
        "description": bundle.description,
        "product_interests": [interest_v2(i) for i in interests if i.type == "PRODUCT"],
        "subscription_plan_interests": [
            interest_v2(i) for i in interests if i.type == "SUBSCRIPTION_PLAN"
        ],
    }


def _bundle_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {name: as_str(body[name], name) for name in ("name", "description") if name in body}


def _interest_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if body.get("price") is not None:
        fields["price"] = as_decimal(body["price"], "price") * CENTS
    for name in ("quantity", "discount_percent"):
        if body.get(name) is not None:
            fields[name] = as_int(body[name], name)
    return fields


# -- bundles ---------------------------------------------------------------------------------
@blueprint.get(BUNDLES)
def list_bundles_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "product_interest_bundles",
        store.product_interest_bundles.list(),
        lambda b: bundle_v2(b, store),
        filters={"name": EQ},
        test=_name_test,
        orders=BUNDLE_ORDERS,
    )
    return jsonify(body)


def _name_test(clause: Clause) -> Callable[[ProductInterestBundle], bool]:
    return lambda bundle: text_matches(bundle.name, clause.value)


@blueprint.post(BUNDLES)
def create_bundle_v2() -> tuple[Response, int]:
    store = tenant()
    bundle = store.product_interest_bundles.create(**_bundle_fields(json_body()))
    return jsonify(bundle_v2(bundle, store)), 201


@blueprint.get(f"{BUNDLES}/<ident>")
def get_bundle_v2(ident: str) -> Response:
    store = tenant()
    return jsonify(bundle_v2(store.product_interest_bundles.get(path_id(ident, KIND)), store))


@blueprint.patch(f"{BUNDLES}/<ident>")
def update_bundle_v2(ident: str) -> Response:
    number = path_id(ident, KIND)
    changes = masked(_bundle_fields(json_body()), update_mask(("name", "description")))
    store = tenant()
    return jsonify(bundle_v2(store.product_interest_bundles.update(number, **changes), store))


@blueprint.delete(f"{BUNDLES}/<ident>")
def delete_bundle_v2(ident: str) -> tuple[str, int]:
    tenant().product_interest_bundles.delete(path_id(ident, KIND))
    return "", 204


# -- interests -------------------------------------------------------------------------------
@blueprint.post(f"{BUNDLES}/<ident>/interests")
def add_interest_v2(ident: str) -> tuple[Response, int]:
    """``AddProductInterestRequest``: type, entity_id and price are required."""
    store = tenant()
    bundle = store.product_interest_bundles.get(path_id(ident, KIND))
    body = json_body()
    for name in ("type", "entity_id", "price"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    if body["type"] not in INTEREST_TYPES:
        raise Invalid(f"type must be one of {', '.join(INTEREST_TYPES)}", field="type")
    interest = store.product_interests.create(
        bundle_id=bundle.id,
        type=body["type"],
        entity_id=string_id(body["entity_id"], "entity_id"),
        **_interest_fields(body),
    )
    return jsonify(interest_v2(interest)), 201


def _interest(ident: str, interest_id: str) -> ProductInterest:
    return tenant().product_interests.get_of(
        path_id(ident, KIND), path_id(interest_id, INTEREST_KIND)
    )


@blueprint.patch(f"{BUNDLES}/<ident>/interests/<interest_id>")
def update_interest_v2(ident: str, interest_id: str) -> Response:
    interest = _interest(ident, interest_id)
    mask = update_mask(("quantity", "price", "discount_percent"))
    changes = masked(_interest_fields(json_body()), mask)
    return jsonify(interest_v2(tenant().product_interests.update(interest.id, **changes)))


@blueprint.delete(f"{BUNDLES}/<ident>/interests/<interest_id>")
def remove_interest_v2(ident: str, interest_id: str) -> tuple[str, int]:
    tenant().product_interests.delete(_interest(ident, interest_id).id)
    return "", 204

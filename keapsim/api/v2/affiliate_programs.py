"""v2 commission programs, their commission rates and resources (``swagger.yml``:
AffiliateProgramV2, AffiliateCommissionProgramResponse, GetRestCommissionProgram,
DefaultCommission, ProductCommission, SubscriptionCommission, CommissionItem(Request),
Create/Update{Default,Product,Subscription}CommissionProgramRequest,
AffiliateProgramResource, Create/UpdateProgramResourceRequest).

The document gives a program's ``priority`` as an integer in some answers and a string in
others; each answer follows its own schema. ``percentage`` and ``dollar_amount`` are the
deprecated spellings of ``level_1``'s sale values (``keapsim/store/affiliate_programs.py``):
a request's ``level_1`` wins over them. A subscription commission's ``name`` is its plan's
product name (a plan has none of its own). Redirect links are a declared resource
(``keapsim/api/resources.py``: ``AFFILIATE_REDIRECTS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...datarecord import record_class
from ...store import Invalid, NotFound
from ...store.affiliate_programs import (
    PAYOUT_TYPES,
    CommissionItem,
    CommissionProgram,
    CommissionRates,
    ProgramResource,
)
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_int, as_str, json_body, path_id, tenant
from ..crud import as_decimal
from . import blueprint
from .filters import EQ, Clause, masked, positive_int, text_matches
from .filters import update_mask as mask_of
from .listing import filtered_page
from .shapes import string_id, string_ids

KIND, RESOURCE_KIND = "CommissionProgram", "ProgramResource"
PROGRAMS = "/affiliates/commissionPrograms"
RESOURCES = f"{PROGRAMS}/resources"
ITEM_FIELDS = ("sale_percent", "sale_amount", "lead_percent", "lead_amount")
RATE_MASK = ("percentage", "dollar_amount", "payout_type", "level_1", "level_2", "unused")
PROGRAM_MASK = ("name", "notes", "priority")
RESOURCE_WIRE = {  # wire name -> store field
    "title": "title",
    "notes": "notes",
    "url": "url",
    "order": "order",
    "content_html": "content_html",
    "page_width": "page_width",
    "page_height": "page_height",
    "commission_program_ids": "program_ids",
}


# -- shapes ----------------------------------------------------------------------------------
def _item_v2(item: CommissionItem) -> dict[str, float]:
    return {name: float(getattr(item, name)) for name in ITEM_FIELDS}


def rates_v2(rates: CommissionRates) -> dict[str, Any]:
    """``DefaultCommission`` (product and subscription commissions add their own fields)."""
    return {
        "payout_type": rates.payout_type,
        "dollar_amount": float(rates.level_1.sale_amount),
        "percentage": float(rates.level_1.sale_percent),
        "unused": _item_v2(rates.unused),
        "level_1": _item_v2(rates.level_1),
        "level_2": _item_v2(rates.level_2),
    }


def _affiliate_ids(program: CommissionProgram, store: Tenant) -> list[str]:
    return [str(a.id) for a in store.affiliates.in_program(program.id)]


def program_summary_v2(program: CommissionProgram, store: Tenant) -> dict[str, Any]:
    """``AffiliateProgramV2`` (the list's items: priority is a string there)."""
    body = {
        "id": str(program.id),
        "name": program.name,
        "priority": str(program.priority),
        "notes": program.notes,
        "create_time": None if program.create_time is None else iso(program.create_time),
        "affiliate_ids": _affiliate_ids(program, store),
    }
    return {k: v for k, v in body.items() if v is not None}


def program_short_v2(program: CommissionProgram) -> dict[str, Any]:
    """``AffiliateCommissionProgramResponse`` (create and update: priority is an integer)."""
    body = {
        "id": str(program.id),
        "name": program.name,
        "notes": program.notes,
        "priority": program.priority,
    }
    return {k: v for k, v in body.items() if v is not None}


def program_v2(program: CommissionProgram, store: Tenant) -> dict[str, Any]:
    """``GetRestCommissionProgram``."""
    body = program_summary_v2(program, store)
    if program.default_commission is not None:
        body["default_commission"] = rates_v2(program.default_commission)
    body["product_commissions"] = [
        _product_commission_v2(c.product_id, c.rates, store) for c in program.product_commissions
    ]
    body["subscription_commissions"] = [
        _subscription_commission_v2(c.subscription_plan_id, c.rates, store)
        for c in program.subscription_commissions
    ]
    return body


def _product_commission_v2(
    product_id: int, rates: CommissionRates, store: Tenant
) -> dict[str, Any]:
    body = {**rates_v2(rates), "product_id": str(product_id)}
    product = store.products.find(product_id)
    if product is not None:
        body["product_name"] = product.name
        body["product_price"] = float(product.price)
    return body


def _subscription_commission_v2(
    plan_id: int, rates: CommissionRates, store: Tenant
) -> dict[str, Any]:
    body = {**rates_v2(rates), "subscription_id": str(plan_id)}
    plan = store.subscription_plans.find(plan_id)
    if plan is not None:
        body["plan_price"] = float(plan.plan_price)
        product = store.products.find(plan.product_id)
        if product is not None:
            body["name"] = product.name
    return body


def resource_v2(resource: ProgramResource) -> dict[str, Any]:
    """``AffiliateProgramResource``."""
    body = {
        "id": str(resource.id),
        "title": resource.title,
        "type": resource.type,
        "notes": resource.notes,
        "url": resource.url,
        "order": resource.order,
        "content_html": resource.content_html,
        "page_width": resource.page_width,
        "page_height": resource.page_height,
        "commission_programs": [{"commission_program_id": str(p)} for p in resource.program_ids],
    }
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
# keapsim's choice: the document bounds no fixed amount; a billion keeps every commission a
# figure a double shows to the cent.
MAX_AMOUNT = Decimal(10**9)


def _rate(value: Any, name: str, *, percent: bool) -> Decimal:
    number = as_decimal(value, name)
    if number < 0 or number > (100 if percent else MAX_AMOUNT):
        limit = "between 0 and 100" if percent else f"between 0 and {MAX_AMOUNT}"
        raise Invalid(f"{name} must be {limit}", field=name)
    return number


def _item_in(value: Any, name: str, current: CommissionItem) -> CommissionItem:
    """A ``CommissionItemRequest`` over ``current`` (fields it leaves out stay)."""
    if value is None:
        return current
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field=name)
    changes = {
        field: _rate(value[field], f"{name}.{field}", percent=field.endswith("percent"))
        for field in ITEM_FIELDS
        if value.get(field) is not None
    }
    return replace(current, **changes)


def rates_in(
    body: dict[str, Any], current: CommissionRates, mask: set[str] | None
) -> CommissionRates:
    """A rates request over ``current``; ``mask`` (update_mask) narrows what changes."""
    given = masked({k: v for k, v in body.items() if k in RATE_MASK}, mask)
    level_1 = current.level_1
    if given.get("percentage") is not None:
        level_1 = replace(
            level_1, sale_percent=_rate(given["percentage"], "percentage", percent=True)
        )
    if given.get("dollar_amount") is not None:
        level_1 = replace(
            level_1, sale_amount=_rate(given["dollar_amount"], "dollar_amount", percent=False)
        )
    payout = given.get("payout_type")
    if payout is not None and payout not in PAYOUT_TYPES:
        raise Invalid(f"payout_type must be one of {', '.join(PAYOUT_TYPES)}", field="payout_type")
    return CommissionRates(
        payout_type=current.payout_type if payout is None else payout,
        level_1=_item_in(given.get("level_1"), "level_1", level_1),
        level_2=_item_in(given.get("level_2"), "level_2", current.level_2),
        unused=_item_in(given.get("unused"), "unused", current.unused),
    )


def _required_id(body: dict[str, Any], name: str) -> int:
    if body.get(name) is None:
        raise Invalid(f"{name} is required", field=name)
    return string_id(body[name], name)


def _program_values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in body:
        values["name"] = as_str(body["name"], "name")
    if "notes" in body:
        values["notes"] = as_str(body["notes"], "notes")
    if body.get("priority") is not None:
        values["priority"] = as_int(body["priority"], "priority")
    return values


# -- programs --------------------------------------------------------------------------------
def _program_test(clause: Clause, store: Tenant) -> Callable[[CommissionProgram], bool]:
    if clause.field == "affiliate_id":
        affiliate = store.affiliates.find(positive_int(clause.value, clause.field))
        members = set() if affiliate is None else set(affiliate.program_ids)
        return lambda p: p.id in members
    return lambda p: text_matches(p.name, clause.value)


PROGRAM_ORDERS: dict[str, Callable[[CommissionProgram], Any]] = {
    "id": lambda p: p.id,
    "name": lambda p: p.name.casefold(),
    "date_created": lambda p: p.create_time,
}


@blueprint.get(PROGRAMS)
def list_affiliate_programs_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "commission_programs",
        store.affiliate_programs.table.scan(),
        lambda p: program_summary_v2(p, store),
        filters={"name": EQ, "affiliate_id": EQ},
        test=lambda c: _program_test(c, store),
        orders=PROGRAM_ORDERS,
    )
    return jsonify(body)


@blueprint.post(PROGRAMS)
def create_affiliate_program_v2() -> tuple[Response, int]:
    body = json_body()
    for required in ("name", "priority"):
        if body.get(required) is None:
            raise Invalid(f"{required} is required", field=required)
    program = tenant().affiliate_programs.create(**_program_values(body))
    return jsonify(program_short_v2(program)), 201


def _program(ident: str) -> CommissionProgram:
    return tenant().affiliate_programs.get(path_id(ident, KIND))


@blueprint.get(f"{PROGRAMS}/<ident>")
def get_affiliate_program_v2(ident: str) -> Response:
    return jsonify(program_v2(_program(ident), tenant()))


@blueprint.patch(f"{PROGRAMS}/<ident>")
def update_affiliate_program_v2(ident: str) -> Response:
    number = _program(ident).id
    body = json_body()
    changes = masked(_program_values(body), mask_of(PROGRAM_MASK))
    if "name" in changes and changes["name"] is None:
        raise Invalid("name cannot be empty", field="name")
    return jsonify(program_short_v2(tenant().affiliate_programs.update(number, **changes)))


@blueprint.delete(f"{PROGRAMS}/<ident>")
def delete_affiliate_program_v2(ident: str) -> tuple[str, int]:
    tenant().affiliate_programs.delete(_program(ident).id)
    return "", 204


# -- commission rates ------------------------------------------------------------------------
@blueprint.post(f"{PROGRAMS}/defaultCommissionPrograms/<ident>")
def create_affiliate_default_commission_v2(ident: str) -> tuple[Response, int]:
    program = _program(ident)
    rates = rates_in(json_body(), CommissionRates(), None)
    store = tenant()
    return jsonify(program_v2(store.affiliate_programs.set_default(program.id, rates), store)), 201


@blueprint.patch(f"{PROGRAMS}/defaultCommissionPrograms/<ident>")
def update_affiliate_default_commission_v2(ident: str) -> Response:
    """Changes the default commission (a program without one starts from zero rates)."""
    program = _program(ident)
    current = program.default_commission or CommissionRates()
    rates = rates_in(json_body(), current, mask_of(RATE_MASK))
    store = tenant()
    return jsonify(program_v2(store.affiliate_programs.set_default(program.id, rates), store))


@record_class(frozen=True, slots=False)
class RateKind:
    """Product and subscription-plan commissions: the same four steps, their own names."""

    id_field: str  # the body's key naming the product or plan
    missing: str  # the NotFound kind
    find: Callable[[Tenant, int, int], Any]  # (tenant, program id, id) -> commission | None
    set: Callable[[Tenant, int, int, CommissionRates], CommissionProgram]


PRODUCT_RATES = RateKind(
    "product_id",
    "ProductCommission",
    lambda store, program, ident: store.affiliate_programs.product_commission(program, ident),
    lambda store, program, ident, rates: store.affiliate_programs.set_product(
        program, ident, rates
    ),
)
SUBSCRIPTION_RATES = RateKind(
    "subscription_id",
    "SubscriptionCommission",
    lambda store, program, ident: store.affiliate_programs.subscription_commission(program, ident),
    lambda store, program, ident, rates: store.affiliate_programs.set_subscription(
        program, ident, rates
    ),
)


def _set_rates(ident: str, kind: RateKind, *, create: bool) -> Response:
    """Create (from zero rates) or change (masked, an existing one only) a program's rates for
    one product or plan."""
    program = _program(ident)
    body = json_body()
    target = _required_id(body, kind.id_field)
    store = tenant()
    if create:
        rates = rates_in(body, CommissionRates(), None)
    else:
        current = kind.find(store, program.id, target)
        if current is None:
            raise NotFound(kind.missing, target)
        rates = rates_in(body, current.rates, mask_of(RATE_MASK))
    return jsonify(program_v2(kind.set(store, program.id, target, rates), store))


@blueprint.post(f"{PROGRAMS}/productCommissionPrograms/<ident>")
def create_affiliate_product_commission_v2(ident: str) -> tuple[Response, int]:
    return _set_rates(ident, PRODUCT_RATES, create=True), 201


@blueprint.patch(f"{PROGRAMS}/productCommissionPrograms/<ident>")
def update_affiliate_product_commission_v2(ident: str) -> Response:
    return _set_rates(ident, PRODUCT_RATES, create=False)


@blueprint.post(f"{PROGRAMS}/subscriptionCommissionPrograms/<ident>")
def create_affiliate_subscription_commission_v2(ident: str) -> tuple[Response, int]:
    return _set_rates(ident, SUBSCRIPTION_RATES, create=True), 201


@blueprint.patch(f"{PROGRAMS}/subscriptionCommissionPrograms/<ident>")
def update_affiliate_subscription_commission_v2(ident: str) -> Response:
    return _set_rates(ident, SUBSCRIPTION_RATES, create=False)


@blueprint.post(f"{PROGRAMS}/<ident>:removeProductCommission")
def remove_affiliate_product_commission_v2(ident: str) -> tuple[str, int]:
    program = _program(ident)
    product_id = _required_id(json_body(), "product_id")
    tenant().affiliate_programs.remove_product(program.id, product_id)
    return "", 200


@blueprint.post(f"{PROGRAMS}/<ident>:removeSubscriptionCommission")
def remove_affiliate_subscription_commission_v2(ident: str) -> tuple[str, int]:
    """The body's ``product_id`` is optional; when given it must be the plan's product."""
    program = _program(ident)
    body = json_body()
    plan_id = _required_id(body, "subscription_plan_id")
    store = tenant()
    if body.get("product_id") is not None:
        plan = store.subscription_plans.find(plan_id)
        if plan is not None and plan.product_id != string_id(body["product_id"], "product_id"):
            raise Invalid(
                f"Subscription plan {plan_id} is not a plan of that product", field="product_id"
            )
    store.affiliate_programs.remove_subscription(program.id, plan_id)
    return "", 200


# -- resources -------------------------------------------------------------------------------
def _resource_values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for wire, name in RESOURCE_WIRE.items():
        if wire not in body:
            continue
        value = body[wire]
        if value is None:
            values[name] = None
        elif wire == "commission_program_ids":
            values[name] = tuple(string_ids(value, wire))
        elif wire in ("order", "page_width", "page_height"):
            values[name] = as_int(value, wire)
        else:
            values[name] = as_str(value, wire)
    return values


@blueprint.get(f"{PROGRAMS}/<ident>/resources")
def list_affiliate_program_resources_v2(ident: str) -> Response:
    program = _program(ident)
    resources = tenant().affiliate_program_resources.of_program(program.id)
    return jsonify(filtered_page("resources", resources, resource_v2))


@blueprint.post(RESOURCES)
def create_affiliate_program_resource_v2() -> tuple[Response, int]:
    body = json_body()
    for required in ("title", "type", "commission_program_ids"):
        if body.get(required) is None:
            raise Invalid(f"{required} is required", field=required)
    values = _resource_values(body)
    values["type"] = as_str(body["type"], "type")
    return jsonify(resource_v2(tenant().affiliate_program_resources.create(**values))), 201


@blueprint.patch(f"{RESOURCES}/<ident>")
def update_affiliate_program_resource_v2(ident: str) -> Response:
    number = path_id(ident, RESOURCE_KIND)
    renames = {wire: (name,) for wire, name in RESOURCE_WIRE.items()}
    changes = masked(_resource_values(json_body()), mask_of(RESOURCE_WIRE), renames)
    for required in ("title", "program_ids"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required} cannot be empty", field=required)
    return jsonify(resource_v2(tenant().affiliate_program_resources.update(number, **changes)))


@blueprint.delete(f"{RESOURCES}/<ident>")
def delete_affiliate_program_resource_v2(ident: str) -> tuple[str, int]:
    tenant().affiliate_program_resources.delete(path_id(ident, RESOURCE_KIND))
    return "", 204

"""v2 discounts (``swagger.yml``): ``/discounts/shipping``, ``/discounts/products``,
``/discounts/productCategories``, ``/discounts/orderTotals`` and ``/discounts/freeTrials``,
seven operations each (list, create, get, patch, delete, criteria create, criteria delete).

The five kinds share one store (``keapsim/store/discounts.py``) and one set of views: a
:class:`DiscountApi` per kind says its path, its fields, filters and orders (the document's
``filter`` and ``order_by`` lists of each list operation) and its ``update_mask`` enum.
Shapes: ``ShippingDiscount``, ``ProductDiscount``, ``CategoryDiscount``,
``OrderTotalDiscount``, ``FreeTrialDiscount``; ``DiscountCriteria`` (category and free-trial
discounts answer ``CategoryDiscountCriteriaResponse`` / ``FreeTrialDiscountCriteriaResponse``,
subsets of it); lists are ``{discounts, next_page_token}``. Discount values are plain numbers
(dollars or percent), not the catalogue's cents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...datarecord import record_class
from ...store.discounts import (
    CATEGORY,
    FREE_TRIAL,
    KIND_NAMES,
    ORDER_TOTAL,
    PRODUCT,
    SHIPPING,
    Criterion,
    Discount,
)
from ...wire import jsonify
from ..common import BadInput, as_bool, as_int, json_body, path_id, tenant
from ..crud import as_datetime, as_decimal
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    text_matches,
    update_mask,
)
from .listing import filtered_page
from .shapes import sid, string_id, string_ids, text


@record_class(frozen=True)
class DiscountApi:
    """One discount kind on the wire."""

    path: str  # under /discounts/
    kind: str
    fields: tuple[str, ...]  # the kind's own store fields, in the answer's order
    filters: dict[str, tuple[str, ...]]
    orders: tuple[str, ...]
    mask: tuple[str, ...]  # the PATCH update_mask enum

    @property
    def endpoint(self) -> str:
        return f"discounts_{self.path}"


_TYPE_VALUE = ("discount_type", "discount_value")
KINDS = (
    DiscountApi(
        "shipping",
        SHIPPING,
        _TYPE_VALUE,
        {"discount_type": EQ, "discount_value": EQ},
        ("discount_type", "discount_value", "id", "name"),
        ("name", "description", "discount_type", "discount_value", "criteria"),
    ),
    DiscountApi(
        "products",
        PRODUCT,
        ("apply_to_commissions", "product_id", *_TYPE_VALUE),
        {"apply_to_commissions": EQ, "discount_type": EQ, "discount_value": EQ, "product_id": EQ},
        ("apply_to_commissions", "discount_type", "discount_value", "id", "name", "product_id"),
        ("name", "description", "apply_to_commissions", *_TYPE_VALUE, "product_id", "criteria"),
    ),
    DiscountApi(
        "productCategories",
        CATEGORY,
        ("discount_percent", "apply_to_commissions", "product_category_ids"),
        {
            "id": COMPARE,
            "ids": EQ,
            "name": EQ,
            "description": EQ,
            "product_category_id": EQ,
        },
        ("id", "name"),
        (
            "name",
            "description",
            "discount_percent",
            "apply_to_commissions",
            "criteria",
            "product_category_ids",
        ),
    ),
    DiscountApi(
        "orderTotals",
        ORDER_TOTAL,
        ("apply_to_commissions", *_TYPE_VALUE, "discount_strategy"),
        {
            "apply_to_commissions": EQ,
            "discount_strategy": EQ,
            "discount_type": EQ,
            "discount_value": EQ,
        },
        (
            "apply_to_commissions",
            "discount_strategy",
            "discount_type",
            "discount_value",
            "id",
            "name",
        ),
        (
            "name",
            "description",
            "apply_to_commissions",
            *_TYPE_VALUE,
            "discount_strategy",
            "criteria",
        ),
    ),
    DiscountApi(
        "freeTrials",
        FREE_TRIAL,
        ("hide_price", "subscription_plan_id", "free_trial_days"),
        {"free_trial_days": EQ, "hide_price": EQ, "subscription_plan_id": EQ},
        ("free_trial_days", "hide_price", "id", "name", "subscription_plan_id"),
        (
            "name",
            "description",
            "free_trial_days",
            "hide_price",
            "subscription_plan_id",
            "criteria",
        ),
    ),
)
_IDS = ("product_id", "subscription_plan_id")
_MONEY = ("discount_value", "discount_percent")
_BOOLS = ("apply_to_commissions", "hide_price")
_TEXT = ("name", "description", "discount_type", "discount_strategy")
# Category discounts answer their categories as ``product_categories`` (CategoryDiscount);
# requests name them ``product_category_ids``.
_WIRE_NAMES = {"product_category_ids": "product_categories"}
# Category and free-trial criteria answers have no product, plan or total properties.
_SHORT_CRITERIA = (CATEGORY,)


# -- answers ---------------------------------------------------------------------------------
def discount_v2(api: DiscountApi, discount: Discount) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(discount.id),
        "name": discount.name,
        "description": discount.description,
        "criteria": [criterion_v2(c, api.kind) for c in discount.criteria],
    }
    for name in api.fields:
        body[_WIRE_NAMES.get(name, name)] = _out(name, getattr(discount, name))
    return {k: v for k, v in body.items() if v is not None}


def _out(name: str, value: Any) -> Any:
    if name in _IDS:
        return sid(value)
    if name == "product_category_ids":
        return [str(i) for i in value]
    if isinstance(value, Decimal):
        return float(value)  # the document types these as doubles
    return value


def criterion_v2(criterion: Criterion, kind: str) -> dict[str, Any]:
    """``DiscountCriteria``; a category discount's criteria are the shorter
    ``CategoryDiscountCriteriaResponse`` (a date range or a promo code only)."""
    body: dict[str, Any] = {
        "type": criterion.type,
        "code": criterion.code,
        "criteria_id": str(criterion.criteria_id),
        "range_start_time": _time(criterion.range_start_time),
        "range_end_time": _time(criterion.range_end_time),
    }
    if kind not in _SHORT_CRITERIA:
        body.update(
            product_id=sid(criterion.product_id),
            product_quantity_min=criterion.product_quantity_min,
            product_quantity_max=criterion.product_quantity_max,
            plan_id=sid(criterion.plan_id),
            subscription_quantity=criterion.subscription_quantity,
            total_amount=None if criterion.total_amount is None else float(criterion.total_amount),
            operator=criterion.operator,
        )
    return {k: v for k, v in body.items() if v is not None}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


# -- bodies ----------------------------------------------------------------------------------
def discount_fields_from_v2(api: DiscountApi, body: dict[str, Any]) -> dict[str, Any]:
    """A Create/Update*DiscountRequest → store fields: the kind's own properties, name,
    description and criteria; other properties are ignored, wrong types are 400."""
    data: dict[str, Any] = {}
    for name in ("name", "description", "criteria", *api.fields):
        if name in body:
            data[name] = _in(name, body[name])
    return data


def _in(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "criteria":
        if not isinstance(value, list):
            raise BadInput("criteria must be a list", field="criteria")
        return [criterion_from_v2(item) for item in value]
    if name in _IDS:
        return string_id(value, name)
    if name == "product_category_ids":
        return tuple(string_ids(value, name))
    if name in _MONEY:
        return as_decimal(value, name)
    if name in _BOOLS:
        return as_bool(value, name)
    if name == "free_trial_days":
        return as_int(value, name, minimum=0)
    return text({name: value}, name)


_CRITERION_IDS = ("product_id", "plan_id")
_CRITERION_INTS = ("product_quantity_min", "product_quantity_max", "subscription_quantity")
_CRITERION_TIMES = ("range_start_time", "range_end_time")


def criterion_from_v2(item: Any) -> dict[str, Any]:
    """A Create*DiscountCriteria → criterion fields (``criteria_id`` is the store's)."""
    if not isinstance(item, dict):
        raise BadInput("criteria must be a list of objects", field="criteria")
    data: dict[str, Any] = {"type": text(item, "type")}
    for name in ("code", "operator"):
        if item.get(name) is not None:
            data[name] = text(item, name)
    for name in _CRITERION_IDS:
        if item.get(name) is not None:
            data[name] = string_id(item[name], name)
    for name in _CRITERION_INTS:
        if item.get(name) is not None:
            data[name] = as_int(item[name], name, minimum=0)
    for name in _CRITERION_TIMES:
        if item.get(name) is not None:
            data[name] = as_datetime(item[name], name)
    if item.get("total_amount") is not None:
        data["total_amount"] = as_decimal(item["total_amount"], "total_amount")
    return data


# -- lists -----------------------------------------------------------------------------------
def _clause_test(clause: Clause) -> Callable[[Discount], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "id":
        number = positive_int(value, name)
        return lambda d: compare(d.id, op, number)
    if name == "ids":
        wanted = id_set(value, name)
        return lambda d: d.id in wanted
    if name == "product_category_id":
        category = positive_int(value, name)
        return lambda d: category in d.product_category_ids
    if name in _IDS:
        number = positive_int(value, name)
        return lambda d: getattr(d, name) == number
    if name in _MONEY:
        amount = as_decimal(value, "filter")
        return lambda d: compare(getattr(d, name), op, amount)
    if name in _BOOLS:
        flag = as_bool(value, "filter")
        return lambda d: getattr(d, name) is flag
    if name == "free_trial_days":
        days = as_int(value, "filter")
        return lambda d: d.free_trial_days == days
    return lambda d: text_matches(getattr(d, name), value)


def _order_key(name: str) -> Callable[[Discount], Any]:
    if name in _TEXT:
        return lambda d: (getattr(d, name) or "").casefold() or None
    return lambda d: getattr(d, name)


# -- views -----------------------------------------------------------------------------------
def _views(api: DiscountApi) -> dict[str, Callable[..., Any]]:
    kind, label = api.kind, KIND_NAMES[api.kind]
    orders = {name: _order_key(name) for name in api.orders}

    def list_discounts() -> Response:
        body = filtered_page(
            "discounts",
            tenant().discounts.of_kind(kind),
            lambda d: discount_v2(api, d),
            filters=api.filters,
            test=_clause_test,
            orders=orders,
        )
        return jsonify(body)

    def create_discount() -> tuple[Response, int]:
        values = discount_fields_from_v2(api, json_body())
        discount = tenant().discounts.create_of(kind, values)
        return jsonify(discount_v2(api, discount)), 201

    def get_discount(discount_id: str) -> Response:
        discount = tenant().discounts.get_of(kind, path_id(discount_id, label))
        return jsonify(discount_v2(api, discount))

    def patch_discount(discount_id: str) -> Response:
        ident = path_id(discount_id, label)
        body = json_body()
        mask = update_mask(api.mask)
        changes = masked(discount_fields_from_v2(api, body), mask)
        discount = tenant().discounts.update_of(kind, ident, changes)
        return jsonify(discount_v2(api, discount))

    def delete_discount(discount_id: str) -> tuple[str, int]:
        tenant().discounts.delete_of(kind, path_id(discount_id, label))
        return "", 204

    def create_criterion(discount_id: str) -> tuple[Response, int]:
        ident = path_id(discount_id, label)
        criterion = tenant().discounts.add_criterion(kind, ident, criterion_from_v2(json_body()))
        return jsonify(criterion_v2(criterion, kind)), 201

    def delete_criterion(discount_id: str, criteria_id: str) -> tuple[str, int]:
        ident = path_id(discount_id, label)
        tenant().discounts.remove_criterion(kind, ident, path_id(criteria_id, "Discount Criteria"))
        return "", 204

    return {
        "list": list_discounts,
        "create": create_discount,
        "get": get_discount,
        "patch": patch_discount,
        "delete": delete_discount,
        "create_criterion": create_criterion,
        "delete_criterion": delete_criterion,
    }


def _register(api: DiscountApi) -> None:
    views = _views(api)
    base = f"/discounts/{api.path}"
    one = f"{base}/<discount_id>"
    rules = (
        (base, "list", "GET"),
        (base, "create", "POST"),
        (one, "get", "GET"),
        (one, "patch", "PATCH"),
        (one, "delete", "DELETE"),
        (f"{one}/criteria", "create_criterion", "POST"),
        (f"{one}/criteria/<criteria_id>", "delete_criterion", "DELETE"),
    )
    for rule, name, method in rules:
        blueprint.add_url_rule(
            rule, endpoint=f"{api.endpoint}_{name}", view_func=views[name], methods=[method]
        )


for _api in KINDS:
    _register(_api)

__all__ = ["KINDS", "DiscountApi", "discount_v2"]

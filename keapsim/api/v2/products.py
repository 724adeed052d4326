"""v2 products (``swagger.yml``): list, create, get, PATCH, delete and ``:adjustInventory``.

Shapes: ``RestV2Product_Detail`` (one product), ``RestV2Product_List`` (a list item: its
inventory leaves out ``inventory_count``, "omitted in List responses"),
``CreateProductRequest_Detail``, ``UpdateProductRequest_Detail`` and
``UpdateProductInventoryRequest_Detail``. Requests carry ``price`` as an integer of the
currency's smallest unit ("$12.50 is 1250"); answers carry a ``CurrencyValue``. The store is
shared with v1 (``keapsim/api/v1/products.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...context import request
from ...store import Invalid, NotFound
from ...store.images import MAX_IMAGE_BYTES
from ...store.product_options import ProductOption
from ...store.products import Product
from ...store.subscription_plans import CYCLES, SubscriptionPlan
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import BadInput, as_bool, as_int, as_str, compact, json_body, path_id, tenant
from ..crud import as_decimal
from . import blueprint
from .filters import (
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    text_matches,
    update_mask,
)
from .lead_source_expenses import CENTS, currency_value
from .listing import filtered_page

KIND = "Product"
TEXT = (
    "name",
    "sku",
    "description",
    "short_description",
    "top_html",
    "bottom_html",
    "delivery_description",
    "email_for_inventory_notifications",
)
FLAGS = (
    "active",
    "shippable",
    "taxable",
    "subscription_only",
    "storefront_hidden",
    "country_taxable",
    "state_taxable",
    "city_taxable",
    "is_package",
    "needs_digital_delivery",
    "out_of_stock_enabled",
)
INVENTORY = (
    "inventory_limit",
    "inventory_count",
    "out_of_stock_enabled",
    "email_for_inventory_notifications",
)
# The PATCH document's update_mask enum.
MASKABLE = (
    *(n for n in TEXT if n != "email_for_inventory_notifications"),
    *(n for n in FLAGS if n != "out_of_stock_enabled"),
    "price",
    "weight",
    "inventory_limit",
    "out_of_stock_enabled",
    "email_for_inventory_notifications",
)
FILTERS = {
    "name": EQ,
    "sku": EQ,
    "description": EQ,
    "short_description": EQ,
    "product_id": ("==", ">", "<", ">=", "<="),
    "product_ids": EQ,
}
ORDERS: dict[str, Callable[[Product], Any]] = {
    "id": lambda p: p.id,
    "name": lambda p: p.name.casefold(),
    "sku": lambda p: (p.sku or "").casefold() or None,
    "last_updated_time": lambda p: p.update_time,
}


# -- shapes ----------------------------------------------------------------------------------
def product_v2(product: Product, *, listed: bool = False) -> dict[str, Any]:
    """``RestV2Product_Detail`` (``listed``: ``RestV2Product_List``)."""
    plans = tenant().subscription_plans.of_product(product.id)
    options = tenant().product_options.of_product(product.id)
    body: dict[str, Any] = {
        "id": str(product.id),
        "name": product.name,
        "price": currency_value(product.price),
        "sku": product.sku,
        "description": product.description,
        "short_description": product.short_description,
        "top_html": product.top_html,
        "bottom_html": product.bottom_html,
        "delivery_description": product.delivery_description,
        **{flag: getattr(product, flag) for flag in FLAGS if flag != "out_of_stock_enabled"},
        "weight": None if product.weight is None else float(product.weight),
        "categories": [str(c) for c in product.category_ids],
        "options": [product_option_v2(option) for option in options],
        "subscription_plans": [plan_detail_v2(plan) for plan in plans],
        "inventory": _inventory(product, listed=listed),
        "has_legacy_image": product.image_legacy and product.image_data is not None,
        "create_time": iso(product.create_time) if product.create_time else None,
        "update_time": iso(product.update_time) if product.update_time else None,
    }
    return compact(body)


# ProductOptions_Detail names the character rules of ProductOption's TextOption differently.
CHARACTER_RULES = {"LETTER": "LETTER", "DIGIT": "NUMBER", "BOTH": "BOTH"}


def product_option_v2(option: ProductOption) -> dict[str, Any]:
    """``ProductOptions_Detail``: a LIST option is FIXED (its items), a TEXT one VARIABLE."""
    if option.option_type == "LIST":
        items = sorted(option.list_items, key=lambda i: (i.display_order, i.id))
        fixed = [
            compact(
                {"value": i.label, "code": i.code, "price_adjustment": float(i.price_adjustment)}
            )
            for i in items
        ]
        return compact(
            {
                "name": option.option_label,
                "type": "FIXED",
                "required": option.required,
                "fixed_options": fixed,
            }
        )
    rules = option.text_rules
    setting = None
    if rules is not None:
        setting = compact(
            {
                "contains": CHARACTER_RULES.get(rules.only_contains or ""),
                "min_chars": rules.minimum_characters,
                "max_chars": rules.maximum_characters,
                "contain_spaces": rules.allow_spaces,
                "start_with": CHARACTER_RULES.get(rules.only_starts_with or ""),
                "end_with": CHARACTER_RULES.get(rules.only_ends_with or ""),
                "validation_msg": rules.error_message,
            }
        )
    body = {"name": option.option_label, "type": "VARIABLE", "required": option.required}
    return compact({**body, "variable_setting": setting})


def plan_detail_v2(plan: SubscriptionPlan) -> dict[str, Any]:
    """``SubscriptionPlan_Detail`` (a product's plan as the product shows it)."""
    return {
        "id": str(plan.id),
        "active": plan.active,
        "prorate": plan.prorate,
        "billing_cycle": plan.cycle,
        "billing_frequency": plan.frequency,
        "number_of_cycles": plan.total_cycles,
        "plan_price": currency_value(plan.plan_price),
        "order_index": plan.display_order_index,
    }


def plan_v2(plan: SubscriptionPlan, store: Tenant) -> dict[str, Any]:
    """``SubscriptionPlan``."""
    return {
        "id": str(plan.id),
        "frequency": plan.frequency,
        "active": plan.active,
        "subscription_plan_name": store.subscription_plans.name_of(plan),
        "cycle_type": plan.cycle,
        "total_cycles": plan.total_cycles,
        "plan_price": currency_value(plan.plan_price),
        "display_order_index": plan.display_order_index,
    }


def _inventory(product: Product, *, listed: bool) -> dict[str, Any]:
    body = {name: getattr(product, name) for name in INVENTORY}
    if listed:
        body.pop("inventory_count")
    return compact(body)


# -- bodies ----------------------------------------------------------------------------------
def _price(value: Any, name: str) -> Decimal:
    """An int64 of cents ≥ 0 as a Decimal of dollars."""
    cents = as_int(value, name)
    if cents < 0:
        raise Invalid(f"{name} must be greater than or equal to 0", field=name)
    return Decimal(cents) * CENTS


def fields_from_v2(body: dict[str, Any], *, create: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in TEXT:
        if name in body:
            fields[name] = as_str(body[name], name)
    for name in FLAGS:
        if name in body and body[name] is not None:
            fields[name] = as_bool(body[name], name)
    if body.get("price") is not None:
        fields["price"] = _price(body["price"], "price")
    if "weight" in body:
        fields["weight"] = None if body["weight"] is None else as_decimal(body["weight"], "weight")
    if body.get("inventory_limit") is not None:
        fields["inventory_limit"] = as_int(body["inventory_limit"], "inventory_limit")
    if create:
        fields.update(_inventory_in(body.get("inventory")))
    return fields


def _inventory_in(value: Any) -> dict[str, Any]:
    """The create body's ``inventory`` object (``ProductInventory_Detail``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput("Input could not be converted", field="inventory")
    fields: dict[str, Any] = {}
    for name in ("inventory_limit", "inventory_count"):
        if value.get(name) is not None:
            fields[name] = as_int(value[name], name)
    if value.get("out_of_stock_enabled") is not None:
        fields["out_of_stock_enabled"] = as_bool(value["out_of_stock_enabled"], "inventory")
    if "email_for_inventory_notifications" in value:
        name = "email_for_inventory_notifications"
        fields[name] = as_str(value[name], name)
    return fields


def _required(body: dict[str, Any]) -> None:
    # CreateProductRequest_Detail: required name, price, short_description.
    for name in ("name", "price", "short_description"):
        if body.get(name) in (None, ""):
            raise Invalid(f"{name} is required", field=name)


# -- filters ---------------------------------------------------------------------------------
def _clause_test(clause: Clause) -> Callable[[Product], bool]:
    if clause.field == "product_id":
        wanted = positive_int(clause.value, clause.field)
        return lambda p: compare(p.id, clause.op, wanted)
    if clause.field == "product_ids":
        ids = id_set(clause.value, clause.field)
        return lambda p: p.id in ids
    name = clause.field
    return lambda p: text_matches(getattr(p, name), clause.value)


# -- routes ----------------------------------------------------------------------------------
@blueprint.get("/products")
def list_products_v2() -> Response:
    body = filtered_page(
        "products",
        tenant().products.list(),
        lambda p: product_v2(p, listed=True),
        filters=FILTERS,
        test=_clause_test,
        orders=ORDERS,
    )
    return jsonify(body)


@blueprint.post("/products")
def create_product_v2() -> tuple[Response, int]:
    body = json_body()
    _required(body)
    product = tenant().products.create(**fields_from_v2(body, create=True))
    return jsonify(product_v2(product)), 201


@blueprint.get("/products/<ident>")
def get_product_v2(ident: str) -> Response:
    return jsonify(product_v2(tenant().products.get(path_id(ident, KIND))))


@blueprint.patch("/products/<ident>")
def update_product_v2(ident: str) -> Response:
    number = path_id(ident, KIND)
    mask = update_mask(MASKABLE)
    changes = masked(fields_from_v2(json_body(), create=False), mask)
    return jsonify(product_v2(tenant().products.update(number, **changes)))


@blueprint.delete("/products/<ident>")
def delete_product_v2(ident: str) -> tuple[str, int]:
    tenant().products.delete(path_id(ident, KIND))
    return "", 204


@blueprint.post("/products/<ident>:adjustInventory")
def adjust_inventory_v2(ident: str) -> Response:
    number = path_id(ident, KIND)
    body = json_body()
    change = as_str(body.get("type"), "type")
    if body.get("quantity") is None:
        raise Invalid("quantity is required", field="quantity")
    quantity = as_int(body["quantity"], "quantity")
    product = tenant().products.adjust_inventory(number, change or "", quantity)
    return jsonify(product_v2(product))


# -- subscription plans ----------------------------------------------------------------------
PLANS = "/products/<product_id>/subscriptions"
PLAN_KIND = "SubscriptionPlan"
ALL_PRODUCTS = "-"  # "'-' can be used for a wildcard (/v2/products/-/subscriptions"
PLAN_MASK = (
    "active",
    "allow_prorating",
    "cycle_type",
    "display_order_index",
    "frequency",
    "plan_price",
    "total_cycles",
)
PLAN_RENAMES = {
    "allow_prorating": ("prorate",),
    "cycle_type": ("cycle",),
}
PLAN_ORDERS: dict[str, Callable[[SubscriptionPlan], Any]] = {
    "id": lambda p: p.id,
    "product_id": lambda p: p.product_id,
}


def plan_fields_from_v2(body: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """Create/UpdateSubscriptionPlanRequest: ``plan_price`` is "in the smallest currency
    unit" (cents, a number); both documents' requests require cycle_type and plan_price."""
    if required:
        for name in ("cycle_type", "plan_price"):
            if body.get(name) is None:
                raise Invalid(f"{name} is required", field=name)
    fields: dict[str, Any] = {}
    if body.get("cycle_type") is not None:
        if body["cycle_type"] not in CYCLES:
            raise Invalid(f"cycle_type must be one of {', '.join(CYCLES)}", field="cycle_type")
        fields["cycle"] = body["cycle_type"]
    if body.get("plan_price") is not None:
        fields["plan_price"] = as_decimal(body["plan_price"], "plan_price") * CENTS
    for name in ("frequency", "total_cycles", "display_order_index"):
        if body.get(name) is not None:
            fields[name] = as_int(body[name], name)
    if body.get("active") is not None:
        fields["active"] = as_bool(body["active"], "active")
    if body.get("allow_prorating") is not None:
        fields["prorate"] = as_bool(body["allow_prorating"], "allow_prorating")
    return fields


def _plan_test(clause: Clause) -> Callable[[SubscriptionPlan], bool]:
    if clause.field == "active":
        wanted = as_bool(clause.value, "filter")
        return lambda plan: plan.active == wanted
    if clause.value not in CYCLES:
        raise BadInput(f"cycle_type must be one of {', '.join(CYCLES)}", field="filter")
    return lambda plan: plan.cycle == clause.value


def _plan(product_id: str, plan_id: str) -> SubscriptionPlan:
    return tenant().subscription_plans.get_of(
        path_id(product_id, KIND), path_id(plan_id, PLAN_KIND)
    )


@blueprint.get(PLANS)
def list_plans_v2(product_id: str) -> Response:
    store = tenant()
    if product_id == ALL_PRODUCTS:
        plans = store.subscription_plans.list()
    else:
        plans = store.subscription_plans.of_product(
            store.products.get(path_id(product_id, KIND)).id
        )
    body = filtered_page(
        "subscriptions",
        plans,
        lambda p: plan_v2(p, store),
        filters={"active": EQ, "cycle_type": EQ},
        test=_plan_test,
        orders=PLAN_ORDERS,
    )
    return jsonify(body)


@blueprint.post(PLANS)
def create_plan_v2(product_id: str) -> tuple[Response, int]:
    store = tenant()
    number = store.products.get(path_id(product_id, KIND)).id
    fields = plan_fields_from_v2(json_body(), required=True)
    return jsonify(
        plan_v2(store.subscription_plans.create(product_id=number, **fields), store)
    ), 201


@blueprint.get(f"{PLANS}/<plan_id>")
def get_plan_v2(product_id: str, plan_id: str) -> Response:
    return jsonify(plan_v2(_plan(product_id, plan_id), tenant()))


@blueprint.patch(f"{PLANS}/<plan_id>")
def update_plan_v2(product_id: str, plan_id: str) -> Response:
    """The document marks cycle_type and plan_price required on update too; keapsim takes a
    partial body (as every other v2 PATCH): what is absent is left as it is."""
    plan = _plan(product_id, plan_id)
    mask = update_mask(PLAN_MASK)
    changes = masked(plan_fields_from_v2(json_body(), required=False), mask, PLAN_RENAMES)
    store = tenant()
    return jsonify(plan_v2(store.subscription_plans.update(plan.id, **changes), store))


@blueprint.delete(f"{PLANS}/<plan_id>")
def delete_plan_v2(product_id: str, plan_id: str) -> tuple[str, int]:
    tenant().subscription_plans.delete(_plan(product_id, plan_id).id)
    return "", 204


# -- images ----------------------------------------------------------------------------------
def uploaded_file() -> tuple[str, bytes]:
    """The multipart ``file`` part (name and bytes), or a 400."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("file is required", field="file")
    data = upload.read(MAX_IMAGE_BYTES + 1)
    return upload.filename or "", data


@blueprint.post("/products/<ident>/images")
def create_product_image_v2(ident: str) -> tuple[str, int]:
    """ "Only one image is allowed. If an image already exists, it will be replaced";
    ``legacy=true`` also makes it the legacy cart's image (``has_legacy_image``)."""
    number = path_id(ident, KIND)
    legacy = as_bool(request.args.get("legacy", "false"), "legacy")
    name, data = uploaded_file()
    tenant().products.set_image(number, name, data, legacy=legacy)
    return "", 201


@blueprint.delete("/products/<ident>/images")
def delete_product_image_v2(ident: str) -> tuple[str, int]:
    tenant().products.clear_image(path_id(ident, KIND))
    return "", 204


@blueprint.get("/products/<ident>/images/legacyImageData")
def legacy_image_data_v2(ident: str) -> Response:
    """The legacy image's bytes as a base64 JSON string ("format: byte"); a product without
    a legacy image is a 404 (keapsim's choice: the document gives no body for that case)."""
    product = tenant().products.get(path_id(ident, KIND))
    if product.image_data is None or not product.image_legacy:
        raise NotFound("Product image", product.id, "This product has no legacy image")
    return jsonify(product.image_data)

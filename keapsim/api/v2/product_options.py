"""v2 product options and their list items (``swagger.yml``: ProductOption, ListOption,
TextOption, Create/UpdateProductOptionRequest, Create/UpdateProductOptionListOption,
ListProductOptionsResponse).

A LIST option has ``list_items`` (each with a ``price_adjustment``, a Decimal in the store: the
document types it as a number in the currency unit, without a cents convention); a TEXT option
has ``text_rules``. Adding list items answers the whole option (201), as the document says;
deleting one answers 204. A product's options show on the product too (``options``, in the
``ProductOptions_Detail`` shape: FIXED/VARIABLE).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.product_options import OptionItem, ProductOption, TextRules
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_bool, as_int, as_str, json_body, path_id, tenant
from ..crud import as_decimal
from . import blueprint
from .filters import masked, update_mask

OPTIONS = "/products/<product_id>/options"
KIND, OPTION_KIND = "Product", "ProductOption"
RULE_NAMES = tuple(f.name for f in fields(TextRules))
OPTION_MASK = ("option_label", "display_order", "required", *RULE_NAMES)


# -- shapes ----------------------------------------------------------------------------------
def item_v2(item: OptionItem) -> dict[str, Any]:
    """``ListOption``."""
    body = {
        "item_id": str(item.id),
        "item_label": item.label,
        "item_code": item.code,
        "item_display_order": item.display_order,
        "price_adjustment": float(item.price_adjustment),
    }
    return {k: v for k, v in body.items() if v is not None}


def option_v2(option: ProductOption) -> dict[str, Any]:
    """``ProductOption``."""
    body: dict[str, Any] = {
        "id": str(option.id),
        "product_id": str(option.product_id),
        "option_type": option.option_type,
        "option_label": option.option_label,
        "required": option.required,
        "display_order": option.display_order,
    }
    if option.option_type == "LIST":
        ordered = sorted(option.list_items, key=lambda i: (i.display_order, i.id))
        body["list_items"] = [item_v2(i) for i in ordered]
    elif option.text_rules is not None:
        rules = {n: getattr(option.text_rules, n) for n in RULE_NAMES}
        body["text_rules"] = {k: v for k, v in rules.items() if v is not None}
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
def _item_values(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadInput(UNCONVERTIBLE, field="list_items")
    values: dict[str, Any] = {}
    if "item_label" in body:
        values["label"] = as_str(body["item_label"], "item_label")
    if "item_code" in body:
        values["code"] = as_str(body["item_code"], "item_code")
    if body.get("item_display_order") is not None:
        values["display_order"] = as_int(body["item_display_order"], "item_display_order")
    if body.get("price_adjustment") is not None:
        values["price_adjustment"] = as_decimal(body["price_adjustment"], "price_adjustment")
    return values


def new_items(body: Any) -> list[OptionItem]:
    if not isinstance(body, list):
        raise BadInput(UNCONVERTIBLE, field="list_items")
    options = tenant().product_options
    items = []
    for entry in body:
        values = _item_values(entry)
        items.append(options.new_item(values.pop("label", None), **values))
    return items


def _rules_values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in RULE_NAMES:
        if body.get(name) is None:
            continue
        if name.endswith("_characters"):
            values[name] = as_int(body[name], name)
        elif name == "allow_spaces":
            values[name] = as_bool(body[name], name)
        else:
            values[name] = as_str(body[name], name)
    return values


def _option_values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "option_label" in body:
        values["option_label"] = as_str(body["option_label"], "option_label")
    if body.get("required") is not None:
        values["required"] = as_bool(body["required"], "required")
    if body.get("display_order") is not None:
        values["display_order"] = as_int(body["display_order"], "display_order")
    return values


# -- routes ----------------------------------------------------------------------------------
def _option(product_id: str, option_id: str) -> ProductOption:
    return tenant().product_options.get_of(
        path_id(product_id, KIND), path_id(option_id, OPTION_KIND)
    )


@blueprint.get(OPTIONS)
def list_options_v2(product_id: str) -> Response:
    store = tenant()
    number = store.products.get(path_id(product_id, KIND)).id
    options = store.product_options.of_product(number)
    return jsonify({"product_options": [option_v2(o) for o in options]})


@blueprint.post(OPTIONS)
def create_option_v2(product_id: str) -> tuple[Response, int]:
    store = tenant()
    number = store.products.get(path_id(product_id, KIND)).id
    body = json_body()
    if body.get("option_type") is None:
        raise Invalid("option_type is required", field="option_type")
    values = _option_values(body)
    if body.get("list_items") is not None:
        values["list_items"] = tuple(new_items(body["list_items"]))
    if body.get("text_rules") is not None:
        if not isinstance(body["text_rules"], dict):
            raise BadInput(UNCONVERTIBLE, field="text_rules")
        values["text_rules"] = TextRules(**_rules_values(body["text_rules"]))
    option = store.product_options.create(
        product_id=number, option_type=as_str(body["option_type"], "option_type"), **values
    )
    return jsonify(option_v2(option)), 201


@blueprint.get(f"{OPTIONS}/<option_id>")
def get_option_v2(product_id: str, option_id: str) -> Response:
    return jsonify(option_v2(_option(product_id, option_id)))


@blueprint.patch(f"{OPTIONS}/<option_id>")
def update_option_v2(product_id: str, option_id: str) -> Response:
    """The text rules are flat in the request ("Used only for option_type of TEXT")."""
    option = _option(product_id, option_id)
    body = json_body()
    mask = update_mask(OPTION_MASK)
    changes = masked(_option_values(body), mask)
    rules = masked(_rules_values(body), mask)
    if rules:
        if option.option_type != "TEXT":
            raise Invalid("Text rules apply only to a TEXT option", field="option_type")
        changes["text_rules"] = replace(option.text_rules or TextRules(), **rules)
    return jsonify(option_v2(tenant().product_options.update(option.id, **changes)))


@blueprint.delete(f"{OPTIONS}/<option_id>")
def delete_option_v2(product_id: str, option_id: str) -> tuple[str, int]:
    tenant().product_options.delete(_option(product_id, option_id).id)
    return "", 204


@blueprint.post(f"{OPTIONS}/<option_id>/listItems")
def add_list_items_v2(product_id: str, option_id: str) -> tuple[Response, int]:
    option = _option(product_id, option_id)
    items = new_items(json_body(kind=list))
    return jsonify(option_v2(tenant().product_options.add_items(option.id, items))), 201


@blueprint.patch(f"{OPTIONS}/<option_id>/listItems/<item_id>")
def update_list_item_v2(product_id: str, option_id: str, item_id: str) -> Response:
    option = _option(product_id, option_id)
    store = tenant().product_options
    item = store.item_of(option, path_id(item_id, "ProductOptionListItem"))
    values = _item_values(json_body())
    if "label" in values and (values["label"] is None or not values["label"].strip()):
        raise Invalid("item_label cannot be whitespace only", field="item_label")
    if values.get("display_order", 0) < 0:
        raise Invalid("item_display_order must be at least 0", field="item_display_order")
    return jsonify(option_v2(store.replace_item(option.id, replace(item, **values))))


@blueprint.delete(f"{OPTIONS}/<option_id>/listItems/<item_id>")
def delete_list_item_v2(product_id: str, option_id: str, item_id: str) -> tuple[str, int]:
    option = _option(product_id, option_id)
    tenant().product_options.remove_item(option.id, path_id(item_id, "ProductOptionListItem"))
    return "", 204

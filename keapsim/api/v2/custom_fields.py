"""v2 custom-field models for every record type the v2 document gives them
(``api/custom_models.py``), one implementation: the model (ObjectModel), fields (create, PATCH,
DELETE), tabs and groups (list, create, get, PATCH, DELETE). String ids, v2's field-type
spelling (``DATE_TIME``), ``update_mask`` as the document declares it per operation.

A tab, group or field of another record type is not found under this record type's paths.
Deleting a tab that holds groups or a group that holds fields is 409 (v2 document).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid, Tenant
from ...store.custom_fields import CustomFieldGroup, CustomFieldTab
from ...store.records import CustomField
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, json_body, path_id, tenant
from ..custom_models import CREATE, DELETE, GROUPS, MODEL, MODEL_TYPES, TABS, UPDATE, ModelType
from . import blueprint
from . import companies as _companies
from . import opportunities as _opportunities
from .filters import masked, update_mask
from .shapes import (
    CONTACT_OPTIONAL_V2,
    FIELD_TYPE_FROM_V2,
    custom_field_v2,
    sid,
    string_id,
    text,
)

# Properties a record type's reads leave out unless ``fields`` asks (the adapters' own lists;
# the contact's is Keap's own, captured). No document lists them for the other record types: an
# empty list there.
OPTIONAL_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": CONTACT_OPTIONAL_V2,
    "companies": _companies.OPTIONAL,
    "opportunities": _opportunities.OPTIONAL,
}
# The update_mask enums of the PATCH operations (v2 document).
FIELD_MASK = ("group_id", "label", "options")
TAB_MASK = ("name", "order")
GROUP_MASK = ("name", "tab_id", "order")

View = Callable[..., Response | tuple[Response, int] | tuple[str, int]]


# -- wire shapes ------------------------------------------------------------------------------
def field_v2(field: CustomField, the_tenant: Tenant) -> dict[str, Any]:
    """CustomFieldMetaData, with the name of the field's group."""
    body = custom_field_v2(field)
    group = the_tenant.custom_field_groups.find(field.group_id)
    if group is not None:
        body["group_name"] = group.name
    return body


def tab_v2(tab: CustomFieldTab) -> dict[str, Any]:
    return {"id": str(tab.id), "name": tab.name, "order": tab.order, "record_type": tab.record_type}


def group_v2(group: CustomFieldGroup) -> dict[str, Any]:
    return {
        "id": str(group.id),
        "name": group.name,
        "order": group.order,
        "tab_id": sid(group.tab_id),
        "record_type": group.record_type,
    }


# -- bodies ------------------------------------------------------------------------------------
def _options(body: dict[str, Any]) -> list[dict[str, Any]]:
    options = body.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        raise BadInput(UNCONVERTIBLE, field="options")
    return options


def _optional_id(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    return None if value is None else string_id(value, name)


def _required_mask(allowed: tuple[str, ...]) -> set[str]:
    """Tab and group PATCHes declare ``update_mask`` required (v2 document)."""
    mask = update_mask(allowed)
    if mask is None:
        raise BadInput("update_mask is required", field="update_mask")
    return mask


def _layout_changes(body: dict[str, Any], mask: set[str]) -> dict[str, Any]:
    """A tab's or group's changes: the masked names, as the body gives them (the store checks
    them: a name the mask lists but the body lacks is cleared, and a required one refused)."""
    changes: dict[str, Any] = {}
    if "name" in mask:
        changes["name"] = text(body, "name")
    if "order" in mask:
        changes["order"] = body.get("order")
    if "tab_id" in mask:
        changes["tab_id"] = _optional_id(body, "tab_id")
    return changes


# -- fields ------------------------------------------------------------------------------------
def _model_view(kind: ModelType) -> View:
    def model() -> Response:
        the_tenant = tenant()
        fields = the_tenant.custom_fields.of_record_type(kind.record_type)
        return jsonify(
            custom_fields=[field_v2(f, the_tenant) for f in fields],
            optional_properties=list(OPTIONAL_PROPERTIES.get(kind.segment, ())),
        )

    return model


def _create_field_view(kind: ModelType) -> View:
    def create_field() -> tuple[Response, int]:
        body = json_body()
        label = text(body, "label")
        field_type = text(body, "field_type")
        if not label:
            raise Invalid("label is required", field="label")
        if field_type not in FIELD_TYPE_FROM_V2:
            raise Invalid(
                f"field_type must be one of {', '.join(FIELD_TYPE_FROM_V2)}", field="field_type"
            )
        the_tenant = tenant()
        field = the_tenant.custom_fields.create(
            label,
            FIELD_TYPE_FROM_V2[field_type],
            _options(body),
            _optional_id(body, "group_id"),
            record_type=kind.record_type,
        )
        created = field_v2(field, the_tenant)
        return jsonify({"custom_field": created} if kind.v2_create_wrapped else created), 201

    return create_field


def _update_field_view(kind: ModelType) -> View:
    def update_field(custom_field_id: str) -> Response:
        ident = path_id(custom_field_id, "Custom Field")
        mask = update_mask(FIELD_MASK)
        body = json_body()
        # UpdateCustomFieldMetaDataRequest requires group_id (v2 document); a mask that leaves
        # it out does not need it.
        if (mask is None or "group_id" in mask) and body.get("group_id") is None:
            raise Invalid("group_id is required", field="group_id")
        changes: dict[str, Any] = {
            "label": text(body, "label"),
            # A null ``options`` changes nothing, as an absent one does.
            "options": _options(body) if body.get("options") is not None else None,
            "group_id": _optional_id(body, "group_id"),
        }
        the_tenant = tenant()
        field = the_tenant.custom_fields.update(ident, kind.record_type, **masked(changes, mask))
        return jsonify(field_v2(field, the_tenant))

    return update_field


def _delete_field_view(kind: ModelType) -> View:
    def delete_field(custom_field_id: str) -> tuple[str, int]:
        ident = path_id(custom_field_id, "Custom Field")
        tenant().custom_fields.delete_of_type(kind.record_type, ident)
        return "", 204

    return delete_field


# -- tabs -------------------------------------------------------------------------------------
def _tab_views(kind: ModelType) -> dict[str, View]:
    def list_tabs() -> Response:
        tabs = tenant().custom_field_tabs.list_of(kind.record_type)
        return jsonify(tabs=[tab_v2(t) for t in tabs])

    def create_tab() -> tuple[Response, int]:
        body = json_body()
        tab = tenant().custom_field_tabs.create(
            record_type=kind.record_type, name=text(body, "name")
        )
        return jsonify(tab_v2(tab)), 201

    by_id = _layout_item_views(kind, "custom_field_tabs", "Custom Field Tab", tab_v2, TAB_MASK)
    return {"list": list_tabs, "create": create_tab, **by_id}


# -- groups -----------------------------------------------------------------------------------
def _group_views(kind: ModelType) -> dict[str, View]:
    def list_groups() -> Response:
        groups = tenant().custom_field_groups.list_of(kind.record_type)
        tab_id = request.args.get("tab_id")
        if tab_id:  # "Optional tab id to scope groups to a single tab"
            wanted = string_id(tab_id, "tab_id")
            groups = [g for g in groups if g.tab_id == wanted]
        return jsonify(groups=[group_v2(g) for g in groups])

    def create_group() -> tuple[Response, int]:
        body = json_body()
        group = tenant().custom_field_groups.add(
            kind.record_type, text(body, "name"), _optional_id(body, "tab_id")
        )
        return jsonify(group_v2(group)), 201

    by_id = _layout_item_views(
        kind, "custom_field_groups", "Custom Field Group", group_v2, GROUP_MASK
    )
    return {"list": list_groups, "create": create_group, **by_id}


def _layout_item_views(
    kind: ModelType,
    store_name: str,
    label: str,
    shape: Callable[[Any], dict[str, Any]],
    mask_names: tuple[str, ...],
) -> dict[str, View]:
    """Get, update and delete of one tab or group: both live in a ``_LayoutStore``."""

    def layouts() -> Any:
        return getattr(tenant(), store_name)

    def get_item(item_id: str) -> Response:
        ident = path_id(item_id, label)
        return jsonify(shape(layouts().of_type(kind.record_type, ident)))

    def update_item(item_id: str) -> Response:
        ident = path_id(item_id, label)
        changes = _layout_changes(json_body(), _required_mask(mask_names))
        return jsonify(shape(layouts().update_of_type(kind.record_type, ident, **changes)))

    def delete_item(item_id: str) -> tuple[str, int]:
        layouts().delete_of_type(kind.record_type, path_id(item_id, label))
        return "", 204

    return {"get": get_item, "update": update_item, "delete": delete_item}


# -- registration ------------------------------------------------------------------------------
def _add(rule: str, endpoint: str, view: View, method: str) -> None:
    blueprint.add_url_rule(rule, endpoint, view, methods=[method])


def _register_layout(kind: ModelType, noun: str, views: dict[str, View]) -> None:
    """``/<segment>/model/customFields/<noun>`` and ``…/<noun>/<id>`` (tabs, groups)."""
    base = f"/{kind.segment}/model/customFields/{noun}"
    one = f"{base}/<item_id>"
    name = f"{kind.segment}_custom_field_{noun}"
    _add(base, f"{name}_list", views["list"], "GET")
    _add(base, f"{name}_create", views["create"], "POST")
    _add(one, f"{name}_get", views["get"], "GET")
    _add(one, f"{name}_update", views["update"], "PATCH")
    _add(one, f"{name}_delete", views["delete"], "DELETE")


def _register(kind: ModelType) -> None:
    base = f"/{kind.segment}/model"
    one = f"{base}/customFields/<custom_field_id>"
    name = f"{kind.segment}_custom_field"
    if MODEL in kind.v2:
        _add(base, f"{kind.segment}_model", _model_view(kind), "GET")
    if CREATE in kind.v2:
        _add(f"{base}/customFields", f"{name}_create", _create_field_view(kind), "POST")
    if UPDATE in kind.v2:
        _add(one, f"{name}_update", _update_field_view(kind), "PATCH")
    if DELETE in kind.v2:
        _add(one, f"{name}_delete", _delete_field_view(kind), "DELETE")
    if TABS in kind.v2:
        _register_layout(kind, "tabs", _tab_views(kind))
    if GROUPS in kind.v2:
        _register_layout(kind, "groups", _group_views(kind))


for _kind in MODEL_TYPES:
    _register(_kind)

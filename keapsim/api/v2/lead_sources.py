"""v2 lead sources (keap-facts.md §4.6). v1 has none; contacts carry ``leadsource_id``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid, NotFound
from ...store.records import LeadSource
from ...wire import jsonify
from ..common import json_body, path_id, tenant
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    masked,
    positive_int,
    text_matches,
    timestamp,
    update_mask,
)
from .listing import filtered_page
from .shapes import lead_source_v2, string_id, text

STATUSES = ("ACTIVE", "INACTIVE")
TEXT_FIELDS = ("name", "description", "vendor", "medium", "message")
LEAD_SOURCE_FILTERS = {
    "id": COMPARE,
    "status": EQ,
    "lead_source_category_id": EQ,
    "start_time": EQ,
    "end_time": EQ,
    **{name: EQ for name in TEXT_FIELDS},
}
LEAD_SOURCE_ORDERS: dict[str, Callable[[LeadSource], Any]] = {
    "name": lambda s: s.name.casefold(),
    "status": lambda s: s.status,
    "vendor": lambda s: (s.vendor or "").casefold() or None,
    "medium": lambda s: (s.medium or "").casefold() or None,
    "start_time": lambda s: s.start_time,
    "end_time": lambda s: s.end_time,
    # The store keeps no timestamps for lead sources; ids grow with creation, and keapsim
    # orders both by id.
    "create_time": lambda s: s.id,
    "update_time": lambda s: s.id,
}
LEAD_SOURCE_MASK = (
    "name",
    "description",
    "vendor",
    "medium",
    "message",
    "start_time",
    "end_time",
    "status",
    "lead_source_category_id",
)


def _lead_source_test(clause: Clause) -> Callable[[LeadSource], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "id":
        number = positive_int(value, name)
        return lambda s: compare(s.id, op, number)
    if name in TEXT_FIELDS:
        return lambda s: text_matches(getattr(s, name), value)
    if name == "status":
        return lambda s: s.status == value.upper()
    if name == "lead_source_category_id":
        number = positive_int(value, name)
        return lambda s: s.category_id == number
    moment = iso(timestamp(value, name))
    return lambda s: getattr(s, name) == moment


def _fields_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in body:
            fields[name] = text(body, name)
    if "status" in body:
        status = text(body, "status")
        if status not in STATUSES:
            raise Invalid("status must be one of ACTIVE, INACTIVE", field="status")
        fields["status"] = status
    for name in ("start_time", "end_time"):
        if name in body:
            value = text(body, name)
            fields[name] = None if value is None else iso(timestamp(value, name, field=name))
    if "lead_source_category_id" in body:
        value = body["lead_source_category_id"]
        category = None if value is None else string_id(value, "lead_source_category_id")
        if category is not None:
            try:
                tenant().lead_source_categories.get(category)
            except NotFound:
                # A reference inside the body is bad input, not a missing resource.
                raise Invalid(
                    f"Lead source category {category} does not exist",
                    field="lead_source_category_id",
                ) from None
        fields["category_id"] = category
    return fields


@blueprint.get("/leadSources")
def list_lead_sources() -> Response:
    body = filtered_page(
        "lead_sources",
        sorted(tenant().lead_sources.list(), key=lambda s: s.id),
        lead_source_v2,
        filters=LEAD_SOURCE_FILTERS,
        test=_lead_source_test,
        orders=LEAD_SOURCE_ORDERS,
        default_order="create_time",
    )
    return jsonify(body)


@blueprint.post("/leadSources")
def create_lead_source() -> tuple[Response, int]:
    fields = _fields_from_v2(json_body())
    name = fields.pop("name", None)
    source = tenant().lead_sources.create(name or "", **fields)
    return jsonify(lead_source_v2(source)), 201


@blueprint.get("/leadSources/<lead_source_id>")
def get_lead_source(lead_source_id: str) -> Response:
    return jsonify(
        lead_source_v2(tenant().lead_sources.get(path_id(lead_source_id, "Lead Source")))
    )


@blueprint.patch("/leadSources/<lead_source_id>")
def patch_lead_source(lead_source_id: str) -> Response:
    ident = path_id(lead_source_id, "Lead Source")
    tenant().lead_sources.get(ident)
    body = json_body()
    mask = update_mask(LEAD_SOURCE_MASK)
    changes = _fields_from_v2(body)
    changes = masked(changes, mask, {"lead_source_category_id": ("category_id",)})
    if "name" in changes and not changes["name"]:
        raise Invalid("name is required", field="name")
    return jsonify(lead_source_v2(tenant().lead_sources.update(ident, **changes)))


@blueprint.delete("/leadSources/<lead_source_id>")
def delete_lead_source(lead_source_id: str) -> tuple[str, int]:
    tenant().lead_sources.delete(path_id(lead_source_id, "Lead Source"))
    return "", 204

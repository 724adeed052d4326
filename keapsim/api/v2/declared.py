"""v2 routes generated from the declared resources (``keapsim/api/crud.py``): page tokens,
``filter`` and ``order_by``, ``update_mask``, string ids, 204 on delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...wire import jsonify
from ..common import BadInput, as_bool, as_int, json_body, path_id
from ..crud import (
    ApiResource,
    Operation,
    add_operations,
    as_decimal,
    body_in,
    declared_store,
    record_out,
)
from ..resources import DECLARED
from . import blueprint
from .filters import (
    Clause,
    compare,
    masked,
    positive_int,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import filtered_page


def _clause_test(resource: ApiResource, clause: Clause) -> Callable[[Any], bool]:
    """Text fields match as Keap's text filters do (case-insensitive, ``*`` prefix, ``NONE``);
    ids take a positive integer, other numbers and times a value of their type, and both
    compare with the clause's operator."""
    name = resource.filter_keys()[clause.field].field
    kind = resource.store_type(name)
    if kind is str:
        return lambda record: text_matches(getattr(record, name), clause.value)
    wanted = _filter_value(kind, clause, is_id=name == "id" or name.endswith("_id"))
    if kind is datetime:
        return lambda record: compare(_at_millis(getattr(record, name)), clause.op, wanted)
    return lambda record: compare(getattr(record, name), clause.op, wanted)


def _filter_value(kind: type, clause: Clause, *, is_id: bool) -> Any:
    if kind is int and is_id:
        return positive_int(clause.value, clause.field)
    if kind is int:
        return as_int(clause.value, clause.field)
    if kind is datetime:
        return timestamp(clause.value, clause.field)
    if kind is Decimal:
        return as_decimal(clause.value, clause.field)
    if kind is bool:
        return as_bool(clause.value, clause.field)
    raise BadInput(f"Invalid filter field: {clause.field}", field="filter")


def _at_millis(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_millis(moment)


def _orders(resource: ApiResource) -> dict[str, Callable[[Any], Any]]:
    def key(name: str) -> Callable[[Any], Any]:
        if resource.store_type(name) is str:
            return lambda record: (getattr(record, name) or "").casefold() or None
        return lambda record: getattr(record, name)

    return {wire: key(name) for wire, name in resource.order_keys().items()}


def register(resource: ApiResource) -> None:
    routes = resource.v2
    if routes is None:
        return
    kind = resource.kind
    filters = {name: key.ops for name, key in resource.filter_keys().items()}
    writable = tuple(wire for wire, f in resource.wire_fields("v2") if f.writable and wire != "id")
    renames = {wire: (f.name,) for wire, f in resource.wire_fields("v2")}

    def list_records() -> Response:
        body = filtered_page(
            routes.collection,
            declared_store(resource).table.scan(),
            lambda r: record_out(resource, r, "v2"),
            filters=filters,
            test=lambda c: _clause_test(resource, c),
            orders=_orders(resource),
            default_order=resource.default_order,
        )
        return jsonify(body)

    def create_record() -> tuple[Response, int]:
        record = declared_store(resource).create(**body_in(resource, json_body(), "v2"))
        return jsonify(record_out(resource, record, "v2")), routes.create_status

    def get_record(ident: str) -> Response:
        record = declared_store(resource).get(path_id(ident, kind))
        return jsonify(record_out(resource, record, "v2"))

    def update_record(ident: str) -> Response:
        """Only the values given change; ``update_mask`` narrows them further."""
        number = path_id(ident, kind)
        body = json_body()
        mask = update_mask(writable)
        changes = masked(body_in(resource, body, "v2"), mask, renames)
        return jsonify(
            record_out(resource, declared_store(resource).update(number, **changes), "v2")
        )

    def delete_record(ident: str) -> tuple[str, int]:
        declared_store(resource).delete(path_id(ident, kind))
        return "", 204

    views: dict[Operation, Callable[..., Any]] = {
        "list": list_records,
        "create": create_record,
        "get": get_record,
        "update": update_record,
        "delete": delete_record,
    }
    add_operations(blueprint, resource, routes, views, __name__)


for declared in DECLARED:
    register(declared)

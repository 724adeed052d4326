"""v2 routes generated from the declared resources (``keapsim/api/crud.py``): page tokens,
``filter`` and ``order_by``, ``update_mask``, string ids, 204 on delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify

from ...store.resource import DeclaredStore
from ..common import json_body, path_id, tenant
from ..crud import ApiResource, WireField, body_in, record_out
from ..paging import v2_window
from ..resources import DECLARED
from . import blueprint
from .filters import Clause, masked, ordered, parse_filter, positive_int, text_matches, update_mask
from .shapes import page_of


def _store(resource: ApiResource) -> DeclaredStore[Any]:
    store = tenant().store(resource.store)
    assert isinstance(store, DeclaredStore)
    return store


def _clause_test(resource: ApiResource, clause: Clause) -> Callable[[Any], bool]:
    """Text fields match as Keap's text filters do (case-insensitive, ``*`` prefix, ``NONE``);
    id fields take a positive integer."""
    field = _by_wire(resource)[clause.field]
    if resource.store_type(field) is int:
        number = positive_int(clause.value, clause.field)
        return lambda record: getattr(record, field.name) == number
    return lambda record: text_matches(getattr(record, field.name), clause.value)


def _by_wire(resource: ApiResource) -> dict[str, WireField]:
    return dict(resource.wire_fields("v2"))


def _orders(resource: ApiResource) -> dict[str, Callable[[Any], Any]]:
    def key(field: WireField) -> Callable[[Any], Any]:
        if resource.store_type(field) is str:
            return lambda record: (getattr(record, field.name) or "").casefold() or None
        return lambda record: getattr(record, field.name)

    orders = {wire: key(f) for wire, f in resource.wire_fields("v2") if f.order}
    return {**orders, "id": lambda record: record.id}


def register(resource: ApiResource) -> None:
    routes = resource.v2
    if routes is None:
        return
    name, kind, item = resource.store, resource.kind, f"{routes.path}/<ident>"
    filters = {wire: f.filters for wire, f in resource.wire_fields("v2") if f.filters}
    writable = tuple(wire for wire, f in resource.wire_fields("v2") if f.writable and wire != "id")
    renames = {wire: (f.name,) for wire, f in resource.wire_fields("v2")}

    def list_records() -> Response:
        tests = [_clause_test(resource, c) for c in parse_filter(filters)]
        matches = _store(resource).table.scan(lambda r: all(test(r) for test in tests))
        page, token = v2_window(ordered(list(matches), _orders(resource), resource.default_order))
        items = [record_out(resource, r, "v2") for r in page]
        return jsonify(page_of(routes.collection, items, token))

    def create_record() -> tuple[Response, int]:
        record = _store(resource).create(**body_in(resource, json_body(), "v2"))
        return jsonify(record_out(resource, record, "v2")), routes.create_status

    def get_record(ident: str) -> Response:
        record = _store(resource).get(path_id(ident, kind))
        return jsonify(record_out(resource, record, "v2"))

    def update_record(ident: str) -> Response:
        """Only the values given change; ``update_mask`` narrows them further."""
        number = path_id(ident, kind)
        body = json_body()
        mask = update_mask(writable)
        changes = masked(body_in(resource, body, "v2"), mask, renames)
        return jsonify(record_out(resource, _store(resource).update(number, **changes), "v2"))

    def delete_record(ident: str) -> tuple[str, int]:
        _store(resource).delete(path_id(ident, kind))
        return "", 204

    views: dict[str, tuple[str, str, Callable[..., Any]]] = {
        "list": (routes.path, "GET", list_records),
        "create": (routes.path, "POST", create_record),
        "get": (item, "GET", get_record),
        "update": (item, "PATCH", update_record),
        "delete": (item, "DELETE", delete_record),
    }
    for operation in sorted(routes.operations):
        path, method, view = views[operation]
        endpoint = f"{name}_{operation}"
        blueprint.add_url_rule(path, endpoint, view, methods=[method])


for declared in DECLARED:
    register(declared)

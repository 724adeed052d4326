"""v1 routes generated from the declared resources (``keapsim/api/crud.py``): integer ids,
limit/offset paging with ``count``/``next``/``previous``, ``{"message"}`` errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify

from ...store.resource import DeclaredStore
from ..common import json_body, path_id, tenant
from ..crud import ApiResource, body_in, record_out
from ..paging import v1_window
from ..resources import DECLARED
from . import blueprint, no_content


def _store(resource: ApiResource) -> DeclaredStore[Any]:
    store = tenant().store(resource.store)
    assert isinstance(store, DeclaredStore)
    return store


def register(resource: ApiResource) -> None:
    routes = resource.v1
    if routes is None:
        return
    name, kind, item = resource.store, resource.kind, f"{routes.path}/<ident>"

    def list_records() -> Response:
        page, meta = v1_window(_store(resource).select())
        return jsonify({routes.collection: [record_out(resource, r, "v1") for r in page], **meta})

    def create_record() -> tuple[Response, int]:
        record = _store(resource).create(**body_in(resource, json_body(), "v1"))
        return jsonify(record_out(resource, record, "v1")), routes.create_status

    def get_record(ident: str) -> Response:
        record = _store(resource).get(path_id(ident, kind))
        return jsonify(record_out(resource, record, "v1"))

    def update_record(ident: str) -> Response:
        number = path_id(ident, kind)
        changes = body_in(resource, json_body(), "v1")
        return jsonify(record_out(resource, _store(resource).update(number, **changes), "v1"))

    def delete_record(ident: str) -> Response:
        _store(resource).delete(path_id(ident, kind))
        return no_content()

    views: dict[str, tuple[str, str, Callable[..., Any]]] = {
        "list": (routes.path, "GET", list_records),
        "create": (routes.path, "POST", create_record),
        "get": (item, "GET", get_record),
        "update": (item, "PATCH", update_record),
        "delete": (item, "DELETE", delete_record),
    }
    for operation in sorted(routes.operations):
        path, method, view = views[operation]
        blueprint.add_url_rule(path, f"{name}_{operation}", view, methods=[method])


for declared in DECLARED:
    register(declared)

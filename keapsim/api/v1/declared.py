"""v1 routes generated from the declared resources (``keapsim/api/crud.py``): integer ids,
limit/offset paging with ``count``/``next``/``previous``, ``{"message"}`` errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...wire import jsonify
from ..common import json_body, path_id
from ..crud import ApiResource, Operation, add_operations, body_in, declared_store, record_out
from ..paging import v1_window
from ..resources import DECLARED
from . import blueprint, no_content


def register(resource: ApiResource) -> None:
    routes = resource.v1
    if routes is None:
        return
    kind = resource.kind

    def list_records() -> Response:
        page, meta = v1_window(declared_store(resource).select())
        return jsonify({routes.collection: [record_out(resource, r, "v1") for r in page], **meta})

    def create_record() -> tuple[Response, int]:
        record = declared_store(resource).create(**body_in(resource, json_body(), "v1"))
        return jsonify(record_out(resource, record, "v1")), routes.create_status

    def get_record(ident: str) -> Response:
        record = declared_store(resource).get(path_id(ident, kind))
        return jsonify(record_out(resource, record, "v1"))

    def update_record(ident: str) -> Response:
        number = path_id(ident, kind)
        changes = body_in(resource, json_body(), "v1")
        return jsonify(
            record_out(resource, declared_store(resource).update(number, **changes), "v1")
        )

    def delete_record(ident: str) -> Response:
        declared_store(resource).delete(path_id(ident, kind))
        return no_content()

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

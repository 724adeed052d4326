"""The OpenAPI description of what keapsim implements, derived from Keap's official documents:
the same paths, operations and schemas, restricted to the operations that have a route here."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..specs import load_v1, load_v2

blueprint = Blueprint("openapi", __name__)
METHODS = ("get", "put", "post", "delete", "patch")


def implemented_operations(url_map, prefix: str) -> set[tuple[str, str]]:
    """(method, path-after-prefix with ``<x>`` placeholders) of the app's routes."""
    found = set()
    for rule in url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        tail = rule.rule[len(prefix) :]
        for method in rule.methods or ():
            if method.lower() in METHODS:
                found.add((method.lower(), tail))
    return found


def restrict(
    document: dict[str, Any], spec_prefix: str, operations: set[tuple[str, str]]
) -> dict[str, Any]:
    """A copy of ``document`` keeping only paths/operations in ``operations``."""
    patterns = [
        (
            method,
            re.compile(
                "^"
                + re.sub(
                    r"<[^>]+>",
                    r"\\{[^/}]+\\}",
                    re.escape(tail).replace("\\<", "<").replace("\\>", ">"),
                )
                + "$"
            ),
        )
        for method, tail in operations
    ]
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith(spec_prefix):
            continue
        tail = path[len(spec_prefix) :]
        kept = {
            method: op
            for method, op in item.items()
            if method in METHODS and any(m == method and p.match(tail) for m, p in patterns)
        }
        if kept:
            shared = {k: v for k, v in item.items() if k not in METHODS}
            paths[path] = {**shared, **kept}
    result = copy.copy(document)
    result["paths"] = paths
    return result


@cache
def _restricted(version: str, operations: frozenset[tuple[str, str]]) -> dict[str, Any]:
    if version == "v1":
        return restrict(load_v1(), "/v1", set(operations))
    return restrict(load_v2(), "/rest/v2", set(operations))


def description(version: str, url_map, host_url: str) -> dict[str, Any]:
    ops = frozenset(implemented_operations(url_map, f"/crm/rest/{version}"))
    document = dict(_restricted(version, ops))
    base = host_url.rstrip("/")
    document["servers"] = [{"url": f"{base}/crm/rest" if version == "v1" else f"{base}/crm"}]
    return document


@blueprint.get("/crm/rest/<any(v1, v2):version>/openapi.json")
def openapi(version: str) -> ResponseReturnValue:
    return jsonify(description(version, current_app.url_map, request.host_url))

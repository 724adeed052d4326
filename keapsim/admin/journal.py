"""Admin API: the request journal (see :mod:`keapsim.gateway.journal`). Admin calls are not
journaled.

Filters (all optional, combined with AND): ``tenant``, ``method``, ``path`` (a glob such as
``/crm/rest/v1/contacts*``), ``status`` (repeatable or comma-separated), ``fault`` (a rule id,
or ``true``/``false``), ``kind`` (``request``, or ``hook.*`` for the posts to hook URLs),
``limit`` (the newest N).

- ``GET    /_keapsim/journal?...``         ``{"entries": [...], "count": N, "maxlen": M}``
- ``GET    /_keapsim/journal/count?...``   ``{"count": N}``
- ``GET    /_keapsim/journal/export?format=jsonl|vcr&...``  JSON lines, or a vcrpy cassette
- ``DELETE /_keapsim/journal``              forget every entry (204)
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..context import current_simulator
from . import admin_error, blueprint

EXPORT_TYPES = {"jsonl": "application/x-ndjson", "vcr": "application/x-yaml"}


class BadFilter(ValueError):
    pass


def _filters(*, with_limit: bool = True) -> dict[str, Any]:
    args = request.args
    filters: dict[str, Any] = {}
    for name in ("tenant", "method", "path", "kind"):
        if args.get(name):
            filters[name] = args[name]
    statuses = [part for value in args.getlist("status") for part in value.split(",") if part]
    if statuses:
        if not all(s.strip().isdecimal() and len(s.strip()) <= 3 for s in statuses):
            raise BadFilter("status: expected integers, e.g. status=429 or status=400,409")
        filters["status"] = [int(s) for s in statuses]
    fault = args.get("fault")
    if fault:
        filters["fault"] = {"true": True, "false": False}.get(fault.lower(), fault)
    limit = args.get("limit")
    if with_limit and limit:
        if not limit.isdecimal() or len(limit) > 9:
            raise BadFilter("limit: expected a non-negative integer")
        filters["limit"] = int(limit)
    return filters


def _journal():
    return current_simulator().journal


@blueprint.get("/journal")
def journal_entries() -> Response:
    journal = _journal()
    try:
        entries = journal.find(**_filters())
    except BadFilter as err:
        return admin_error(str(err))
    return jsonify(
        entries=[e.to_dict() for e in entries],
        count=len(entries),
        maxlen=journal.maxlen,
        enabled=journal.enabled,
    )


@blueprint.get("/journal/count")
def journal_count() -> Response:
    try:
        return jsonify(count=_journal().count(**_filters(with_limit=False)))
    except BadFilter as err:
        return admin_error(str(err))


@blueprint.get("/journal/export")
def journal_export() -> Response:
    kind = request.args.get("format", "jsonl")
    if kind not in EXPORT_TYPES:
        return admin_error(f"format: expected one of {', '.join(EXPORT_TYPES)}")
    journal = _journal()
    try:
        entries = journal.find(**_filters())
    except BadFilter as err:
        return admin_error(str(err))
    sim = current_simulator()
    text = journal.to_jsonl(entries) if kind == "jsonl" else journal.to_vcr(entries, sim.base_url)
    filename = "keapsim-journal." + ("jsonl" if kind == "jsonl" else "yaml")
    return Response(
        text,
        content_type=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.delete("/journal")
def journal_clear() -> Response:
    _journal().clear()
    return Response(status=204)

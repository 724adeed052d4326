"""v1 notes (keap-facts.md §3.4)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_int, as_str, json_body, path_id, query_int, tenant
from ..paging import v1_window
from . import blueprint, no_content
from .shapes import note_v1

NOTE_FIELDS = ("contact_id", "user_id", "title", "body", "type")


def _note_fields(body: dict[str, Any]) -> dict[str, Any]:
    """``RequestNote``/``UpdateNote`` → domain fields (only the keys present; unknown keys are
    ignored, as Jackson does)."""
    fields: dict[str, Any] = {}
    for name in NOTE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        if name in ("contact_id", "user_id"):
            fields[name] = None if value is None else as_int(value, name)
        else:
            fields[name] = as_str(value, name)
    return fields


@blueprint.get("/notes")
def list_notes() -> Response:
    the_tenant = tenant()
    notes = the_tenant.notes.list_by(
        contact_id=query_int("contact_id"), user_id=query_int("user_id")
    )
    page, meta = v1_window(notes)
    return jsonify(notes=[note_v1(n, the_tenant) for n in page], **meta)


@blueprint.post("/notes")
def create_note() -> tuple[Response, int]:
    fields = _note_fields(json_body())
    contact_id = fields.pop("contact_id", None)
    if contact_id is None:
        raise Invalid("contact_id is required", field="contact_id")
    the_tenant = tenant()
    note = the_tenant.notes.create(contact_id, **fields)
    return jsonify(note_v1(note, the_tenant)), 201


@blueprint.get("/notes/<note_id>")
def get_note(note_id: str) -> Response:
    the_tenant = tenant()
    return jsonify(note_v1(the_tenant.notes.get(path_id(note_id, "Note")), the_tenant))


@blueprint.patch("/notes/<note_id>")
def patch_note(note_id: str) -> Response:
    """Only the properties sent change."""
    ident = path_id(note_id, "Note")
    fields = _note_fields(json_body())
    if "contact_id" in fields and fields["contact_id"] is None:
        raise BadInput(UNCONVERTIBLE, field="contact_id")
    the_tenant = tenant()
    return jsonify(note_v1(the_tenant.notes.update(ident, **fields), the_tenant))


@blueprint.put("/notes/<note_id>")
def replace_note(note_id: str) -> Response:
    """A full replacement: ``RequestNote`` requires ``contact_id``; what is left out is
    cleared. (The document names this path parameter ``note``, a known slip.)"""
    ident = path_id(note_id, "Note")
    fields = _note_fields(json_body())
    if fields.get("contact_id") is None:
        raise Invalid("contact_id is required", field="contact_id")
    replacement = {name: fields.get(name) for name in NOTE_FIELDS}
    the_tenant = tenant()
    return jsonify(note_v1(the_tenant.notes.update(ident, **replacement), the_tenant))


@blueprint.delete("/notes/<note_id>")
def delete_note(note_id: str) -> Response:
    tenant().notes.delete(path_id(note_id, "Note"))
    return no_content()

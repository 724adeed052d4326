"""v2 notes, nested under their contact (keap-facts.md §4.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid, NotFound
from ...store.records import Note
from ...wire import jsonify
from ..common import as_bool, json_body, path_id, tenant
from ..crud import record_out
from ..email_resources import NOTE_TEMPLATES
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import filtered_page
from .shapes import note_v2, string_id, text

NOTE_FILTERS = {
    "id": COMPARE,
    "ids": EQ,
    "title": EQ,
    "contact_id": EQ,
    "assigned_to_user_id": EQ,
    "since_time": EQ,
    "until_time": EQ,
}
NOTE_ORDERS: dict[str, Callable[[Note], Any]] = {
    "id": lambda n: n.id,
    "create_time": lambda n: n.date_created,
    "update_time": lambda n: n.last_updated,
}
NOTE_MASK = ("contact_id", "title", "text", "type", "user_id", "is_pinned", "custom_fields")


def _note_test(clause: Clause) -> Callable[[Note], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "id":
        number = positive_int(value, name)
        return lambda n: compare(n.id, op, number)
    if name == "ids":
        wanted = id_set(value, name)
        return lambda n: n.id in wanted
    if name == "title":
        # "Bare value matches anywhere in the title (contains)"; a trailing * is a prefix.
        return lambda n: text_matches(n.title, value, contains=True)
    if name == "contact_id":
        number = positive_int(value, name)
        return lambda n: n.contact_id == number
    if name == "assigned_to_user_id":
        number = positive_int(value, name)
        return lambda n: n.user_id == number
    # since_time/until_time: the document does not say which time; keapsim uses create_time.
    moment = timestamp(value, name)
    if name == "since_time":
        return lambda n: to_millis(n.date_created) >= moment
    return lambda n: to_millis(n.date_created) <= moment


def _note_of(contact_id: str, note_id: str) -> Note:
    """The note, which must belong to the contact in the path (otherwise 404)."""
    the_tenant = tenant()
    contact = the_tenant.contacts.get(path_id(contact_id, "Contact"))
    note = the_tenant.notes.get(path_id(note_id, "Note"))
    if note.contact_id != contact.id:
        raise NotFound("Note", note_id)
    return note


def _note_changes(body: dict[str, Any]) -> dict[str, Any]:
    """A v2 note body → the store's note fields (``text`` is the store's ``body``)."""
    changes: dict[str, Any] = {}
    for v2_name, store_name in (("title", "title"), ("text", "body"), ("type", "type")):
        if v2_name in body:
            changes[store_name] = text(body, v2_name)
    if body.get("user_id") is not None:
        changes["user_id"] = string_id(body["user_id"], "user_id")
    if body.get("is_pinned") is not None:
        changes["pinned"] = as_bool(body["is_pinned"], "is_pinned")
    if body.get("contact_id") is not None:
        changes["contact_id"] = string_id(body["contact_id"], "contact_id")
    # Note custom fields: the store keeps none, so custom_fields is accepted and ignored.
    return changes


def _require_user(body: dict[str, Any]) -> None:
    if body.get("user_id") is None:
        raise Invalid("user_id is required", field="user_id")


@blueprint.get("/contacts/<contact_id>/notes")
def list_notes(contact_id: str) -> Response:
    the_tenant = tenant()
    contact = the_tenant.contacts.get(path_id(contact_id, "Contact"))
    notes = sorted(the_tenant.notes.list_by(contact_id=contact.id), key=lambda n: n.id)
    body = filtered_page(
        "notes",
        lambda clauses: _matching_notes(notes, clauses),
        lambda n: note_v2(n, the_tenant),
        filters=NOTE_FILTERS,
        orders=NOTE_ORDERS,
    )
    return jsonify(body)


def _matching_notes(notes: Iterable[Note], clauses: list[Clause]) -> list[Note]:
    """The notes every clause keeps; ``id`` and ``ids`` together are a 400."""
    if {"id", "ids"} <= {c.field for c in clauses}:
        raise Invalid("id and ids cannot be combined", field="filter")
    tests = [_note_test(c) for c in clauses]
    return [n for n in notes if all(test(n) for test in tests)]


@blueprint.post("/contacts/<contact_id>/notes")
def create_note(contact_id: str) -> tuple[Response, int]:
    the_tenant = tenant()
    contact = the_tenant.contacts.get(path_id(contact_id, "Contact"))
    body = json_body()
    _require_user(body)
    fields = _note_changes(body)
    fields.pop("contact_id", None)  # the path names the contact
    # "A value for either `title` or `type` is required" (v2 document).
    if not fields.get("title") and not fields.get("type"):
        raise Invalid("A value for either title or type is required", field="title")
    note = the_tenant.notes.create(contact.id, **fields)
    return jsonify(note_v2(note, the_tenant)), 201


@blueprint.get("/contacts/<contact_id>/notes/<note_id>")
def get_note(contact_id: str, note_id: str) -> Response:
    return jsonify(note_v2(_note_of(contact_id, note_id), tenant()))


@blueprint.patch("/contacts/<contact_id>/notes/<note_id>")
def patch_note(contact_id: str, note_id: str) -> Response:
    note = _note_of(contact_id, note_id)
    body = json_body()
    mask = update_mask(NOTE_MASK)
    _require_user(body)
    changes = _note_changes(body)
    changes = masked(changes, mask, {"text": ("body",), "is_pinned": ("pinned",)})
    the_tenant = tenant()
    return jsonify(note_v2(the_tenant.notes.update(note.id, **changes), the_tenant))


@blueprint.delete("/contacts/<contact_id>/notes/<note_id>")
def delete_note(contact_id: str, note_id: str) -> tuple[str, int]:
    tenant().notes.delete(_note_of(contact_id, note_id).id)
    return "", 204


# -- every note (not only a contact's) and note templates --------------------------------------
@blueprint.get("/notes")
def list_all_notes() -> Response:
    """Every note of the account, with the filters and orders of a contact's notes
    (``contact_id`` among them)."""
    the_tenant = tenant()
    body = filtered_page(
        "notes",
        lambda clauses: _matching_notes(the_tenant.notes.table.scan(), clauses),
        lambda n: note_v2(n, the_tenant),
        filters=NOTE_FILTERS,
        orders=NOTE_ORDERS,
    )
    return jsonify(body)


@blueprint.get("/notes/templates")
def list_note_templates() -> Response:
    """Note templates come from seed data (the API has no create operation). The document
    names no filter fields; keapsim takes ``title==`` (a trailing ``*`` matches a prefix) and
    ``action_type==``; ``order_by`` takes ``id`` and ``title``."""
    orders: dict[str, Callable[[Any], Any]] = {
        "id": lambda t: t.id,
        "title": lambda t: t.title.casefold(),
    }
    body = filtered_page(
        "note_templates",
        tenant().note_templates.list(),
        lambda t: record_out(NOTE_TEMPLATES, t, "v2"),
        filters={"title": EQ, "action_type": EQ},
        test=_template_test,
        orders=orders,
    )
    return jsonify(body)


def _template_test(clause: Clause) -> Callable[[Any], bool]:
    return lambda t: text_matches(getattr(t, clause.field), clause.value)

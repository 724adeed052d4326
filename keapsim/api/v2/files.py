"""v2 files: multipart upload and update (the document's ``multipart/form-data``), list with
filters, get, the data as a JSON string of format ``byte`` (base64), delete."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...context import request
from ...store.files import StoredFile
from ...wire import jsonify
from ..common import BadInput, as_bool, path_id, tenant
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import filtered_page
from .shapes import sid, string_id

FILE_FILTERS: dict[str, Iterable[str]] = {
    "is_public": EQ,
    "contact_id": EQ,
    "user_id": EQ,
    "category": EQ,
    "file_box_type": EQ,
    "file_name": EQ,
    "created_time": COMPARE,
    "updated_time": COMPARE,
}
# The document lists file_name and updated_time, then "..."; created_time is keapsim's addition.
FILE_ORDERS: dict[str, Callable[[StoredFile], Any]] = {
    "file_name": lambda f: f.file_name.casefold(),
    "updated_time": lambda f: f.last_updated,
    "created_time": lambda f: f.date_created,
}
FILE_MASK = ("file", "file_name", "is_public")


def file_metadata_v2(stored: StoredFile) -> dict[str, Any]:
    """``FileMetadata``; ``remote_file_key`` is keapsim's own key (no form is documented)."""
    body = {
        "id": str(stored.id),
        "category": stored.category,
        "file_name": stored.file_name,
        "is_public": stored.is_public,
        "contact_id": sid(stored.contact_id),
        "created_by_id": str(stored.created_by),
        "remote_file_key": f"files/{stored.id}/{stored.file_name}",
        "file_box_type": stored.file_box_type,
        "file_size": stored.size,
        "created_time": iso(stored.date_created),
        "updated_time": iso(stored.last_updated),
    }
    return {k: v for k, v in body.items() if v is not None}


def _file_test(clause: Clause) -> Callable[[StoredFile], bool]:
    name, value = clause.field, clause.value
    if name == "is_public":
        wanted = as_bool(value, "filter")
        return lambda f: f.is_public == wanted
    if name in ("contact_id", "user_id"):
        ident = string_id(value, "filter")
        if name == "contact_id":
            return lambda f: f.contact_id == ident
        return lambda f: f.created_by == ident
    if name in ("category", "file_box_type"):
        return lambda f: getattr(f, name) == value.upper()
    if name == "file_name":
        return lambda f: text_matches(f.file_name, value)
    moment = timestamp(value, name)
    attribute = "date_created" if name == "created_time" else "last_updated"
    return lambda f: compare(to_millis(getattr(f, attribute)), clause.op, moment)


def _form_text(name: str) -> str | None:
    value = request.form.get(name)
    return None if value is None or value == "" else value


def _require_multipart() -> None:
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise BadInput("The request must be multipart/form-data", field="file")


def _file_part(*, required: bool) -> bytes | None:
    upload = request.files.get("file")
    if upload is None:
        if required:
            raise BadInput("file is required", field="file")
        return None
    return upload.read()


@blueprint.get("/files")
def list_files_v2() -> Response:
    body = filtered_page(
        "files",
        tenant().files.list(),
        file_metadata_v2,
        filters=FILE_FILTERS,
        test=_file_test,
        orders=FILE_ORDERS,
    )
    return jsonify(body)


@blueprint.post("/files")
def create_file_v2() -> tuple[Response, int]:
    """Parts: ``file`` (the bytes), ``file_name``, ``file_association`` (required), ``contact_id``
    (required for CONTACT), ``is_public`` ("true"/"false"; false when left out)."""
    _require_multipart()
    data = _file_part(required=True)
    file_name = _form_text("file_name")
    if file_name is None:
        raise BadInput("file_name is required", field="file_name")
    association = _form_text("file_association")
    if association is None:
        raise BadInput("file_association is required", field="file_association")
    contact = _form_text("contact_id")
    public = _form_text("is_public")
    stored = tenant().files.create(
        file_name,
        data or b"",
        association=association.upper(),
        contact_id=None if contact is None else string_id(contact, "contact_id"),
        is_public=False if public is None else as_bool(public, "is_public"),
    )
    return jsonify(file_metadata_v2(stored)), 201


@blueprint.post("/files/<file_id>")
def update_file_v2(file_id: str) -> Response:
    """The parts sent change (``update_mask`` narrows them: file, file_name, is_public)."""
    ident = path_id(file_id, "File")
    files = tenant().files
    files.get(ident)
    _require_multipart()
    mask = update_mask(FILE_MASK)
    changes: dict[str, Any] = {}
    data = _file_part(required=False)
    if data is not None:
        changes["data"] = data
    file_name = _form_text("file_name")
    if file_name is not None:
        changes["file_name"] = file_name
    public = _form_text("is_public")
    if public is not None:
        changes["is_public"] = as_bool(public, "is_public")
    if mask is not None:
        covered = {"file": "data"}
        changes = {k: v for k, v in changes.items() if k in {covered.get(m, m) for m in mask}}
    return jsonify(file_metadata_v2(files.update(ident, **changes)))


@blueprint.get("/files/<file_id>")
def get_file_v2(file_id: str) -> Response:
    return jsonify(file_metadata_v2(tenant().files.get(path_id(file_id, "File"))))


@blueprint.get("/files/<file_id>:data")
def get_file_data_v2(file_id: str) -> Response:
    """The document's 200 is a JSON string of format ``byte``: the content, base64-encoded."""
    stored = tenant().files.get(path_id(file_id, "File"))
    return jsonify(base64.b64encode(stored.data).decode("ascii"))


@blueprint.delete("/files/<file_id>")
def delete_file_v2(file_id: str) -> tuple[str, int]:
    tenant().files.delete(path_id(file_id, "File"))
    return "", 204

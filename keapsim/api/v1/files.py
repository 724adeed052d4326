"""v1 files: upload (base64 JSON), list, get (optionally with the data), replace, delete."""

from __future__ import annotations

import base64
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store.files import StoredFile
from ...wire import jsonify
from ..common import BadInput, as_bool, as_int, as_str, json_body, path_id, query_int, tenant
from ..files import decode_base64, from_v1_enum, name_matches, to_v1_enum
from ..paging import v1_window
from . import blueprint, no_content
from .shapes import optional_properties, v1_time

PERMISSIONS = {"USER": ("USER",), "COMPANY": ("COMPANY", "CONTACT"), "BOTH": None}
VIEWABLE = {"PUBLIC": True, "PRIVATE": False, "BOTH": None}


def file_descriptor_v1(stored: StoredFile) -> dict[str, Any]:
    """``FileDescriptor``. ``download_url`` is keapsim's v2 data route for the file (the document
    gives no form for it); ``remote_file_key`` is keapsim's own key."""
    return {
        "id": stored.id,
        "file_name": stored.file_name,
        "file_size": stored.size,
        "category": to_v1_enum(stored.category),
        "file_box_type": to_v1_enum(stored.file_box_type),
        **({"contact_id": stored.contact_id} if stored.contact_id is not None else {}),
        "created_by": stored.created_by,
        "date_created": v1_time(stored.date_created),
        "last_updated": v1_time(stored.last_updated),
        "public": stored.is_public,
        "remote_file_key": f"files/{stored.id}/{stored.file_name}",
        "download_url": f"{request.host_url.rstrip('/')}/crm/rest/v2/files/{stored.id}:data",
    }


def file_information_v1(stored: StoredFile, *, with_data: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"file_descriptor": file_descriptor_v1(stored)}
    if with_data:
        body["file_data"] = base64.b64encode(stored.data).decode("ascii")
    return body


def _upload(body: dict[str, Any]) -> dict[str, Any]:
    """A ``FileUpload`` body as store arguments. ``file_name``, ``file_data``,
    ``file_association`` and ``is_public`` are required (the document); ``public`` is accepted
    as ``is_public``'s other spelling."""
    for name in ("file_name", "file_data", "file_association"):
        if body.get(name) in (None, ""):
            raise BadInput(f"{name} is required", field=name)
    public = body.get("is_public", body.get("public"))
    if public is None:
        raise BadInput("is_public is required", field="is_public")
    contact = body.get("contact_id")
    return {
        "file_name": as_str(body["file_name"], "file_name"),
        "data": decode_base64(as_str(body["file_data"], "file_data") or "", "file_data"),
        "association": as_str(body["file_association"], "file_association"),
        "contact_id": None if contact is None else as_int(contact, "contact_id"),
        "is_public": as_bool(public, "is_public"),
    }


@blueprint.get("/files")
def list_files() -> Response:
    tests = []
    contact_id = query_int("contact_id")
    if contact_id is not None:
        tests.append(lambda f: f.contact_id == contact_id)
    name = request.args.get("name")
    if name:
        tests.append(name_matches(name))
    permission = request.args.get("permission", "BOTH")
    viewable = request.args.get("viewable", "BOTH")
    if permission not in PERMISSIONS:
        raise BadInput("permission must be USER, COMPANY or BOTH", field="permission")
    if viewable not in VIEWABLE:
        raise BadInput("viewable must be PUBLIC, PRIVATE or BOTH", field="viewable")
    associations, public = PERMISSIONS[permission], VIEWABLE[viewable]
    if associations is not None:
        tests.append(lambda f: f.association in associations)
    if public is not None:
        tests.append(lambda f: f.is_public == public)
    box = request.args.get("type")
    if box:
        tests.append(lambda f: f.file_box_type == from_v1_enum(box))
    files = [f for f in tenant().files.list() if all(test(f) for test in tests)]
    page, meta = v1_window(files)
    return jsonify(files=[file_descriptor_v1(f) for f in page], **meta)


@blueprint.post("/files")
def upload_file() -> Response:
    upload = _upload(json_body())
    stored = tenant().files.create(upload.pop("file_name"), upload.pop("data"), **upload)
    return jsonify(file_information_v1(stored, with_data=False))


@blueprint.get("/files/<file_id>")
def get_file(file_id: str) -> Response:
    stored = tenant().files.get(path_id(file_id, "File"))
    with_data = "file_data" in optional_properties()
    return jsonify(file_information_v1(stored, with_data=with_data))


@blueprint.put("/files/<file_id>")
def replace_file(file_id: str) -> Response:
    ident = path_id(file_id, "File")
    files = tenant().files
    files.get(ident)
    stored = files.update(ident, **_upload(json_body()))
    return jsonify(file_information_v1(stored, with_data=False))


@blueprint.delete("/files/<file_id>")
def delete_file(file_id: str) -> Response:
    tenant().files.delete(path_id(file_id, "File"))
    return no_content()

"""v2 files: multipart upload and update, list filters and orders, the data as base64, delete,
the per-tenant storage cap (413), and v1/v2 agreement on one file box."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from keapsim.store import Tenant

from .helpers import V2, email_contact


def upload(
    api: V2, content: bytes = b"hello", name: str = "a.txt", expect: int = 201, **parts: str
) -> Any:
    form = {"file_name": name, "file_association": "USER", **parts}
    return api.post("/files", expect, files={"file": (name, content)}, data=form)


def test_upload_answers_201_with_the_metadata_and_keeps_the_bytes(api: V2, tenant: Tenant) -> None:
    created = upload(api, b"hello world", is_public="true")
    assert created["file_name"] == "a.txt"
    assert created["file_size"] == 11
    assert created["is_public"] is True
    assert created["category"] == "DOCUMENTS" and created["file_box_type"] == "APPLICATION"
    assert created["created_by_id"] == str(tenant.users.account_owner().id)
    assert tenant.files.get(int(created["id"])).data == b"hello world"


def test_a_contact_file_needs_an_existing_contact(api: V2, tenant: Tenant) -> None:
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    created = upload(api, file_association="CONTACT", contact_id=contact)
    assert created["contact_id"] == contact and created["file_box_type"] == "CONTACT"
    api.error(
        "POST",
        "/files",
        400,
        files={"file": ("a.txt", b"x")},
        data={"file_name": "a.txt", "file_association": "CONTACT"},
    )
    api.error(
        "POST",
        "/files",
        400,
        files={"file": ("a.txt", b"x")},
        data={"file_name": "a.txt", "file_association": "CONTACT", "contact_id": "999"},
    )
    assert len(tenant.files) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"file_association": "USER"},
        {"file_name": "a.txt"},
        {"file_name": "a", "file_association": "X"},
    ],
)
def test_missing_or_bad_parts_are_400(api: V2, tenant: Tenant, data: dict[str, str]) -> None:
    api.error("POST", "/files", 400, files={"file": ("a.txt", b"x")}, data=data)
    assert tenant.files == {}


def test_json_or_a_missing_file_part_is_400(api: V2) -> None:
    api.error("POST", "/files", 400, json={"file_name": "a.txt"})
    api.error("POST", "/files", 400, data={"file_name": "a.txt", "file_association": "USER"})


def test_get_and_data(api: V2) -> None:
    created = upload(api, b"\x00\x01binary\xff")
    assert api.get(f"/files/{created['id']}") == created
    data = api.get(f"/files/{created['id']}:data")
    assert base64.b64decode(data) == b"\x00\x01binary\xff"
    api.error("GET", "/files/999", 404)
    api.error("GET", "/files/999:data", 404)


def test_update_replaces_the_bytes_and_the_name(api: V2, tenant: Tenant) -> None:
    created = upload(api, b"old")
    updated = api.post(
        f"/files/{created['id']}",
        200,
        files={"file": ("b.txt", b"brand new")},
        data={"file_name": "b.txt", "is_public": "true"},
    )
    assert updated["file_name"] == "b.txt" and updated["file_size"] == 9 and updated["is_public"]
    assert tenant.files.get(int(created["id"])).data == b"brand new"


def test_update_mask_narrows_the_parts(api: V2, tenant: Tenant) -> None:
    created = upload(api, b"old")
    updated = api.post(
        f"/files/{created['id']}",
        200,
        params={"update_mask": "file_name"},
        files={"file": ("b.txt", b"ignored")},
        data={"file_name": "renamed.txt"},
    )
    assert updated["file_name"] == "renamed.txt"
    assert tenant.files.get(int(created["id"])).data == b"old"
    api.error("POST", "/files/999", 404, files={"file": ("b.txt", b"x")})


def test_delete(api: V2, tenant: Tenant) -> None:
    created = upload(api)
    api.delete(f"/files/{created['id']}")
    assert tenant.files == {}
    api.error("DELETE", f"/files/{created['id']}", 404)


def test_list_filters_and_orders(api: V2) -> None:
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    first = upload(api, name="b.txt", is_public="true")
    second = upload(api, name="a.txt", file_association="CONTACT", contact_id=contact)
    assert [f["id"] for f in api.get("/files")["files"]] == [first["id"], second["id"]]
    by_name = api.get("/files", params={"order_by": "file_name asc"})["files"]
    assert [f["file_name"] for f in by_name] == ["a.txt", "b.txt"]
    for query, expected in (
        ("is_public==true", [first["id"]]),
        (f"contact_id=={contact}", [second["id"]]),
        ("file_box_type==CONTACT", [second["id"]]),
        ("category==DOCUMENTS;file_name==b*", [first["id"]]),
    ):
        assert [f["id"] for f in api.get("/files", params={"filter": query})["files"]] == expected
    page = api.get("/files", params={"page_size": 1})
    assert len(page["files"]) == 1 and page["next_page_token"]
    api.error("GET", "/files", 400, params={"filter": "colour==red"})


def test_the_storage_cap_answers_413_and_keeps_what_was_there(
    api: V2, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Settings outlive a reset: monkeypatch puts the cap back for the other tests.
    monkeypatch.setattr(tenant.settings, "file_storage_bytes", 10)
    created = upload(api, b"12345678")
    body = api.error(
        "POST",
        "/files",
        413,
        files={"file": ("big.bin", b"123")},
        data={"file_name": "big.bin", "file_association": "USER"},
    )
    assert "file_storage_bytes" in body["message"]
    # A replacement counts the bytes it frees.
    api.post(f"/files/{created['id']}", 200, files={"file": ("a.txt", b"0123456789")})
    api.error("POST", f"/files/{created['id']}", 413, files={"file": ("a.txt", b"01234567890")})
    assert [f.data for f in tenant.files.values()] == [b"0123456789"]


def test_a_deleted_contact_takes_its_files(api: V2, tenant: Tenant) -> None:
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    upload(api, file_association="CONTACT", contact_id=contact)
    api.delete(f"/contacts/{contact}")
    assert tenant.files == {}


def test_v1_reads_a_file_uploaded_in_v2(api: V2, sim: Any) -> None:
    created = upload(api, b"shared")
    with sim.client() as client:
        body = client.get(f"/v1/files/{created['id']}", params={"optional_properties": "file_data"})
    assert body.status_code == 200
    assert body.json()["file_descriptor"]["file_name"] == "a.txt"
    assert base64.b64decode(body.json()["file_data"]) == b"shared"

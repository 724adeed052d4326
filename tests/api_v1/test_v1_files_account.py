"""v1 files, account profile, settings, locales, user signatures and a contact's credit cards:
status, shape (validated against the v1 document by the client) and state effect."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from keapsim.store import Tenant

from .helpers import V1


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def upload(api: V1, data: bytes = b"hello", **fields: Any) -> dict[str, Any]:
    body = {
        "file_name": "a.txt",
        "file_data": b64(data),
        "file_association": "USER",
        "is_public": False,
        **fields,
    }
    return api.post("/files", json=body)


def test_upload_and_get_with_and_without_the_data(api: V1, tenant: Tenant) -> None:
    created = upload(api, b"hello world")
    descriptor = created["file_descriptor"]
    assert "file_data" not in created
    assert descriptor["file_name"] == "a.txt" and descriptor["file_size"] == 11
    assert descriptor["category"] == "Documents" and descriptor["file_box_type"] == "Application"
    assert descriptor["public"] is False
    assert tenant.files.get(descriptor["id"]).data == b"hello world"
    plain = api.get(f"/files/{descriptor['id']}")
    assert plain == {"file_descriptor": descriptor}
    full = api.get(f"/files/{descriptor['id']}", params={"optional_properties": "file_data"})
    assert base64.b64decode(full["file_data"]) == b"hello world"
    api.error("GET", "/files/999", 404)


def test_a_contact_file(api: V1, tenant: Tenant) -> None:
    contact = api.contact()["id"]
    created = upload(api, file_association="CONTACT", contact_id=contact)
    assert created["file_descriptor"]["contact_id"] == contact
    assert created["file_descriptor"]["file_box_type"] == "Contact"
    api.error("POST", "/files", 400, json={**_body(), "file_association": "CONTACT"})
    assert len(tenant.files) == 1


def _body(**fields: Any) -> dict[str, Any]:
    return {
        "file_name": "a.txt",
        "file_data": b64(b"x"),
        "file_association": "USER",
        "is_public": True,
        **fields,
    }


@pytest.mark.parametrize(
    "body",
    [
        _body(file_data="not base64!"),
        _body(file_name=""),
        _body(file_association="TEAM"),
        {k: v for k, v in _body().items() if k != "is_public"},
        _body(is_public="maybe"),
    ],
)
def test_bad_uploads_are_400(api: V1, tenant: Tenant, body: dict[str, Any]) -> None:
    api.error("POST", "/files", 400, json=body)
    assert tenant.files == {}


def test_replace_and_delete(api: V1, tenant: Tenant) -> None:
    file_id = upload(api, b"old")["file_descriptor"]["id"]
    replaced = api.put(f"/files/{file_id}", json=_body(file_name="b.txt", file_data=b64(b"new!")))
    assert replaced["file_descriptor"]["file_name"] == "b.txt"
    assert replaced["file_descriptor"]["file_size"] == 4
    assert tenant.files.get(file_id).data == b"new!"
    api.error("PUT", "/files/999", 404, json=_body())
    api.delete(f"/files/{file_id}")
    assert tenant.files == {}
    api.error("DELETE", f"/files/{file_id}", 404)


def test_the_storage_cap_is_413(api: V1, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings outlive a reset: monkeypatch puts the cap back for the other tests.
    monkeypatch.setattr(tenant.settings, "file_storage_bytes", 4)
    api.error("POST", "/files", 413, json=_body(file_data=b64(b"12345")))
    assert tenant.files == {}


def test_list_filters(api: V1) -> None:
    contact = api.contact()["id"]
    first = upload(api, file_name="report.pdf", is_public=True)["file_descriptor"]["id"]
    second = upload(api, file_name="cv.doc", file_association="CONTACT", contact_id=contact)[
        "file_descriptor"
    ]["id"]
    listed = api.get("/files")
    assert listed["count"] == 2 and [f["id"] for f in listed["files"]] == [first, second]
    for params, expected in (
        ({"contact_id": contact}, [second]),
        ({"name": "rep*"}, [first]),
        ({"name": "*.doc"}, [second]),
        ({"viewable": "PUBLIC"}, [first]),
        ({"viewable": "PRIVATE"}, [second]),
        ({"permission": "USER"}, [first]),
        ({"type": "Contact"}, [second]),
    ):
        assert [f["id"] for f in api.get("/files", params=params)["files"]] == expected, params
    api.error("GET", "/files", 400, params={"viewable": "SOME"})


def test_account_profile_get_and_put(api: V1, tenant: Tenant) -> None:
    profile = api.get("/account/profile")
    assert profile["name"] == tenant.name
    address = {"field": "BILLING", "line1": "1 Main St", "locality": "Mesa", "zip_code": "85201"}
    updated = api.put(
        "/account/profile",
        json={"name": "Acme", "phone": "555-0100", "phone_ext": "12", "address": address},
    )
    assert updated["name"] == "Acme" and updated["phone_ext"] == "12"
    assert updated["address"] == address
    assert updated["currency_code"] == "USD"  # left out: kept
    assert tenant.account.profile().phone == "555-0100"
    api.error("PUT", "/account/profile", 400, json={"name": 5})
    api.error("PUT", "/account/profile", 400, json={"address": "here"})


def test_settings(api: V1, tenant: Tenant) -> None:
    assert api.get("/setting/application/enabled") == {"value": "true"}
    assert api.get("/setting/contact/optionTypes") == {"value": "Lead,Customer,Other"}
    config = api.get("/setting/application/configuration")
    assert config["contact"]["contact_types"] == "Lead,Customer,Other"
    assert config["template"]["default_user_id"] == tenant.users.account_owner().id


def test_locales(api: V1) -> None:
    countries = api.get("/locales/countries")["countries"]
    assert countries["USA"] == "United States" and countries["CAN"] == "Canada"
    provinces = api.get("/locales/countries/USA/provinces")["provinces"]
    assert provinces["US-AZ"] == "Arizona"
    assert api.get("/locales/countries/CA/provinces")["provinces"]["CA-ON"] == "Ontario"
    api.error("GET", "/locales/countries/ZZZ/provinces", 404)
    options = api.get("/locales/defaultOptions")
    assert options["contact_types"] == ["Lead", "Customer", "Other"]
    assert "Mobile" in options["phone_types"]


def test_signature(api: V1, tenant: Tenant) -> None:
    owner = tenant.users.account_owner()
    assert owner.email_address in api.get(f"/users/{owner.id}/signature")
    api.error("GET", "/users/999/signature", 404)


def test_credit_cards(api: V1, tenant: Tenant) -> None:
    contact = api.contact()["id"]
    assert api.get(f"/contacts/{contact}/creditCards") == []
    added = api.post(
        f"/contacts/{contact}/creditCards",
        201,
        json={
            "card_number": "4111 1111 1111 1111",
            "expiration_month": "4",
            "expiration_year": "2030",
            "name_on_card": "Ada Lovelace",
            "address": {"field": "BILLING", "line1": "1 Main St"},
        },
    )
    assert added["contact_id"] == contact and added["card_type"] == "Visa"
    assert added["expiration_month"] == "04" and added["validation_status"] == "Valid"
    listed = api.get(f"/contacts/{contact}/creditCards")
    assert listed == [
        {
            "id": added["id"],
            "card_number": "************1111",
            "card_type": "Visa",
            "payment_method_id": str(added["id"]),
            "validation_status": "Valid",
        }
    ]
    stored = tenant.credit_cards.get(added["id"])
    assert stored.last_four == "1111"  # never the whole number


@pytest.mark.parametrize(
    "body",
    [
        {"card_number": "4111111111111112", "expiration_month": "1", "expiration_year": "2030"},
        {"card_number": "4111111111111111", "expiration_month": "13", "expiration_year": "2030"},
        {"card_number": "4111111111111111", "expiration_month": "1"},
        {"card_number": "4111111111111111", "expiration_month": "1", "expiration_year": "30",
         "consent_type": "MAYBE"},
    ],
)  # fmt: skip
def test_bad_cards_are_400(api: V1, tenant: Tenant, body: dict[str, Any]) -> None:
    contact = api.contact()["id"]
    api.error("POST", f"/contacts/{contact}/creditCards", 400, json=body)
    assert tenant.credit_cards == {}


def test_cards_of_a_missing_contact_are_404(api: V1) -> None:
    api.error("GET", "/contacts/999/creditCards", 404)
    card = {"card_number": "4111111111111111", "expiration_month": "1", "expiration_year": "2030"}
    api.error("POST", "/contacts/999/creditCards", 404, json=card)

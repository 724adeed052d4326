"""Captured contact bodies replayed: a v1 write, read and list page, the v1 ``{message}``
texts, and the v2 contact model (amp-labs/connectors fixtures, keap-python README)."""

from __future__ import annotations

from typing import Any

from contracts.cassette import Cassette, Exchange
from contracts.evidence.bodies import JSON_UTF8
from contracts.evidence.build import api_key_call, evidence_cassette
from contracts.evidence.captured_bodies import (
    CAPTURED_V1_CONTACT,
    CAPTURED_V1_CONTACT_PAGE,
    JOHN,
    V2_CONTACT_OPTIONAL,
    V2_MODEL_FIELDS,
)
from contracts.evidence.sources import (
    AMP_DELETE_MISSING,
    AMP_LIST,
    AMP_MISSING_FIELDS,
    AMP_V2_MODEL,
    AMP_WRITE,
    KEAP_PYTHON,
    PHP_140,
    V1,
    V1SPEC,
    V2,
    V2SDK,
)

#: The first listed contact as the set-up step creates it; the v1 custom field ids are those
#: the set-up steps get (1-4), in the order of ``V2_MODEL_FIELDS``.
ERICA_WITH_CUSTOM_FIELDS: dict[str, Any] = {
    "given_name": "Erica",
    "family_name": "Lewis",
    "email_addresses": [{"email": "erica.lewis@gmail.com", "field": "EMAIL1"}],
    "custom_fields": [
        {"id": 1, "content": "Product Owner"},
        {"id": 2, "content": "AI application in commerce"},
        {"id": 3, "content": "8 years in 3 companies"},
        {"id": 4, "content": 32},
    ],
}


def v1_contact_captured() -> Cassette:
    return evidence_cassette(
        "v1_contact_captured",
        "A v1 contact written with only an email answers Keap's default properties, "
        "nulls and empty names included, v1 dates with +0000, NonMarketable.",
        [
            api_key_call(
                "POST",
                f"{V1}/contacts",
                201,
                CAPTURED_V1_CONTACT,
                request_body={"email_addresses": JOHN},
                reason="Created",
                source=[AMP_WRITE, V1SPEC],
                note=(
                    "body captured from a real account (amp-labs/connectors "
                    "write-contacts.json @ 30bbef6d); the request is its live script's "
                    "(only email_addresses); status 201 per the v1 document"
                ),
            ),
            api_key_call(
                "GET",
                f"{V1}/contacts/30",
                200,
                {**CAPTURED_V1_CONTACT, "ScoreValue": None},
                reason="OK",
                source=KEAP_PYTHON,
                note=(
                    "a read without optional_properties has the same properties "
                    "(keap-python 1.3.0 README, contact_service.get; ScoreValue seen as "
                    "null and as '0')"
                ),
            ),
        ],
    )


def _v1_custom_field_setup(label: str, field_type: str) -> Exchange:
    return api_key_call(
        "POST",
        f"{V1}/contacts/model/customFields",
        201,
        {"id": 1, "label": label, "field_type": field_type},
        request_body={"label": label, "field_type": field_type},
        reason="Created",
        source=V1SPEC,
        note="set-up step: a custom field the captured body refers to (CustomFieldMetaData)",
        shape="subset",
    )


def _v1_contact_setup(body: dict[str, Any], ident: int, note: str) -> Exchange:
    return api_key_call(
        "POST",
        f"{V1}/contacts",
        201,
        {"id": ident, "given_name": body["given_name"]},
        request_body=body,
        reason="Created",
        source=V1SPEC,
        note=note,
        shape="subset",
    )


def v1_contact_list_captured() -> Cassette:
    return evidence_cassette(
        "v1_contact_list_captured",
        "v1 list items carry tag_ids and the same null keys; custom_fields on request.",
        [
            *(
                _v1_custom_field_setup(label, "WholeNumber" if kind == "WHOLE_NUMBER" else "Text")
                for _, label, kind in V2_MODEL_FIELDS
            ),
            _v1_contact_setup(
                ERICA_WITH_CUSTOM_FIELDS,
                22,
                "set-up step: the first listed contact, with its custom field values",
            ),
            _v1_contact_setup(
                {"given_name": "John", "family_name": "Doe", "email_addresses": JOHN},
                20,
                "set-up step: the second listed contact, without custom field values",
            ),
            api_key_call(
                "GET",
                f"{V1}/contacts?limit=2&order=id&optional_properties=custom_fields",
                200,
                CAPTURED_V1_CONTACT_PAGE,
                reason="OK",
                source=[AMP_LIST, KEAP_PYTHON],
                note=(
                    "list items captured from a real account (amp-labs/connectors "
                    "read/contacts/1-first-page-v2.json @ 30bbef6d, a v1 body despite the "
                    "name: integer ids, ScoreValue; first saved as "
                    "read-contacts-1-first-page-v1.json); next/previous point at this "
                    "request (the capture's carried a since= filter)"
                ),
            ),
        ],
    )


def v1_contact_errors_captured() -> Cassette:
    return evidence_cassette(
        "v1_contact_errors_captured",
        "The captured v1 {message} texts: no email or phone (400), unknown contact (404).",
        [
            api_key_call(
                "POST",
                f"{V1}/contacts",
                400,
                {"message": "Contact must contain an e-mail address or phone number"},
                request_body={"given_name": "Ada"},
                content_type=JSON_UTF8,
                reason="Bad Request",
                source=[AMP_MISSING_FIELDS, PHP_140],
                note="body captured (amp-labs/connectors write-contacts-missing-fields.json)",
            ),
            api_key_call(
                "DELETE",
                f"{V1}/contacts/987654321",
                404,
                {"message": "Unable to find this Contact"},
                content_type=JSON_UTF8,
                reason="Not Found",
                source=AMP_DELETE_MISSING,
                note="body captured (amp-labs/connectors delete-missing-contact.json)",
            ),
        ],
    )


def _v2_custom_field_setup(ident: str, label: str, kind: str) -> Exchange:
    return api_key_call(
        "POST",
        f"{V2}/contacts/model/customFields",
        201,
        {"id": ident, "label": label, "field_type": kind},
        request_body={"label": label, "field_type": kind},
        reason="Created",
        source=V2SDK,
        note="set-up step: a custom field of the captured model",
        shape="subset",
    )


def _captured_v2_model_field(ident: str, label: str, kind: str) -> dict[str, Any]:
    """A custom field of custom-fields/contacts-v2.json: everything unset is null."""
    return {
        "id": ident,
        "label": label,
        "options": None,
        "record_type": None,
        "field_type": kind,
        "default_value": None,
        "group_id": None,
        "field_name": None,
    }


def v2_contact_model_captured() -> Cassette:
    return evidence_cassette(
        "v2_contact_model_captured",
        "The v2 contact model: null default_value and group_id, 31 optional properties.",
        [
            *(_v2_custom_field_setup(*field) for field in V2_MODEL_FIELDS),
            api_key_call(
                "GET",
                f"{V2}/contacts/model",
                200,
                {
                    "custom_fields": [
                        _captured_v2_model_field(*field) for field in V2_MODEL_FIELDS
                    ],
                    "optional_properties": V2_CONTACT_OPTIONAL,
                },
                reason="OK",
                source=AMP_V2_MODEL,
                note=(
                    "body captured (amp-labs/connectors custom-fields/contacts-v2.json); "
                    "keapsim sends options, record_type and field_name where the capture "
                    "has null (a nullability warning, not drift)"
                ),
            ),
        ],
    )

"""Evidence cassettes: Keap exchanges *reconstructed* from public documentation.

No public recording of Keap's REST API exists. These cassettes rebuild, exchange by
exchange, what public sources show the real API answering (gateway 401 bodies, the 2025
throttling body with quota headers, token endpoint errors, v1 ``{"message"}`` bodies, the
tag-apply status map...). Every cassette says ``reconstructed: true`` and lists its sources;
every exchange says where it comes from. They are never presented as recordings.

Where a source shows only part of an exchange (e.g. a status without a body), the exchange
carries ``compare: status`` or ``shape: subset`` so the verifier checks only what is known.

``python -m contracts.evidence`` rewrites ``contracts/cassettes/evidence/``; a test checks
the shipped files match this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts import EVIDENCE_DIR
from contracts.cassette import Cassette, Exchange

API = "https://api.infusionsoft.com"
V1 = f"{API}/crm/rest/v1"
V2 = f"{API}/crm/rest/v2"

# ---------------------------------------------------------------------------- sources
W6W = "https://github.com/w6w-io/w6w-apps/blob/6fdd2ad9/apps/keap/README.md"
PMPRO = (
    "https://github.com/MaximilianoRicoTabo/pmpro-keap/blob/HEAD/classes/"
    "class-pmpro-keap-api-wrapper.php"
)
APIGEE_POST = "https://community.keap.com/t/apigee-migration-update/74173"
THROTTLE_2025 = (
    "https://integration.keap.com/t/stated-receiving-api-error-an-http-error-occurred-"
    "too-many-requests/93964"
)
THROTTLE_2025_B = "https://community.keap.com/t/api-error-quota-exceeded-request-throttled/89944"
PASTEBIN_HEADERS = "https://pastebin.com/Y9EnSpbW"
HEADER_RENAME = "https://integration.keap.com/t/updates-to-returned-throttle-quota-headers/88994"
OAUTH_DOC = "https://developer.infusionsoft.com/getting-started-oauth-keys"
TOKEN_LIFETIME = "https://integration.keap.com/t/how-to-get-access-token/86529"
INVALID_GRANT = "https://github.com/infusionsoft/infusionsoft-php/issues/228"
REFRESH_TWICE = "https://github.com/infusionsoft/infusionsoft-php/issues/16"
INVALID_REQUEST = "https://integration.keap.com/t/invalid-refresh-token/82597"
PHP_190 = "https://github.com/infusionsoft/infusionsoft-php/issues/190"
PHP_191 = "https://github.com/infusionsoft/infusionsoft-php/issues/191"
PHP_140 = "https://github.com/infusionsoft/infusionsoft-php/issues/140"
V1SPEC = (
    "https://github.com/toddstoker/keap-sdk/blob/a2ea17427103135ac8c5d7287615d8ee0a8490bb/"
    "api-docs/2025-11-05-v1.json"
)
V2SDK = (
    "https://github.com/infusionsoft/keap-sdk/blob/d5b3dec249360ab81d7aeafb772f9341697b935b/"
    "sdks/v2/swagger.yml"
)
TAG_MAP_CLIENT = "public client lib/keap-contact.js (code comment, cited in keap-facts.md §3.2)"
DUP_OPTION_CURL = (
    "https://integration.keap.com/t/rest-v1-create-or-update-end-point-billing-region-is-"
    "invalid-bug/93909?page=2"
)
#: Real Keap bodies kept as test fixtures by amp-labs/connectors (captured 2024-11 to 2024-12
#: from a Keap account; keap-facts.md §9), read at this commit.
AMP_COMMIT = "30bbef6d8fc52b2cbd45c8394b626130212ff94e"
AMP = f"https://github.com/amp-labs/connectors/blob/{AMP_COMMIT}/providers/keap/test"
AMP_WRITE = f"{AMP}/write-contacts.json"
AMP_LIST = f"{AMP}/read/contacts/1-first-page-v2.json"
AMP_MISSING_FIELDS = f"{AMP}/write-contacts-missing-fields.json"
AMP_DELETE_MISSING = f"{AMP}/delete-missing-contact.json"
AMP_V2_MODEL = f"{AMP}/custom-fields/contacts-v2.json"
AMP_V1_OPP_MODEL = f"{AMP}/custom-fields/opportunities-v1.json"
AMP_V1_OPPORTUNITIES = f"{AMP}/read/opportunities/v1.json"
#: Printed responses in the keap-python 1.3.0 README (PyPI project keap-python).
KEAP_PYTHON = "https://pypi.org/project/keap-python/1.3.0/ (README: printed REST v1 responses)"

JSON_CT = "application/json"
#: v1 list envelope (ContactList): next/previous are absolute URLs (keap-facts.md §1.2).
V1_EMPTY_LIST = {
    "contacts": [],
    "count": 0,
    "next": f"{V1}/contacts/?limit=1&offset=1",
    "previous": f"{V1}/contacts/?limit=1&offset=0",
}
JSON_UTF8 = "application/json;charset=UTF-8"

# ---------------------------------------------------------------------------- headers
#: Header set seen on a real PAT/SAK call, 2024-08-14 (pastebin), tenant host scrubbed.
QUOTA_HEADERS_OK: dict[str, str] = {
    "x-keap-product-spike-limit": "10ps",
    "x-keap-product-throttle-limit": "240",
    "x-keap-product-throttle-time-unit": "minute",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": "239",
    "x-keap-product-throttle-used": "1",
    "x-keap-product-quota-limit": "150000",
    "x-keap-product-quota-time-unit": "day",
    "x-keap-product-quota-interval": "1",
    "x-keap-product-quota-available": "149862",
    "x-keap-product-quota-used": "138",
    "x-keap-product-quota-expiry-time": "1723680000000",
    "x-keap-tenant-id": "tenant0001.keap.invalid",
    "x-keap-tenant-throttle-limit": "5000",
    "x-keap-tenant-throttle-time-unit": "minute",
    "x-keap-tenant-throttle-interval": "1",
    "x-keap-tenant-throttle-available": "4999",
    "x-keap-tenant-throttle-used": "1",
}
#: The 2025 forum post's set on a 429: quota limit 30000, expiry 1771459200000.
QUOTA_HEADERS_429: dict[str, str] = {
    **QUOTA_HEADERS_OK,
    "x-keap-product-quota-limit": "30000",
    "x-keap-product-quota-available": "0",
    "x-keap-product-quota-used": "30000",
    "x-keap-product-quota-expiry-time": "1771459200000",
}
#: w6w (2026-08-11): the header families are present but blank on unauthenticated 401s.
QUOTA_HEADERS_BLANK: dict[str, str] = {k: "" for k in QUOTA_HEADERS_OK}

API_KEY_AUTH = {"X-Keap-API-Key": "SCRUBBED-API-KEY"}
FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}

# ---------------------------------------------------------------------------- bodies
MISSING_TOKEN = {
    "fault": {
        "faultstring": "Invalid access token",
        "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
    }
}
INVALID_TOKEN = {
    "fault": {
        "faultstring": "Invalid Access Token",
        "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
    }
}
EXPIRED_TOKEN = {
    "fault": {
        "faultstring": "Access Token expired",
        "detail": {"errorcode": "keymanagement.service.access_token_expired"},
    }
}
THROTTLED = {
    "code": "429",
    "message": "Quota Exceeded",
    "status": "Request Throttled",
    "details": None,
}
INVALID_GRANT_BODY = {"error": "invalid_grant", "error_description": "Invalid refresh token"}
ADA_EMAILS = [{"email": "ada@example.com", "field": "EMAIL1"}]
TOKEN_RESPONSE = {
    "access_token": "SCRUBBED-ACCESS-TOKEN-2",
    "token_type": "bearer",
    "expires_in": 86400,
    "refresh_token": "SCRUBBED-REFRESH-TOKEN-2",
    "scope": "full|tenant0001.keap.invalid",
}


def _ex(
    method: str,
    uri: str,
    status: int,
    body: Any,
    *,
    request_headers: dict[str, str] | None = None,
    request_body: str | dict | None = None,
    content_type: str = JSON_CT,
    response_headers: dict[str, str] | None = None,
    reason: str = "",
    source: str | list[str],
    note: str,
    **notes: Any,
) -> Exchange:
    req_headers = {k: [v] for k, v in (request_headers or {}).items()}
    if isinstance(request_body, dict):
        request_body = json.dumps(request_body, separators=(",", ":"))
        req_headers.setdefault("Content-Type", [JSON_CT])
    resp_headers = {"content-type": [content_type]} if body is not None else {}
    resp_headers.update({k: [v] for k, v in (response_headers or {}).items()})
    text = (
        body
        if isinstance(body, str)
        else ("" if body is None else json.dumps(body, separators=(",", ":")))
    )
    return Exchange(
        method=method,
        uri=uri,
        request_headers=req_headers,
        request_body=request_body or "",
        status=status,
        reason=reason,
        response_headers=resp_headers,
        response_body=text,
        notes={"source": source, "note": note, **notes},
    )


def _gateway_401(uri: str, body: dict[str, Any], **kw: Any) -> Exchange:
    """A GET refused by the gateway: 401 with the quota header families present but blank."""
    return _ex(
        "GET",
        uri,
        401,
        body,
        response_headers=QUOTA_HEADERS_BLANK,
        reason="Unauthorized",
        **kw,
    )


def _api_key_ex(
    method: str, uri: str, status: int, body: Any, *, request_body: Any = None, **kw: Any
) -> Exchange:
    """A call made with the API key (sending JSON when it has a body), answered with the
    everyday quota headers."""
    headers = API_KEY_AUTH if request_body is None else {**API_KEY_AUTH, "Content-Type": JSON_CT}
    return _ex(
        method,
        uri,
        status,
        body,
        request_headers=headers,
        request_body=request_body,
        response_headers=QUOTA_HEADERS_OK,
        **kw,
    )


def _refresh_ex(refresh_token: str, status: int, body: dict[str, Any], **kw: Any) -> Exchange:
    """POST /token refreshing ``refresh_token``, form-encoded, with Basic client credentials."""
    return _ex(
        "POST",
        f"{API}/token",
        status,
        body,
        request_headers={**FORM_CT, "Authorization": "Basic SCRUBBED-CLIENT-CREDENTIALS"},
        request_body=f"grant_type=refresh_token&refresh_token={refresh_token}",
        **kw,
    )


def _cassette(name: str, description: str, exchanges: list[Exchange]) -> Cassette:
    sources: list[str] = []
    for ex in exchanges:
        src = ex.notes["source"]
        for s in [src] if isinstance(src, str) else src:
            if s not in sources:
                sources.append(s)
    return Cassette(
        name=f"evidence/{name}",
        exchanges=exchanges,
        metadata={
            "scenario": f"evidence/{name}",
            "reconstructed": True,
            "recorded": False,
            "description": description,
            "warning": (
                "Reconstructed from public documentation and quoted exchanges; "
                "this is NOT a recording of the real Keap API."
            ),
            "sources": sources,
        },
    )


# ---------------------------------------------------------------------------- captured bodies
JOHN = [{"email": "john.doe@gmail.com", "field": "EMAIL1"}]
#: write-contacts.json: the answer to a v1 contact write sending only an email address.
CAPTURED_V1_CONTACT: dict[str, Any] = {
    "tag_ids": [],
    "id": 30,
    "company": None,
    "email_opted_in": False,
    "email_status": "NonMarketable",
    "date_created": "2024-11-12T21:45:54.000+0000",
    "last_updated": "2024-11-12T21:46:01.341+0000",
    "ScoreValue": "0",
    "last_updated_utc_millis": 1731447961341,
    "email_addresses": JOHN,
    "addresses": [],
    "phone_numbers": [],
    "given_name": "",
    "family_name": "",
    "middle_name": None,
    "owner_id": None,
}
#: The captured contact model's custom fields (v2), as labels and types.
V2_MODEL_FIELDS = (
    ("6", "jobtitle", "TEXT"),
    ("8", "jobdescription", "TEXT"),
    ("12", "experience", "TEXT"),
    ("14", "age", "WHOLE_NUMBER"),
)
V2_CONTACT_OPTIONAL = (
    "update_time create_time score_value tag_ids links addresses anniversary_date birth_date "
    "company contact_type custom_fields email_addresses fax_numbers job_title leadsource_id "
    "middle_name notes origin owner_id phone_numbers preferred_locale preferred_name prefix "
    "referral_code social_accounts source_type spouse_name suffix time_zone website "
    "utm_parameters"
).split()


def _listed_contact(ident: int, given: str, family: str, email: str, **kw: Any) -> dict[str, Any]:
    """An item of the captured v1 list (read/contacts/1-first-page-v2.json)."""
    return {
        **CAPTURED_V1_CONTACT,
        "id": ident,
        "email_addresses": [{"email": email, "field": "EMAIL1"}],
        "given_name": given,
        "family_name": family,
        **kw,
    }


def _v1_custom_field(label: str, field_type: str) -> Exchange:
    return _api_key_ex(
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


def _captured_cassettes() -> list[Cassette]:
    """The bodies a real account sent (amp-labs/connectors fixtures, keap-python README)."""
    list_body = {
        "contacts": [
            _listed_contact(
                22,
                "Erica",
                "Lewis",
                "erica.lewis@gmail.com",
                custom_fields=[
                    {"id": 12, "content": "8 years in 3 companies"},
                    {"id": 6, "content": "Product Owner"},
                    {"id": 8, "content": "AI application in commerce"},
                    {"id": 14, "content": 32},
                ],
            ),
            _listed_contact(
                20,
                "John",
                "Doe",
                "john.doe@gmail.com",
                ScoreValue=None,
                custom_fields=[{"id": i, "content": None} for i in (12, 6, 8, 14)],
            ),
        ],
        "count": 2,
        "next": f"{V1}/contacts/?limit=2&offset=2&order=id",
        "previous": f"{V1}/contacts/?limit=2&offset=0&order=id",
    }
    erica = {
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
    return [
        _cassette(
            "v1_contact_captured",
            "A v1 contact written with only an email answers Keap's default properties, "
            "nulls and empty names included, v1 dates with +0000, NonMarketable.",
            [
                _api_key_ex(
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
                _api_key_ex(
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
        ),
        _cassette(
            "v1_contact_list_captured",
            "v1 list items carry tag_ids and the same null keys; custom_fields on request.",
            [
                *(
                    _v1_custom_field(label, "WholeNumber" if kind == "WHOLE_NUMBER" else "Text")
                    for _, label, kind in V2_MODEL_FIELDS
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    201,
                    {"id": 22, "given_name": "Erica"},
                    request_body=erica,
                    reason="Created",
                    source=V1SPEC,
                    note="set-up step: the first listed contact, with its custom field values",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    201,
                    {"id": 20, "given_name": "John"},
                    request_body={
                        "given_name": "John",
                        "family_name": "Doe",
                        "email_addresses": JOHN,
                    },
                    reason="Created",
                    source=V1SPEC,
                    note="set-up step: the second listed contact, without custom field values",
                    shape="subset",
                ),
                _api_key_ex(
                    "GET",
                    f"{V1}/contacts?limit=2&order=id&optional_properties=custom_fields",
                    200,
                    list_body,
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
        ),
        _cassette(
            "v1_contact_errors_captured",
            "The captured v1 {message} texts: no email or phone (400), unknown contact (404).",
            [
                _api_key_ex(
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
                _api_key_ex(
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
        ),
        _cassette(
            "v1_tags_captured",
            "Printed v1 tag bodies: a category's unset description is null, a tagged contact's "
            "unset name is '', date_applied ends in +0000.",
            [
                _api_key_ex(
                    "POST",
                    f"{V1}/tags/categories",
                    200,
                    {"id": 1, "name": "Customer Tags"},
                    request_body={"name": "Customer Tags"},
                    reason="OK",
                    source=V1SPEC,
                    note="set-up step: a category without a description",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/tags",
                    200,
                    {
                        "id": 1302,
                        "name": "Test Tag Name",
                        "description": "Test adding a tag using the REST TagService",
                        "category": {"id": 1, "name": "Customer Tags", "description": None},
                    },
                    request_body={
                        "name": "Test Tag Name",
                        "description": "Test adding a tag using the REST TagService",
                        "category": {"id": 1},
                    },
                    reason="OK",
                    source=[KEAP_PYTHON, V1SPEC],
                    note="body printed in the keap-python 1.3.0 README (TagService.create)",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    201,
                    {"id": 1269, "given_name": "Johnny"},
                    request_body={
                        "given_name": "Johnny",
                        "email_addresses": [{"email": "johnny@consumer.com", "field": "EMAIL1"}],
                    },
                    reason="Created",
                    source=V1SPEC,
                    note="set-up step: a contact without a family name",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/tags/1302/contacts",
                    200,
                    {"1269": "SUCCESS"},
                    request_body={"ids": [1269]},
                    reason="OK",
                    source=KEAP_PYTHON,
                    note="status map printed in the README (TagService.add_contacts)",
                ),
                _api_key_ex(
                    "GET",
                    f"{V1}/tags/1302/contacts",
                    200,
                    {
                        "contacts": [
                            {
                                "contact": {
                                    "id": 1269,
                                    "email": "johnny@consumer.com",
                                    "first_name": "Johnny",
                                    "last_name": "",
                                },
                                "date_applied": "2022-09-28T17:06:37.000+0000",
                            }
                        ],
                        "count": 1,
                        "next": f"{V1}/tags/1302/contacts?limit=1&offset=1000",
                        "previous": f"{V1}/tags/1302/contacts?limit=1000&offset=0",
                    },
                    reason="OK",
                    source=KEAP_PYTHON,
                    note="body printed in the README (TagService.get_tagged_contacts)",
                ),
            ],
        ),
        _cassette(
            "v1_opportunity_list_captured",
            "A v1 opportunity sends unset properties as null, 0, 0.0 or '' and its stage's "
            "reasons as [].",
            [
                _api_key_ex(
                    "POST",
                    f"{V2}/opportunities/stages",
                    201,
                    {"id": "18", "name": "New Opportunity"},
                    request_body={
                        "name": "New Opportunity",
                        "order": 10,
                        "probability": 0,
                        "target_number_days": 1,
                    },
                    reason="Created",
                    source=V2SDK,
                    note="set-up step: the captured opportunity's stage",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V2}/opportunities/model/customFields",
                    201,
                    {"id": "18", "label": "color", "field_type": "TEXT"},
                    request_body={"label": "color", "field_type": "TEXT"},
                    reason="Created",
                    source=V2SDK,
                    note="set-up step: the captured opportunity's custom field",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    201,
                    {"id": 74, "given_name": "Erica"},
                    request_body={
                        "given_name": "Erica",
                        "family_name": "Lewis",
                        "email_addresses": [{"email": "bob.lewis@gmail.com", "field": "EMAIL1"}],
                    },
                    reason="Created",
                    source=V1SPEC,
                    note="set-up step: the captured opportunity's contact",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/opportunities",
                    200,
                    {"id": 2, "opportunity_title": "First Opportunity"},
                    request_body={
                        "opportunity_title": "First Opportunity",
                        "contact": {"id": 74},
                        "stage": {"id": 18},
                        "user": {"id": 1},
                        "custom_fields": [{"id": 18, "content": "purple"}],
                    },
                    reason="OK",
                    source=V1SPEC,
                    note="set-up step: the captured opportunity (200 per the v1 document)",
                    shape="subset",
                ),
                _api_key_ex(
                    "GET",
                    f"{V1}/opportunities?limit=1&optional_properties=custom_fields",
                    200,
                    {
                        "opportunities": [
                            {
                                "id": 2,
                                "opportunity_title": "First Opportunity",
                                "next_action_date": None,
                                "next_action_notes": "",
                                "opportunity_notes": "",
                                "estimated_close_date": None,
                                "include_in_forecast": 0,
                                "projected_revenue_low": 0.0,
                                "projected_revenue_high": 0.0,
                                "contact": {
                                    "id": 74,
                                    "email": "bob.lewis@gmail.com",
                                    "first_name": "Erica",
                                    "last_name": "Lewis",
                                    "company_name": "",
                                    "job_title": None,
                                    "phone_number": "",
                                },
                                "stage": {
                                    "id": 18,
                                    "name": "New Opportunity",
                                    "details": {
                                        "probability": 0,
                                        "stage_order": 10,
                                        "target_num_days": 1,
                                        "check_list_items": [],
                                    },
                                    "reasons": [],
                                },
                                "user": {"id": 1, "first_name": "Integration", "last_name": "User"},
                                "date_created": "2025-05-28T18:30:05.000+0000",
                                "last_updated": "2025-05-28T18:30:05.000+0000",
                                "affiliate_id": 0,
                                "custom_fields": [{"id": 18, "content": "purple"}],
                            }
                        ],
                        "count": 1,
                        "next": f"{V1}/opportunities/?limit=1&offset=1000",
                        "previous": f"{V1}/opportunities/?limit=1000&offset=0",
                    },
                    reason="OK",
                    source=AMP_V1_OPPORTUNITIES,
                    note=(
                        "body captured (amp-labs/connectors read/opportunities/v1.json, 2025-05); "
                        "the request is reconstructed"
                    ),
                ),
            ],
        ),
        _cassette(
            "v1_opportunity_model_captured",
            "A v1 custom field's metadata carries default_value: null.",
            [
                _api_key_ex(
                    "POST",
                    f"{V2}/opportunities/model/customFields",
                    201,
                    {"id": "18", "label": "color", "field_type": "TEXT"},
                    request_body={"label": "color", "field_type": "TEXT"},
                    reason="Created",
                    source=V2SDK,
                    note="set-up step (v1 cannot create an opportunity custom field)",
                    shape="subset",
                ),
                _api_key_ex(
                    "GET",
                    f"{V1}/opportunities/model",
                    200,
                    {
                        "custom_fields": [
                            {
                                "id": 18,
                                "label": "color",
                                "options": [],
                                "record_type": "OPPORTUNITY",
                                "field_type": "Text",
                                "field_name": "color",
                                "default_value": None,
                            }
                        ],
                        "optional_properties": ["custom_fields"],
                    },
                    reason="OK",
                    source=AMP_V1_OPP_MODEL,
                    note="body captured (amp-labs/connectors custom-fields/opportunities-v1.json)",
                ),
            ],
        ),
        _cassette(
            "v2_contact_model_captured",
            "The v2 contact model: null default_value and group_id, 31 optional properties.",
            [
                *(
                    _api_key_ex(
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
                    for ident, label, kind in V2_MODEL_FIELDS
                ),
                _api_key_ex(
                    "GET",
                    f"{V2}/contacts/model",
                    200,
                    {
                        "custom_fields": [
                            {
                                "id": ident,
                                "label": label,
                                "options": None,
                                "record_type": None,
                                "field_type": kind,
                                "default_value": None,
                                "group_id": None,
                                "field_name": None,
                            }
                            for ident, label, kind in V2_MODEL_FIELDS
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
        ),
    ]


def build_all() -> list[Cassette]:
    cassettes = [
        _cassette(
            "gateway_missing_token",
            "Unauthenticated requests are refused by the gateway before routing.",
            [
                _gateway_401(
                    f"{V1}/contacts?limit=1",
                    MISSING_TOKEN,
                    source=[W6W, PMPRO],
                    note="no Authorization header -> oauth.v2.InvalidAccessToken (w6w measured)",
                ),
                _gateway_401(
                    f"{V1}/no-such-resource",
                    MISSING_TOKEN,
                    source=W6W,
                    note="the gateway authenticates before routing: unknown path -> 401, not 404",
                ),
                _gateway_401(
                    f"{V2}/contacts",
                    MISSING_TOKEN,
                    request_headers={"Authorization": "SCRUBBED-UNKNOWN-TOKEN"},
                    source=W6W,
                    note="Authorization header without the Bearer scheme -> same fault (v2 too)",
                ),
            ],
        ),
        _cassette(
            "gateway_invalid_token",
            "A garbage bearer token is refused by the gateway (v1 and v2 alike).",
            [
                _gateway_401(
                    f"{V1}/contacts?limit=1",
                    INVALID_TOKEN,
                    request_headers={"Authorization": "Bearer SCRUBBED-UNKNOWN-TOKEN"},
                    source=[W6W, PMPRO],
                    note="body quoted in many clients; recorded live by w6w on 2026-08-11",
                ),
                _gateway_401(
                    f"{V2}/contacts",
                    INVALID_TOKEN,
                    request_headers={"Authorization": "Bearer SCRUBBED-UNKNOWN-TOKEN"},
                    source=W6W,
                    note="gateway errors are the same for v1 and v2",
                ),
            ],
        ),
        _cassette(
            "gateway_expired_token",
            "An expired access token (24 h lifetime) is refused by the gateway.",
            [
                _gateway_401(
                    f"{V1}/contacts?limit=1",
                    EXPIRED_TOKEN,
                    request_headers={"Authorization": "Bearer SCRUBBED-EXPIRED-ACCESS-TOKEN"},
                    source=[PMPRO, TOKEN_LIFETIME],
                    note=(
                        "errorcode listed by pmpro-keap; faultstring is Apigee's standard text "
                        "for this errorcode (not quoted from Keap)"
                    ),
                    requires=["expired_token"],
                ),
            ],
        ),
        _cassette(
            "throttled_429",
            "A throttled key gets the 2025 429 body (code is a string) and the quota headers.",
            [
                _ex(
                    "GET",
                    f"{V1}/contacts?limit=1",
                    429,
                    THROTTLED,
                    request_headers=API_KEY_AUTH,
                    response_headers=QUOTA_HEADERS_429,
                    reason="Too Many Requests",
                    source=[THROTTLE_2025, THROTTLE_2025_B, APIGEE_POST],
                    note="body quoted by OAuth and SAK users (2025); header values from the post",
                    requires=["throttled"],
                ),
            ],
        ),
        _cassette(
            "quota_headers",
            "Every response carries the x-keap product quota/throttle and tenant header families.",
            [
                _api_key_ex(
                    "GET",
                    f"{V1}/contacts?limit=1",
                    200,
                    V1_EMPTY_LIST,
                    reason="OK",
                    source=[PASTEBIN_HEADERS, HEADER_RENAME, V1SPEC],
                    note=(
                        "header set from a real PAT/SAK call (2024-08-14); list body shape from "
                        "the v1 ContactList schema (count/next/previous), not observed"
                    ),
                    shape="subset",
                ),
            ],
        ),
        _cassette(
            "token_refresh",
            "Refreshing rotates both tokens; the new access token works, the old refresh fails.",
            [
                _refresh_ex(
                    "SCRUBBED-REFRESH-TOKEN",
                    200,
                    TOKEN_RESPONSE,
                    reason="OK",
                    source=[OAUTH_DOC, TOKEN_LIFETIME],
                    note="form-encoded refresh with Basic client credentials; shape quoted",
                ),
                _ex(
                    "GET",
                    f"{V1}/contacts?limit=1",
                    200,
                    V1_EMPTY_LIST,
                    request_headers={"Authorization": "Bearer SCRUBBED-ACCESS-TOKEN-2"},
                    response_headers=QUOTA_HEADERS_OK,
                    reason="OK",
                    source=[OAUTH_DOC, V1SPEC],
                    note="the new access token is accepted (body shape from the v1 schema)",
                    shape="subset",
                ),
                _refresh_ex(
                    "SCRUBBED-REFRESH-TOKEN",
                    400,
                    INVALID_GRANT_BODY,
                    reason="Bad Request",
                    source=[REFRESH_TWICE, INVALID_GRANT],
                    note=(
                        "a refresh token works once (#16); the invalid_grant body is quoted in "
                        "#228 (a variant 'invalid_request'/'Invalid Refresh Token' is also seen)"
                    ),
                ),
            ],
        ),
        _cassette(
            "token_invalid_grant",
            "The token endpoint refuses an unknown refresh token with 400 invalid_grant.",
            [
                _refresh_ex(
                    "SCRUBBED-UNKNOWN-TOKEN",
                    400,
                    INVALID_GRANT_BODY,
                    reason="Bad Request",
                    source=[INVALID_GRANT, INVALID_REQUEST],
                    note="body quoted verbatim in infusionsoft-php #228",
                ),
            ],
        ),
        _cassette(
            "token_authorization_code",
            "Exchanging an authorization code returns the documented token response.",
            [
                _ex(
                    "POST",
                    f"{API}/token",
                    200,
                    TOKEN_RESPONSE,
                    request_headers=FORM_CT,
                    request_body=(
                        "client_id=SCRUBBED-CLIENT-ID&client_secret=SCRUBBED-CLIENT-SECRET"
                        "&code=SCRUBBED-AUTH-CODE&grant_type=authorization_code"
                        "&redirect_uri=SCRUBBED-REDIRECT-URI"
                    ),
                    reason="OK",
                    source=[OAUTH_DOC, TOKEN_LIFETIME],
                    note="form fields from the OAuth guide; response shape from a public client",
                    requires=["auth_code"],
                ),
            ],
        ),
        _cassette(
            "v1_malformed_json",
            "Malformed JSON on POST /v1/contacts: 400, {message}, application/json;charset=UTF-8.",
            [
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    400,
                    {"message": "Input could not be converted to a valid request"},
                    request_body='{"given_name": "Ada", "email_addresses": [',
                    content_type=JSON_UTF8,
                    reason="Bad Request",
                    source=[PHP_191, PHP_190],
                    note=(
                        "#191: malformed JSON -> 400, application/json;charset=UTF-8, "
                        "61-byte body; #190 quotes this 61-byte message (unconvertible input)"
                    ),
                ),
            ],
        ),
        _cassette(
            "v1_contact_without_email_or_phone",
            "A v1 contact with neither email nor phone is rejected with 400 {message}.",
            [
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    400,
                    {"message": "(text not quoted by the source)"},
                    request_body={"given_name": "Ada", "family_name": "Lovelace"},
                    content_type=JSON_UTF8,
                    reason="Bad Request",
                    source=[PHP_140, V1SPEC],
                    note=(
                        "rejection reported in #140 and required by the v1 spec text; the message "
                        "text was not quoted, so only the {message} envelope is compared"
                    ),
                ),
            ],
        ),
        _cassette(
            "v1_tag_apply_refused_id",
            "Applying an unknown tag id answers 200 with a per-id status map, not an error.",
            [
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts",
                    201,
                    {
                        "id": 1,
                        "given_name": "Ada",
                        "email_addresses": ADA_EMAILS,
                        "date_created": "2025-11-05T10:00:00.000+0000",
                        "last_updated": "2025-11-05T10:00:00.000+0000",
                    },
                    request_body={
                        "given_name": "Ada",
                        "email_addresses": ADA_EMAILS,
                    },
                    reason="Created",
                    source=V1SPEC,
                    note="set-up step; 201 FullContact per the v1 spec (fields shown are a subset)",
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V1}/contacts/1/tags",
                    200,
                    {"1831": "TAG_ID_NOT_FOUND"},
                    request_body={"tagIds": [1831]},
                    reason="OK",
                    source=[TAG_MAP_CLIENT, V1SPEC],
                    note="wire shape is an object tagId -> status, HTTP 200 even for failures",
                ),
            ],
        ),
        _cassette(
            "v1_unknown_contact",
            "GET of a contact id that does not exist answers 404 (body not observed).",
            [
                _api_key_ex(
                    "GET",
                    f"{V1}/contacts/987654321",
                    404,
                    None,
                    reason="Not Found",
                    source=V1SPEC,
                    note="404 is declared by the v1 spec; no real body has been quoted anywhere",
                    compare="status",
                ),
            ],
        ),
        _cassette(
            "v2_contact_duplicate_option",
            "POST /v2/contacts?duplicate_option=Email creates (201) then updates (200).",
            [
                _api_key_ex(
                    "POST",
                    f"{V2}/contacts?duplicate_option=Email",
                    201,
                    {"id": "1", "given_name": "Ada"},
                    request_body={
                        "given_name": "Ada",
                        "email_addresses": ADA_EMAILS,
                    },
                    reason="Created",
                    source=[V2SDK, DUP_OPTION_CURL, AMP_V2_MODEL],
                    note=(
                        "201 'Created - new contact created' (v2 ids are strings); field subset. "
                        "Without fields= v2 answers the properties its model does not call "
                        "optional (id and names; keap-facts.md §9.4)"
                    ),
                    shape="subset",
                ),
                _api_key_ex(
                    "POST",
                    f"{V2}/contacts?duplicate_option=Email",
                    200,
                    {"id": "1", "given_name": "Augusta"},
                    request_body={
                        "given_name": "Augusta",
                        "email_addresses": ADA_EMAILS,
                    },
                    reason="OK",
                    source=[V2SDK, DUP_OPTION_CURL, AMP_V2_MODEL],
                    note="200 'OK - existing contact updated' with the same id",
                    shape="subset",
                ),
            ],
        ),
    ]
    return cassettes + _captured_cassettes()


def write_all(directory: Path = EVIDENCE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for cassette in build_all():
        path = directory / f"{cassette.name.split('/', 1)[1]}.yaml"
        cassette.save(path)
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write_all():
        print(p)

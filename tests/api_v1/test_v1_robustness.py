"""No input makes v1 answer 500, and every answer is JSON (or an empty 204)."""

from __future__ import annotations

import pytest

from keapsim.store import Tenant

from .helpers import V1

ENDPOINTS = [
    ("GET", "/contacts"),
    ("POST", "/contacts"),
    ("PUT", "/contacts"),
    ("GET", "/contacts/{contact}"),
    ("PATCH", "/contacts/{contact}"),
    ("DELETE", "/contacts/{contact}"),
    ("GET", "/contacts/model"),
    ("POST", "/contacts/model/customFields"),
    ("GET", "/contacts/{contact}/tags"),
    ("POST", "/contacts/{contact}/tags"),
    ("DELETE", "/contacts/{contact}/tags"),
    ("DELETE", "/contacts/{contact}/tags/{tag}"),
    ("GET", "/tags"),
    ("POST", "/tags"),
    ("POST", "/tags/categories"),
    ("GET", "/tags/{tag}"),
    ("GET", "/tags/{tag}/contacts"),
    ("POST", "/tags/{tag}/contacts"),
    ("DELETE", "/tags/{tag}/contacts"),
    ("DELETE", "/tags/{tag}/contacts/{contact}"),
    ("GET", "/campaigns"),
    ("GET", "/campaigns/{campaign}"),
    ("POST", "/campaigns/{campaign}/sequences/{sequence}/contacts"),
    ("DELETE", "/campaigns/{campaign}/sequences/{sequence}/contacts"),
    ("POST", "/campaigns/{campaign}/sequences/{sequence}/contacts/{contact}"),
    ("DELETE", "/campaigns/{campaign}/sequences/{sequence}/contacts/{contact}"),
    ("POST", "/campaigns/goals/app/call"),
    ("GET", "/notes"),
    ("POST", "/notes"),
    ("GET", "/notes/{note}"),
    ("PATCH", "/notes/{note}"),
    ("PUT", "/notes/{note}"),
    ("DELETE", "/notes/{note}"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/oauth/connect/userinfo"),
]

BODIES = [
    b"",
    b"null",
    b"[]",
    b"[" * 100_000,
    b'"text"',
    b"{bad",
    b"\xff\xfe",
    b"12",
    b'{"ids": "x", "tagIds": {"a": 1}, "contact_id": 1e400}',
    b'{"ids": [99999999999999999999999], "tagIds": [-1], "contact_id": -5}',
    b'{"email_addresses": [{"email": null, "field": null}], "given_name": [], '
    b'"custom_fields": [{"id": null}], "company": {"id": "x"}, "origin": {}}',
    b'{"title": {}, "body": [], "type": 1, "user_id": "u", "name": null, "label": [],'
    b' "field_type": {}, "options": [1], "email": [], "given_name": 1, "category": {"id": []}}',
    b'{"addresses": [{"field": "BILLING", "region": 5, "country_code": []}], '
    b'"phone_numbers": [{"field": "PHONE1", "number": 5}], "birthday": 3}',
    b'{"ids": [' + b"9" * 5000 + b'], "contact_id": "\xc2\xb2", "tagIds": ["--1"]}',
]

QUERIES = [
    {},
    {"limit": "x", "offset": "-1"},
    {"limit": "99999999999999999999999"},
    {"ids": ",,,"},
    {"ids": "1,x"},
    {"optional_properties": ",,"},
    {"since": "2020-13-45", "until": "2020-01-01"},
    {"since": "2020-01-01T10:00:00"},
    {"update_mask": "nope"},
    {"category": "1.5"},
    {"contact_id": "1e3"},
    {"include_inactive": "2"},
    # str.isdigit() passes these, int() does not: each used to be a 500.
    {"limit": "\u00b2", "ids": "\u00b2", "contact_id": "\u00b2", "category": "\u00b2"},
    {"limit": "--5", "offset": "--1"},
    {"limit": "9" * 5000, "ids": "9" * 5000},
]


@pytest.mark.parametrize("method, template", ENDPOINTS)
def test_garbage_never_causes_a_500(api: V1, tenant: Tenant, method: str, template: str) -> None:
    contact = api.contact()["id"]
    tag = api.tag("T")["id"]
    campaign = tenant.campaigns.create("C", ["S"])
    note = api.post("/notes", 201, json={"contact_id": contact, "title": "n"})["id"]
    ids = {
        "contact": contact,
        "tag": tag,
        "campaign": campaign.id,
        "sequence": campaign.sequences[0].id,
        "note": note,
    }
    paths = [
        template.format(**ids),
        template.format(**{k: "x" for k in ids}),
        template.format(**{k: "9" * 25 for k in ids}),
        template.format(**{k: "\u00b2" for k in ids}),
    ]
    for path in paths:
        for content in BODIES:
            check(
                api.raw(method, path, content=content, headers={"Content-Type": "application/json"})
            )
        for params in QUERIES:
            check(api.raw(method, path, params=params, json={}))


def check(response) -> None:
    assert response.status_code < 500, (
        response.request.method,
        response.request.url,
        response.text,
    )
    if response.status_code != 204:
        assert response.headers["content-type"].startswith("application/json"), response.text
        response.json()

"""Response JSON comes out byte for byte as before the orjson encoder (issue 18): compact, keys
in insertion order, non-ASCII escaped, so recorded cassettes and body comparisons see no change.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from flask.json.provider import _default as flask_default
from support.frozen_time import T0

from keapsim import Simulator
from keapsim.api.v2.shapes import CONTACT_FIELDS_V2
from keapsim.clock import Clock
from keapsim.wire import dumps_compact, json_response, json_text


def stdlib_compact(body: object, default: Any = None) -> bytes:
    """What keapsim sent before: the standard library's compact encoding."""
    return json.dumps(body, separators=(",", ":"), default=default).encode("ascii")


class Name(str):
    """A str subclass (the standard library writes its text)."""


@dataclass
class Point:
    x: int
    y: Decimal


BODIES: list[object] = [
    {"id": 1, "given_name": "Ann", "tag_ids": [], "email_opted_in": False, "owner_id": None},
    {"given_name": "Zoë ☃ 😀", "family_name": "Ünïcode", "note": "tab\tnew\nline \x00 \u2028"},
    {"z": 1, "a": 2, "m": {"y": [1, 2.5, -0.125, 1e16, 123456789.123], "b": True}},
    {"huge": 2**70, "negative": -(2**63), "max": 2**64 - 1},
    {1: "int key", False: "bool key", 2.5: "float key", None: "null key"},
    {"name": Name("subclassed")},
    [("tuple", 1), [], {}],
    'just a string with a quote " and a backslash \\',
    None,
    {"money": Decimal("19.99"), "when": datetime(2026, 3, 10, 9, 0, tzinfo=UTC)},
    {"uuid": uuid.UUID(int=7), "point": Point(1, Decimal("2.50"))},
]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: type(b).__name__)
def test_dumps_compact_matches_the_standard_library(body: object) -> None:
    assert dumps_compact(body, flask_default) == stdlib_compact(body, flask_default)


def test_json_text_is_the_same_text() -> None:
    body = {"given_name": "Zoë", "ids": [1, 2]}
    assert json_text(body) == json.dumps(body, separators=(",", ":"))


def test_dumps_compact_refuses_what_the_standard_library_refuses() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_compact({"value": object()})


def test_json_response_sends_the_compact_bytes() -> None:
    response = json_response({"message": "Zoë"}, 404, {"X-Extra": "1"})
    assert response.get_data() == b'{"message":"Zo\\u00eb"}'
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Extra"] == "1"


# Recorded from keapsim before the orjson encoder (frozen clock at T0).
# Re-recorded in Keap's captured v1 shape (keap-facts.md §9.1: default properties with null
# and "", +0000 times); the encoding checked is the same.
V1_CONTACT = (
    b'{"tag_ids":[],"id":1,"company":null,"email_opted_in":false,"email_status":"NonMarketable",'
    b'"date_created":"2026-03-10T09:00:00.000+0000","last_updated":"2026-03-10T09:00:00.000+0000",'
    b'"ScoreValue":"0","last_updated_utc_millis":1773133200000,"email_addresses":[{"email":'
    b'"z@example.com","field":"EMAIL1"}],"addresses":[],"phone_numbers":[],'
    b'"given_name":"Zo\\u00eb \\u2603 \\ud83d\\ude00","family_name":"","middle_name":null,'
    b'"owner_id":null}\n'
)
V2_CONTACT = (
    b'{"id":"1","given_name":"Zo\\u00eb \\u2603 \\ud83d\\ude00","email_addresses":[{"email":'
    b'"z@example.com","field":"EMAIL1","is_opt_in":false,"email_opt_status":'
    b'"UNENGAGED_NON_MARKETABLE"}],"phone_numbers":[],"fax_numbers":[],"addresses":[],'
    b'"social_accounts":[],"tag_ids":[],"custom_fields":[],"links":[],'
    b'"create_time":"2026-03-10T09:00:00.000Z","update_time":"2026-03-10T09:00:00.000Z"}\n'
)


@pytest.fixture
def client() -> httpx.Client:
    sim = Simulator(clock=Clock(frozen_at=T0), throttle=False, api_key="wire-key")
    return sim.client()


def test_contact_bodies_are_the_recorded_bytes(client: httpx.Client) -> None:
    created = client.post(
        "/v1/contacts",
        json={
            "given_name": "Zoë ☃ 😀",
            "email_addresses": [{"email": "z@example.com", "field": "EMAIL1"}],
        },
    )
    assert created.status_code == 201
    assert created.content == V1_CONTACT
    # Every field: without fields v2 sends id and names only (keap-facts.md §9.4).
    every_field = {"fields": ",".join(CONTACT_FIELDS_V2)}
    assert client.get("/v2/contacts/1", params=every_field).content == V2_CONTACT
    assert client.get("/v1/contacts/99").content == b'{"message":"Unable to find this Contact"}'


def test_every_answer_is_the_standard_librarys_encoding(client: httpx.Client) -> None:
    """Adapters, error handlers, the gateway and the OAuth pages: each JSON body is what
    ``json.dumps`` writes for the same data (Flask's bodies end with a newline)."""
    client.post("/v1/contacts", json={"given_name": "Émile", "tag_ids": []})
    client.post("/v1/tags", json={"name": "Tägged"})
    responses = [
        client.get("/v1/contacts"),
        client.get("/v2/contacts", params={"page_size": 5}),
        client.get("/v1/tags"),
        client.get("/v2/tags"),
        client.get("/v2/contacts/abc"),
        client.post("/v1/contacts", content=b"{not json"),
        client.post("/v2/contacts", content=b"[]"),
        client.get("/v1/no-such-route"),
        client.get("/v1/contacts", headers={"X-Keap-API-Key": "wrong"}),
        client.post(
            "http://keapsim.local/token",
            data={"grant_type": "refresh_token", "refresh_token": "unknown"},
        ),
    ]
    for response in responses:
        assert response.headers["content-type"].startswith("application/json"), response.url
        newline = b"\n" if response.content.endswith(b"\n") else b""
        expected = stdlib_compact(json.loads(response.content)) + newline
        assert response.content == expected, response.url


def test_v1_paging_links_keep_the_other_parameters_first_and_quoted(client: httpx.Client) -> None:
    """The links are built with one quoting of the other parameters (a hot spot of list
    requests); they read as ``urlencode({**others, "limit": ..., "offset": ...})`` did."""
    client.post("/v1/contacts", json={"given_name": "Ann", "family_name": "Lee & Co"})
    body = client.get(
        "/v1/contacts",
        params={"family_name": "Lee & Co", "offset": 2, "limit": 1, "order": "id"},
    ).json()
    base = "http://keapsim.local/crm/rest/v1/contacts/?family_name=Lee+%26+Co&order=id"
    assert body["next"] == f"{base}&limit=1&offset=3"
    assert body["previous"] == f"{base}&limit=1&offset=1"
    plain = client.get("/v1/contacts", params={"limit": 5}).json()
    assert plain["next"] == "http://keapsim.local/crm/rest/v1/contacts/?limit=5&offset=5"

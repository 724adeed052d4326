"""The comparison engine without a simulator: bindings, request rewriting, verification."""

from __future__ import annotations

import json

import httpx

from contracts.cassette import Cassette, Exchange
from contracts.divergences import parse_divergences
from contracts.targets import Credentials, Target
from contracts.verify import Bindings, build_request, verify_cassette

CREDS = Credentials(
    api_key="real-key",
    client_id="cid",
    client_secret="csecret",
    access_token="at-1",
    refresh_token="rt-1",
    redirect_uri="https://app.example/cb",
)


def _target(handler) -> Target:
    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://t.test")
    return Target("mock", "http://t.test", CREDS, client)


def _json_ex(method: str, path: str, status: int, body: object, req: object = None) -> Exchange:
    return Exchange(
        method,
        f"https://api.infusionsoft.com{path}",
        {"X-Keap-API-Key": ["SCRUBBED-API-KEY"], "Content-Type": ["application/json"]},
        json.dumps(req) if req is not None else "",
        status,
        "",
        {"content-type": ["application/json"]},
        json.dumps(body) if body is not None else "",
    )


def test_bindings_learn_ids_and_tokens() -> None:
    b = Bindings()
    b.learn(
        {
            "id": 1,
            "contact": {"id": 5},
            "tags": [{"id": 7}],
            "access_token": "SCRUBBED-ACCESS-TOKEN-2",
        },
        {"id": 11, "contact": {"id": 55}, "tags": [{"id": 77}], "access_token": "fresh"},
    )
    assert b.values == {"1": "11", "5": "55", "7": "77", "SCRUBBED-ACCESS-TOKEN-2": "fresh"}


def test_build_request_rewrites_ids_and_resolves_placeholders() -> None:
    b = Bindings({"1": "11", "7": "77", "SCRUBBED-ACCESS-TOKEN-2": "fresh"})
    t = _target(lambda r: httpx.Response(200))
    ex = Exchange(
        "POST",
        "https://api.infusionsoft.com/crm/rest/v1/contacts/1/tags?ids=1,7&limit=1",
        {
            "Authorization": ["Bearer SCRUBBED-ACCESS-TOKEN-2"],
            "Content-Type": ["application/json"],
            "Content-Length": ["99"],
        },
        '{"tagIds":[7,1831],"limit":1}',
    )
    r = build_request(ex, t, b)
    assert str(r.url) == "http://t.test/crm/rest/v1/contacts/11/tags?ids=11,77&limit=1"
    assert r.headers["authorization"] == "Bearer fresh"
    assert json.loads(r.content) == {"tagIds": [77, 1831], "limit": 1}
    token = Exchange(
        "POST",
        "https://api.infusionsoft.com/token",
        {"Authorization": ["Basic SCRUBBED-CLIENT-CREDENTIALS"]},
        "grant_type=refresh_token&refresh_token=SCRUBBED-REFRESH-TOKEN&redirect_uri=SCRUBBED-REDIRECT-URI",
    )
    r = build_request(token, t, Bindings())
    assert r.headers["authorization"] == "Basic Y2lkOmNzZWNyZXQ="
    assert (
        r.content
        == b"grant_type=refresh_token&refresh_token=rt-1&redirect_uri=https://app.example/cb"
    )


def test_verify_follows_ids_across_exchanges_and_reports_drift() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, request.headers.get("x-keap-api-key")))
        if request.method == "POST":
            return httpx.Response(201, json={"id": 500, "email": "x"})
        return httpx.Response(200, json={"id": 500, "mail": "x"})

    cassette = Cassette(
        "demo",
        [
            _json_ex("POST", "/crm/rest/v1/contacts", 201, {"id": 1, "email": "a"}, {"a": 1}),
            _json_ex("GET", "/crm/rest/v1/contacts/1", 200, {"id": 1, "email": "a"}),
        ],
    )
    result = verify_cassette(cassette, _target(handler))
    assert seen == [
        ("POST", "/crm/rest/v1/contacts", "real-key"),
        ("GET", "/crm/rest/v1/contacts/500", "real-key"),
    ]
    assert result.failing
    lines = {d.line() for d in result.exchanges[1].drifts}
    assert lines == {"missing field $.email (string)", "unexpected field $.mail (string)"}


def test_declared_divergence_does_not_fail_and_is_reported() -> None:
    cassette = Cassette("demo", [_json_ex("GET", "/crm/rest/v1/x", 200, {"a": 1})])
    divs = parse_divergences(
        {"divergences": [{"scenario": "demo", "kind": "status_change", "reason": "intended"}]}
    )
    result = verify_cassette(cassette, _target(lambda r: httpx.Response(202, json={"a": 2})), divs)
    assert not result.failing
    assert result.exchanges[0].drifts[0].declared == "intended"
    assert divs[0].used == 1


def test_unsupported_precondition_skips_and_writes_need_sandbox() -> None:
    ex = _json_ex("GET", "/crm/rest/v1/contacts", 401, {"fault": {}})
    ex.notes = {"requires": ["expired_token"]}
    result = verify_cassette(Cassette("c", [ex]), _target(lambda r: httpx.Response(200)))
    assert result.exchanges[0].skipped == "target cannot provide expired_token"
    assert not result.failing
    write = Cassette("w", [_json_ex("POST", "/crm/rest/v1/contacts", 201, {"id": 1}, {})])
    t = _target(lambda r: httpx.Response(201))
    t.allow_writes = False
    skipped = verify_cassette(write, t)
    assert skipped.skipped and "KEAP_SANDBOX=1" in skipped.skipped

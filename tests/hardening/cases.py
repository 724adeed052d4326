"""The adversarial inputs of issue 15 (items 1-6) as one table, sent both in-process and to a
real ``keapsim serve`` (test_adversarial.py, test_adversarial_serve.py).

Each case is a request and the 4xx it must answer; none may answer 500, and the server must
serve normally afterwards. ``{tenant}`` and ``{api_key}`` in paths and bodies are filled in
with the default tenant's values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

DEEP = 500  # the unauthenticated body
VERY_DEEP = 100_000  # past any recursion limit


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: str | bytes | None = None
    expected: int | tuple[int, ...] = 400
    headers: dict[str, str] = field(default_factory=dict)
    credential: bool = True
    json_type: bool = True

    def send(self, client: httpx.Client, tenant: str, api_key: str) -> httpx.Response:
        headers = dict(self.headers)
        if self.credential and self.path.startswith("/crm/rest/"):
            headers.setdefault("X-Keap-API-Key", api_key)
        if self.body is not None and self.json_type:
            headers.setdefault("Content-Type", "application/json")
        body = self.body
        if isinstance(body, str):
            body = body.replace("{tenant}", tenant).replace("{api_key}", api_key).encode()
        path = self.path.replace("{tenant}", tenant)
        return client.request(self.method, path, content=body, headers=headers)

    @property
    def statuses(self) -> tuple[int, ...]:
        return self.expected if isinstance(self.expected, tuple) else (self.expected,)


SURROGATE_CONTACT = (
    '{"given_name":"\\ud800","email_addresses":[{"email":"s@example.invalid","field":"EMAIL1"}]}'
)
SURROGATE_CONTACT_V2 = (
    '{"given_name":"\\udfff","email_addresses":[{"email":"t@example.invalid","field":"EMAIL1"}]}'
)

# Every admin write that takes a body, for the deep-nesting row of item 5.
ADMIN_WRITES = [
    ("POST", "/_keapsim/clock/advance"),
    ("POST", "/_keapsim/clock/freeze"),
    ("POST", "/_keapsim/faults"),
    ("POST", "/_keapsim/scenarios"),
    ("PUT", "/_keapsim/state"),
    ("POST", "/_keapsim/tenants"),
    ("PATCH", "/_keapsim/tenants/{tenant}/settings"),
    ("POST", "/_keapsim/tenants/{tenant}/apps"),
    ("POST", "/_keapsim/tenants/{tenant}/tokens"),
]


def _fault(**fields: object) -> str:
    # json.dumps writes NaN and Infinity as the bare words that Python's parser accepts.
    return json.dumps({"path": "/crm/rest/v1/hello", **fields})


CASES: list[Case] = [
    # 1. unpaired surrogates are refused at the door
    Case("v1 contact with a lone surrogate", "POST", "/crm/rest/v1/contacts", SURROGATE_CONTACT),
    Case("v2 contact with a lone surrogate", "POST", "/crm/rest/v2/contacts", SURROGATE_CONTACT_V2),
    Case("v1 tag with a surrogate key", "POST", "/crm/rest/v1/tags", '{"\\udc00name":"x"}'),
    # 2. no unauthenticated 500; deep nesting anywhere
    Case(
        "anonymous deeply nested body with a password",
        "POST",
        "/crm/rest/v1/contacts",
        '{"password":1,"a":' + nested(DEEP) + "}",
        401,
        credential=False,
    ),
    Case(
        "anonymous body nested past the recursion limit",
        "POST",
        "/crm/rest/v1/contacts",
        '{"password":"x","a":' + nested(VERY_DEEP) + "}",
        401,
        credential=False,
    ),
    Case(
        "v1 body nested past the recursion limit",
        "POST",
        "/crm/rest/v1/contacts",
        nested(VERY_DEEP),
    ),
    Case(
        "v2 body nested past the recursion limit",
        "POST",
        "/crm/rest/v2/contacts",
        nested(VERY_DEEP),
    ),
    Case("anonymous token request, deep body", "POST", "/token", nested(VERY_DEEP), (400, 401)),
    # 4. the admin API and a hostile web page
    Case(
        "admin write with a text/plain body",
        "POST",
        "/_keapsim/clock/advance",
        '{"seconds":1}',
        415,
        headers={"Content-Type": "text/plain"},
    ),
    Case(
        "admin write as a form",
        "POST",
        "/_keapsim/tenants/{tenant}/reset",
        "a=b",
        415,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Case(
        "admin write from another origin",
        "POST",
        "/_keapsim/clock/advance",
        '{"seconds":1}',
        403,
        headers={"Origin": "http://evil.invalid"},
    ),
    Case(
        "admin write from a sandboxed page (Origin null)",
        "POST",
        "/_keapsim/tenants/{tenant}/reset",
        None,
        403,
        headers={"Origin": "null"},
    ),
    Case(
        "admin write marked cross-site",
        "DELETE",
        "/_keapsim/faults",
        None,
        403,
        headers={"Sec-Fetch-Site": "cross-site"},
    ),
    # 5. admin inputs
    *[
        Case(
            f"{method} {path} nested past the recursion limit",
            method,
            path,
            '{"a":' + nested(VERY_DEEP) + "}",
        )
        for method, path in ADMIN_WRITES
    ],
    *[
        Case(f"{method} {path} nested 200 levels", method, path, '{"a":' + nested(200) + "}")
        for method, path in ADMIN_WRITES
    ],
    # A surrogate written as raw UTF-8 bytes (ED A0 80): json.loads decodes it without an escape.
    Case(
        "admin tenant named with a raw surrogate",
        "POST",
        "/_keapsim/tenants",
        b'{"name":"a\xed\xa0\x80"}',
    ),
    Case(
        "admin fault rule answering a raw surrogate",
        "POST",
        "/_keapsim/faults",
        b'{"path":"/crm/rest/v1/contacts","status":500,"body":{"m":"\xed\xa0\x80"}}',
    ),
    Case(
        "state with a 5,000-digit integer",
        "PUT",
        "/_keapsim/state",
        '{"format":' + "9" * 5000 + "}",
    ),
    Case(
        "settings with access_token_ttl 10^400",
        "PATCH",
        "/_keapsim/tenants/{tenant}/settings",
        '{"access_token_ttl":1' + "0" * 400 + "}",
    ),
    Case(
        "new tenant with refresh_token_ttl 10^400",
        "POST",
        "/_keapsim/tenants",
        '{"refresh_token_ttl":1' + "0" * 400 + "}",
    ),
    Case("clock advance NaN", "POST", "/_keapsim/clock/advance", '{"seconds":NaN}'),
    Case(
        "scenario clock.advance 1e20",
        "POST",
        "/_keapsim/scenarios",
        '{"name":"far","clock":{"advance":1e20}}',
    ),
    Case(
        "scenario clock step 1e20",
        "POST",
        "/_keapsim/scenarios",
        '{"name":"far","clock":{"at_request":[{"request":1,"advance":1e20}]}}',
    ),
    Case(
        "scenario clock.advance Infinity",
        "POST",
        "/_keapsim/scenarios",
        '{"name":"inf","clock":{"advance":Infinity}}',
    ),
    Case("tenant id with a slash", "POST", "/_keapsim/tenants", '{"tenant_id":"a/b"}'),
    Case("tenant id with CR/LF", "POST", "/_keapsim/tenants", '{"tenant_id":"a\\r\\nb"}'),
    Case(
        "scenario tenant id with a slash",
        "POST",
        "/_keapsim/scenarios",
        '{"name":"s","tenant":{"id":"x/y"}}',
    ),
    Case(
        "scenario tenant id with CR/LF",
        "POST",
        "/_keapsim/scenarios",
        '{"name":"s","tenant":{"id":"x\\r\\ny"}}',
    ),
    Case(
        "state document with a tenant id with CR/LF",
        "PUT",
        "/_keapsim/state",
        '{"format":"keapsim-state","format_version":1,"scope":"tenant","tenants":[{"id":"a\\r\\nb"}]}',
    ),
    Case(
        "fault latency NaN",
        "POST",
        "/_keapsim/faults",
        _fault(effect="delay", latency=float("nan")),
    ),
    Case(
        "fault latency Infinity",
        "POST",
        "/_keapsim/faults",
        _fault(effect="delay", latency=float("inf")),
    ),
    Case("fault latency 1e300", "POST", "/_keapsim/faults", _fault(effect="delay", latency=1e300)),
    Case(
        "fault latency range to 1e300",
        "POST",
        "/_keapsim/faults",
        _fault(effect="delay", latency=[0, 1e300]),
    ),
    Case(
        "fault header value with CR/LF",
        "POST",
        "/_keapsim/faults",
        _fault(status=418, response_headers={"X-A": "a\r\nSet-Cookie: b"}),
    ),
    Case(
        "fault header name with a space",
        "POST",
        "/_keapsim/faults",
        _fault(status=418, response_headers={"X A": "b"}),
    ),
    Case(
        "fault header name with CR/LF",
        "POST",
        "/_keapsim/faults",
        _fault(status=418, response_headers={"X\r\nA": "b"}),
    ),
    Case(
        "fault header value beyond Latin-1",
        "POST",
        "/_keapsim/faults",
        _fault(status=418, response_headers={"X-A": "\u20ac"}),
    ),
    Case("fault status 100", "POST", "/_keapsim/faults", _fault(status=100)),
    Case(
        "fault body that cannot be encoded",
        "POST",
        "/_keapsim/faults",
        '{"path":"/x","status":418,"response":"\\ud800"}',
    ),
    Case(
        "fault JSON body that cannot be encoded",
        "POST",
        "/_keapsim/faults",
        '{"path":"/x","status":418,"response":{"a":["\\udbff"]}}',
    ),
    # 6. a refused tenant create leaves nothing behind (checked after the table too)
    Case(
        "new tenant with a taken API key",
        "POST",
        "/_keapsim/tenants",
        '{"tenant_id":"left-behind","api_key":"{api_key}"}',
        409,
    ),
]

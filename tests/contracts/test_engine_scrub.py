"""Scrubber, secret registry and the stable pseudonymiser."""

from __future__ import annotations

import base64
import gzip
import json

from vcr.request import Request as VcrRequest

from contracts.scrub import Pseudonymiser, Scrubber, ScrubConfig, SecretRegistry, contains_any

CONFIG = ScrubConfig(
    api_key="KeapAK-supersecretkey",
    client_id="client-abc-123",
    client_secret="s3cr3t-client-secret",
    access_token="at-live-token-value",
    refresh_token="rt-live-refresh-value",
    tenant_hosts=["ab123.infusionsoft.com"],
)


def test_registry_placeholders_are_stable_and_numbered() -> None:
    reg = SecretRegistry()
    assert reg.add("tok-1", "ACCESS-TOKEN") == "SCRUBBED-ACCESS-TOKEN"
    assert reg.add("tok-2", "ACCESS-TOKEN") == "SCRUBBED-ACCESS-TOKEN-2"
    assert reg.add("tok-1", "ACCESS-TOKEN") == "SCRUBBED-ACCESS-TOKEN"
    assert reg.placeholder("garbage") == "SCRUBBED-UNKNOWN-TOKEN"
    assert reg.placeholder("SCRUBBED-ACCESS-TOKEN") == "SCRUBBED-ACCESS-TOKEN"
    assert reg.redact_text("a tok-2 b") == "a SCRUBBED-ACCESS-TOKEN-2 b"


def test_pseudonymiser_is_stable_within_a_cassette_and_seeded() -> None:
    p = Pseudonymiser("scenario-a")
    a = p.replace("email", "Jane.Doe@Corp.com")
    assert a.endswith("@example.com")
    assert p.replace("email", "jane.doe@corp.com") == a  # case-insensitive key
    assert p.replace("given_name", "Jane") == p.replace("given_name", "Jane")
    assert p.replace("given_name", "Jane") != "Jane"
    assert p.replace("phone", "+15551234567") == "+12025550103" or p.replace(
        "phone", "+15551234567"
    ).startswith("+1202555")
    # same seed, same order -> same values (re-recording produces stable diffs)
    q = Pseudonymiser("scenario-a")
    assert q.replace("email", "jane.doe@corp.com") == a
    # a pseudonym is not pseudonymised again
    assert p.replace("email", a) == a


def test_request_secrets_headers_forms_and_query() -> None:
    s = Scrubber(CONFIG)
    basic = base64.b64encode(b"client-abc-123:s3cr3t-client-secret").decode()
    uri, headers, body = s.scrub_request(
        "POST",
        "https://api.infusionsoft.com/token?access_token=at-live-token-value",
        {
            "Authorization": [f"Basic {basic}"],
            "Content-Type": ["application/x-www-form-urlencoded"],
            "Cookie": ["session=abc"],
        },
        "grant_type=refresh_token&refresh_token=rt-live-refresh-value"
        "&client_secret=s3cr3t-client-secret&code=one-time-code",
    )
    assert "access_token=SCRUBBED-ACCESS-TOKEN" in uri
    assert headers["Authorization"] == ["Basic SCRUBBED-CLIENT-CREDENTIALS"]
    assert headers["Cookie"] == ["SCRUBBED-COOKIE"]
    assert "refresh_token=SCRUBBED-REFRESH-TOKEN" in body
    assert "client_secret=SCRUBBED-CLIENT-SECRET" in body
    assert "code=SCRUBBED-AUTH-CODE" in body
    text = uri + json.dumps(headers) + body
    assert not contains_any(text, ["at-live-token-value", "rt-live-refresh-value", "one-time-code"])
    assert not contains_any(text, ["s3cr3t-client-secret", "session=abc"])


def test_bearer_and_api_key_headers() -> None:
    s = Scrubber(CONFIG)
    _, h, _ = s.scrub_request(
        "GET",
        "https://api.infusionsoft.com/crm/rest/v1/contacts",
        {
            "Authorization": ["Bearer at-live-token-value"],
            "X-Keap-API-Key": ["KeapAK-supersecretkey"],
        },
        "",
    )
    assert h["Authorization"] == ["Bearer SCRUBBED-ACCESS-TOKEN"]
    assert h["X-Keap-API-Key"] == ["SCRUBBED-API-KEY"]
    _, h2, _ = s.scrub_request("GET", "/x", {"Authorization": ["Bearer not-a-token"]}, "")
    assert h2["Authorization"] == ["Bearer SCRUBBED-UNKNOWN-TOKEN"]


def test_token_response_tokens_are_learned_and_tenant_scrubbed() -> None:
    s = Scrubber(CONFIG)
    body = json.dumps(
        {
            "access_token": "at-new-one",
            "refresh_token": "rt-new-one",
            "token_type": "bearer",
            "expires_in": 86400,
            "scope": "full|ab123.infusionsoft.com",
        }
    )
    headers, out = s.scrub_response(
        "https://api.infusionsoft.com/token",
        {"Content-Type": ["application/json"], "Set-Cookie": ["x=1"], "Content-Length": ["1"]},
        body,
    )
    doc = json.loads(out)
    assert doc["access_token"] == "SCRUBBED-ACCESS-TOKEN-2"
    assert doc["refresh_token"] == "SCRUBBED-REFRESH-TOKEN-2"
    assert doc["expires_in"] == 86400
    assert "ab123" not in doc["scope"] and doc["scope"].startswith("full|tenant")
    assert headers["Set-Cookie"] == ["SCRUBBED-COOKIE"]
    assert headers["Content-Length"] == [str(len(out.encode()))]
    # the new access token, used later, maps to the same placeholder
    _, h, _ = s.scrub_request(
        "GET", "/crm/rest/v1/contacts", {"Authorization": ["Bearer at-new-one"]}, ""
    )
    assert h["Authorization"] == ["Bearer SCRUBBED-ACCESS-TOKEN-2"]


def test_personal_data_is_pseudonymised_consistently_across_exchanges() -> None:
    s = Scrubber(CONFIG, seed="contacts")
    contact = {
        "given_name": "Grace",
        "family_name": "Hopper",
        "email_addresses": [{"email": "grace@navy.mil", "field": "EMAIL1"}],
        "phone_numbers": [
            {"number": "(555) 867-5309", "field": "PHONE1", "number_e164": "+15558675309"}
        ],
        "addresses": [
            {
                "line1": "1 Main St",
                "locality": "Arlington",
                "postal_code": "22201",
                "region": "Virginia",
                "country_code": "USA",
                "field": "BILLING",
            }
        ],
        "tag_ids": [1, 2],
        "id": 7,
    }
    _, _, req = s.scrub_request(
        "POST", "/crm/rest/v1/contacts", {"Content-Type": ["application/json"]}, json.dumps(contact)
    )
    _, resp = s.scrub_response(
        "/crm/rest/v1/contacts",
        {"Content-Type": ["application/json"]},
        json.dumps(
            {
                **contact,
                "next": "https://api.infusionsoft.com/crm/rest/v1/contacts/?email=grace%40navy.mil",
            }
        ),
    )
    uri, _, _ = s.scrub_request(
        "GET", "https://api.infusionsoft.com/crm/rest/v1/contacts?email=grace@navy.mil", {}, ""
    )
    a, b = json.loads(req), json.loads(resp)
    for doc in (a, b):
        assert doc["given_name"] != "Grace" and doc["family_name"] != "Hopper"
        assert doc["addresses"][0]["region"] == "Virginia"  # not personal, needed for validation
        assert doc["id"] == 7 and doc["tag_ids"] == [1, 2]
    assert a["email_addresses"] == b["email_addresses"]
    assert a["given_name"] == b["given_name"]
    fake_email = a["email_addresses"][0]["email"]
    assert fake_email in uri.replace("%40", "@")
    everything = req + resp + uri
    for original in [
        "Grace",
        "Hopper",
        "grace@navy.mil",
        "867-5309",
        "8675309",
        "1 Main St",
        "Arlington",
    ]:
        assert not contains_any(everything, [original]), original
    assert "grace%40navy.mil" not in resp


def test_v2_error_code_is_not_treated_as_a_secret() -> None:
    s = Scrubber(CONFIG)
    _, out = s.scrub_response(
        "/crm/rest/v2/contacts",
        {"Content-Type": ["application/json"]},
        '{"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null}',
    )
    assert json.loads(out)["code"] == "429"


def test_vcrpy_hooks_scrub_copies_and_decompress() -> None:
    s = Scrubber(CONFIG)
    req = VcrRequest(
        "GET",
        "https://ab123.infusionsoft.com/crm/rest/v1/contacts?email=a.person@corp.com",
        None,
        {"X-Keap-API-Key": "KeapAK-supersecretkey"},
    )
    out = s.before_record_request(req)
    assert req.headers["X-Keap-API-Key"] == "KeapAK-supersecretkey"  # original untouched
    assert out.headers["X-Keap-API-Key"] == "SCRUBBED-API-KEY"
    assert "ab123" not in out.uri and "a.person" not in out.uri
    assert s.before_record_request(req).uri == out.uri  # idempotent: vcrpy calls it twice
    body = gzip.compress(b'{"email_addresses":[{"email":"a.person@corp.com"}]}')
    resp = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Encoding": ["gzip"], "x-keap-tenant-id": ["ab123.infusionsoft.com"]},
        "body": {"string": body},
    }
    scrubbed = s.before_record_response(resp)
    assert "Content-Encoding" not in scrubbed["headers"]
    assert b"a.person" not in scrubbed["body"]["string"]
    assert scrubbed["headers"]["x-keap-tenant-id"][0].endswith(".keap.invalid")
    assert resp["body"]["string"] == body


def test_secrets_and_tenant_hosts_nobody_registered_are_scrubbed_by_their_place() -> None:
    """The registry is one layer; the other is where a value sits (form field, JSON key,
    header, host pattern). A recording whose credentials the scrubber was not told about must
    still come out clean."""
    s = Scrubber(ScrubConfig())
    uri, headers, body = s.scrub_request(
        "POST",
        "https://api.infusionsoft.com/token",
        {"Content-Type": ["application/x-www-form-urlencoded"]},
        "client_id=cid-unregistered&client_secret=cs-unregistered&code=code-unregistered"
        "&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
    )
    resp_headers, resp_body = s.scrub_response(
        "https://api.infusionsoft.com/token",
        {"Content-Type": ["application/json"], "x-keap-tenant-id": ["zz987.infusionsoft.com"]},
        json.dumps(
            {
                "access_token": "at-unregistered",
                "refresh_token": "rt-unregistered",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "full|zz987.infusionsoft.com",
            }
        ),
    )
    _, _, json_body = s.scrub_request(
        "POST",
        "https://api.infusionsoft.com/crm/rest/v1/contacts",
        {"Content-Type": ["application/json"]},
        json.dumps({"access_token": "at-other-unregistered", "given_name": "Zed"}),
    )
    text = uri + body + json.dumps(resp_headers) + resp_body + json_body
    raw = ["cid-unregistered", "cs-unregistered", "code-unregistered", "at-unregistered"]
    raw += ["rt-unregistered", "zz987", "at-other-unregistered", "Zed"]
    assert not contains_any(text, raw), contains_any(text, raw)
    assert "grant_type=authorization_code" in body  # not a secret: kept for the verifier
    assert json.loads(resp_body)["scope"].startswith("full|tenant")
    assert json.loads(resp_body)["token_type"] == "bearer"

"""OAuth2 as Keap runs it: authorize page, code exchange, expiry, rotation (keap-facts.md §2)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from keapsim import Simulator, TenantCredentials
from keapsim.gateway.responses import EXPIRED_TOKEN, INVALID_TOKEN, MISSING_TOKEN
from keapsim.server import SimulatorServer

AUTHORIZE = "/app/oauth/authorize"
INVALID_REFRESH = {"error": "invalid_grant", "error_description": "Invalid refresh token"}
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def basic(creds: TenantCredentials) -> dict[str, str]:
    pair = f"{creds.client_id}:{creds.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def authorize_params(creds: TenantCredentials, **extra: str) -> dict[str, str]:
    return {
        "client_id": creds.client_id,
        "redirect_uri": creds.redirect_uri,
        "response_type": "code",
        "scope": "full",
        "state": "st-42",
        **extra,
    }


def redirect_query(response: httpx.Response, creds: TenantCredentials) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert (
        location._replace(query="").geturl()
        == urlsplit(creds.redirect_uri)._replace(query="").geturl()
    )
    return {k: v[0] for k, v in parse_qs(location.query, keep_blank_values=True).items()}


def approve_in_browser(http: httpx.Client, creds: TenantCredentials) -> dict[str, str]:
    """What a person does: open the page, submit its form with Allow."""
    page = http.get(AUTHORIZE, params=authorize_params(creds))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert creds.host in page.text
    fields = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
    assert fields["client_id"] == creds.client_id and fields["state"] == "st-42"
    return redirect_query(http.post(AUTHORIZE, data={**fields, "decision": "approve"}), creds)


def exchange_code(http: httpx.Client, creds: TenantCredentials, code: str) -> httpx.Response:
    return http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": creds.redirect_uri,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )


def refresh(http: httpx.Client, creds: TenantCredentials, token: str) -> httpx.Response:
    return http.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": token}, headers=basic(creds)
    )


def list_contacts(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get("/crm/rest/v1/contacts", headers={"Authorization": f"Bearer {access_token}"})


def run_whole_flow(
    http: httpx.Client, creds: TenantCredentials, advance: Callable[[float], None]
) -> None:
    granted = approve_in_browser(http, creds)
    assert granted["state"] == "st-42"
    assert granted["scope"] == f"full|{creds.host}"

    issued = exchange_code(http, creds, granted["code"])
    assert issued.status_code == 200, issued.text
    first = issued.json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 86_400
    assert first["scope"] == f"full|{creds.host}"
    assert issued.headers["Cache-Control"] == "no-store"
    assert list_contacts(http, first["access_token"]).status_code == 200

    advance(86_400)
    expired = list_contacts(http, first["access_token"])
    assert expired.status_code == 401
    assert expired.json() == EXPIRED_TOKEN

    rotated = refresh(http, creds, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert list_contacts(http, second["access_token"]).status_code == 200

    reused = refresh(http, creds, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == INVALID_REFRESH
    # The rotated refresh token is unaffected by the failed reuse.
    assert refresh(http, creds, second["refresh_token"]).status_code == 200


def test_whole_flow_in_process(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant()
    with httpx.Client(transport=frozen_sim.transport(), base_url=frozen_sim.base_url) as http:
        run_whole_flow(http, creds, frozen_sim.clock.advance)


@pytest.mark.slow
def test_whole_flow_against_a_running_server(own_server: SimulatorServer) -> None:
    creds = own_server.simulator.create_tenant()
    with httpx.Client(base_url=own_server.url) as http:

        def advance(seconds: float) -> None:
            moved = http.post("/_keapsim/clock/advance", json={"seconds": seconds})
            assert moved.status_code == 200, moved.text

        run_whole_flow(http, creds, advance)


@pytest.fixture
def http(frozen_sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=frozen_sim.transport(), base_url=frozen_sim.base_url)


@pytest.fixture
def creds(frozen_sim: Simulator) -> TenantCredentials:
    assert frozen_sim.default_tenant is not None
    return frozen_sim.default_tenant


def auto_code(http: httpx.Client, creds: TenantCredentials) -> str:
    granted = redirect_query(
        http.get(AUTHORIZE, params=authorize_params(creds, keapsim_auto_approve="1")), creds
    )
    return granted["code"]


# -- authorize ----------------------------------------------------------------------------------
def test_auto_approve_redirects_straight_away(http: httpx.Client, creds: TenantCredentials) -> None:
    granted = redirect_query(
        http.get(AUTHORIZE, params=authorize_params(creds, keapsim_auto_approve="1")), creds
    )
    assert set(granted) == {"code", "scope", "state"}
    assert granted["scope"] == f"full|{creds.host}"


@pytest.mark.parametrize("how", ["form", "auto"])
def test_denial_redirects_with_access_denied(
    http: httpx.Client, creds: TenantCredentials, how: str
) -> None:
    if how == "form":
        response = http.post(AUTHORIZE, data={**authorize_params(creds), "decision": "deny"})
    else:
        response = http.get(AUTHORIZE, params=authorize_params(creds, keapsim_auto_approve="deny"))
    denied = redirect_query(response, creds)
    assert denied == {
        "state": "st-42",
        "error": "access_denied",
        "error_description": "User denied access to resource",
    }
    assert "User+denied+access+to+resource" in response.headers["Location"]


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "nobody"},
        {"redirect_uri": "https://evil.example/steal"},
        {"response_type": "token"},
    ],
)
def test_bad_requests_show_an_error_page_and_never_redirect(
    http: httpx.Client, creds: TenantCredentials, change: dict[str, str]
) -> None:
    params = authorize_params(creds, keapsim_auto_approve="1") | change
    for response in (
        http.get(AUTHORIZE, params=params),
        http.post(AUTHORIZE, data={**params, "decision": "approve"}),
    ):
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("missing", ["client_id", "redirect_uri"])
def test_a_missing_parameter_is_named_on_the_error_page(
    http: httpx.Client, creds: TenantCredentials, missing: str
) -> None:
    params = authorize_params(creds)
    del params[missing]
    response = http.get(AUTHORIZE, params=params)
    assert response.status_code == 400 and "Location" not in response.headers
    assert f"{missing} is missing." in response.text


def test_an_unknown_scope_is_redirected_as_invalid_scope(
    http: httpx.Client, creds: TenantCredentials
) -> None:
    params = authorize_params(creds, keapsim_auto_approve="1", scope="read")
    assert redirect_query(http.get(AUTHORIZE, params=params), creds)["error"] == "invalid_scope"


def test_an_existing_query_on_the_redirect_uri_is_kept(
    frozen_sim: Simulator, http: httpx.Client
) -> None:
    creds = frozen_sim.create_tenant(redirect_uris=["https://app.example/cb?from=keap"])
    response = http.get(AUTHORIZE, params=authorize_params(creds, keapsim_auto_approve="1"))
    query = redirect_query(response, creds)
    assert query["from"] == "keap" and query["code"]


# -- codes --------------------------------------------------------------------------------------
def test_a_code_works_once_and_its_reuse_revokes_the_tokens(
    http: httpx.Client, creds: TenantCredentials
) -> None:
    code = auto_code(http, creds)
    first = exchange_code(http, creds, code)
    assert first.status_code == 200
    again = exchange_code(http, creds, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: a replayed code revokes what it issued.
    revoked = list_contacts(http, first.json()["access_token"])
    assert revoked.status_code == 401 and revoked.json() == INVALID_TOKEN
    assert refresh(http, creds, first.json()["refresh_token"]).json() == INVALID_REFRESH


def test_codes_are_short_lived(
    frozen_sim: Simulator, http: httpx.Client, creds: TenantCredentials
) -> None:
    code = auto_code(http, creds)
    frozen_sim.clock.advance(frozen_sim.tenant().settings.authorization_code_ttl)
    assert exchange_code(http, creds, code).json()["error"] == "invalid_grant"


def test_the_code_exchange_needs_the_same_redirect_uri(
    frozen_sim: Simulator, http: httpx.Client
) -> None:
    creds = frozen_sim.create_tenant(redirect_uris=["https://a.example/cb", "https://b.example/cb"])
    code = auto_code(http, creds)
    response = http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://b.example/cb",
        },
        headers=basic(creds),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_another_apps_code_is_refused(
    frozen_sim: Simulator, http: httpx.Client, creds: TenantCredentials
) -> None:
    other = frozen_sim.create_tenant()
    code = auto_code(http, creds)
    assert exchange_code(http, other, code).json()["error"] == "invalid_grant"


# -- client authentication and errors -----------------------------------------------------------
def test_basic_and_body_client_authentication_both_work(
    http: httpx.Client, creds: TenantCredentials
) -> None:
    by_body = exchange_code(http, creds, auto_code(http, creds))
    assert by_body.status_code == 200
    by_basic = http.post(
        "/token",
        headers=basic(creds),
        data={
            "grant_type": "authorization_code",
            "code": auto_code(http, creds),
            "redirect_uri": creds.redirect_uri,
            "client_id": creds.client_id,
        },
    )
    assert by_basic.status_code == 200


@pytest.mark.parametrize(
    "auth", ["wrong-secret", "no-credentials", "garbled-basic", "mismatched-body-id"]
)
def test_a_bad_client_gets_invalid_client_401(
    http: httpx.Client, creds: TenantCredentials, auth: str
) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token}
    headers: dict[str, str] = {}
    if auth == "wrong-secret":
        data |= {"client_id": creds.client_id, "client_secret": "not-the-secret"}
    elif auth == "garbled-basic":
        headers["Authorization"] = "Basic !!!"
    elif auth == "mismatched-body-id":
        headers |= basic(creds)
        data["client_id"] = "someone-else"
    response = http.post("/token", data=data, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # The refresh token was not spent by the failed attempt.
    assert refresh(http, creds, creds.refresh_token).status_code == 200


def test_grant_type_errors(http: httpx.Client, creds: TenantCredentials) -> None:
    missing = http.post("/token", data={}, headers=basic(creds))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other = http.post("/token", data={"grant_type": "password"}, headers=basic(creds))
    assert other.status_code == 400 and other.json()["error"] == "unsupported_grant_type"
    no_token = http.post("/token", data={"grant_type": "refresh_token"}, headers=basic(creds))
    assert no_token.status_code == 400
    assert no_token.json() == {
        "error": "invalid_request",
        "error_description": "Invalid Refresh Token",
    }


@pytest.mark.parametrize("client_auth", ["basic", "body"])
def test_a_json_body_is_refused_as_such(
    http: httpx.Client, creds: TenantCredentials, client_auth: str
) -> None:
    body = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token}
    headers: dict[str, str] = {}
    if client_auth == "basic":
        headers = basic(creds)
    else:
        body |= {"client_id": creds.client_id, "client_secret": creds.client_secret}
    response = http.post("/token", json=body, headers=headers)
    # Not "invalid_client" or "missing grant_type": the encoding is what is wrong.
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/json" in response.json()["error_description"]
    assert refresh(http, creds, creds.refresh_token).status_code == 200


# -- lifetimes ----------------------------------------------------------------------------------
def test_refresh_tokens_expire_after_45_days(
    frozen_sim: Simulator, http: httpx.Client, creds: TenantCredentials
) -> None:
    frozen_sim.clock.advance(45 * 86_400 - 1)
    still_valid = refresh(http, creds, creds.refresh_token)
    assert still_valid.status_code == 200
    frozen_sim.clock.advance(45 * 86_400)
    expired = refresh(http, creds, still_valid.json()["refresh_token"])
    assert expired.status_code == 400 and expired.json() == INVALID_REFRESH


def test_token_lifetimes_are_per_tenant(frozen_sim: Simulator, http: httpx.Client) -> None:
    creds = frozen_sim.create_tenant(access_token_ttl=60, refresh_token_ttl=120)
    issued = refresh(http, creds, creds.refresh_token).json()
    assert issued["expires_in"] == 60
    frozen_sim.clock.advance(60)
    assert list_contacts(http, issued["access_token"]).json() == EXPIRED_TOKEN
    frozen_sim.clock.advance(60)
    assert refresh(http, creds, issued["refresh_token"]).json() == INVALID_REFRESH


def test_concurrent_refreshes_of_one_token_succeed_once(
    frozen_sim: Simulator, creds: TenantCredentials
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> int:
        with httpx.Client(transport=frozen_sim.transport(), base_url=frozen_sim.base_url) as c:
            return refresh(c, creds, creds.refresh_token).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert sorted(statuses) == [200] + [400] * 7


# -- the gateway's 401s ---------------------------------------------------------------------------
def test_the_gateway_401_bodies(
    frozen_sim: Simulator, http: httpx.Client, creds: TenantCredentials
) -> None:
    def call(headers: dict[str, str], path: str = "/crm/rest/v1/contacts") -> httpx.Response:
        return http.get(path, headers=headers)

    assert call({}).json() == MISSING_TOKEN
    assert call({"Authorization": f"Token {creds.access_token}"}).json() == MISSING_TOKEN
    # Authentication comes before routing: an unknown path is 401, not 404.
    assert call({}, "/crm/rest/v1/no-such-thing").json() == MISSING_TOKEN
    assert call({"Authorization": "Bearer garbage"}).json() == INVALID_TOKEN
    assert call({"X-Keap-API-Key": "garbage"}).json() == INVALID_TOKEN
    frozen_sim.identity.revoke(creds.access_token)
    revoked = call({"Authorization": f"Bearer {creds.access_token}"})
    assert revoked.status_code == 401 and revoked.json() == INVALID_TOKEN


def test_api_keys_work_as_header_and_as_bearer(
    frozen_sim: Simulator, http: httpx.Client, creds: TenantCredentials
) -> None:
    pat = frozen_sim.identity.create_api_key(creds.tenant_id, "PAT")
    for headers in (
        {"X-Keap-API-Key": creds.api_key},
        {"X-Keap-API-Key": pat.key},
        {"Authorization": f"Bearer {pat.key}"},
    ):
        response = http.get("/crm/rest/v1/contacts", headers=headers)
        assert response.status_code == 200
        assert response.headers["x-keap-product-spike-limit"] == "10ps"
        assert response.headers["x-keap-product-throttle-limit"] == "240"

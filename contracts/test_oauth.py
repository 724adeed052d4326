"""OAuth: token exchange, refresh (with rotation), and the gateway's refusals."""

from __future__ import annotations

import pytest

from contracts.session import V1, V2, KeapSession


def _assert_token_response(body: dict) -> None:
    assert set(body) >= {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 86400  # 24 h (keap-facts §2.1)
    assert body["scope"].startswith("full|")


def _fault(response, errorcode: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["fault"]["detail"]["errorcode"] == errorcode


def test_refresh_rotates_tokens(keap: KeapSession) -> None:
    keap.require_oauth()
    keap.require_rotation_allowed()
    old_refresh = keap.credentials.refresh_token
    r = keap.token({"grant_type": "refresh_token", "refresh_token": old_refresh}, basic=True)
    assert r.status_code == 200, r.text
    body = r.json()
    _assert_token_response(body)
    assert body["refresh_token"] != old_refresh
    keap.learn_tokens(r)
    # the new access token works
    ok = keap.get(f"{V1}/contacts", params={"limit": 1}, auth="bearer")
    assert ok.status_code == 200
    # the old refresh token is spent
    again = keap.token({"grant_type": "refresh_token", "refresh_token": old_refresh}, basic=True)
    assert again.status_code == 400
    assert again.json()["error"] in {"invalid_grant", "invalid_request"}


def test_authorization_code_exchange(keap: KeapSession) -> None:
    code = keap.authorization_code()
    c = keap.credentials
    r = keap.token(
        {
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": c.redirect_uri,
        }
    )
    assert r.status_code == 200, r.text
    _assert_token_response(r.json())
    keap.learn_tokens(r)
    assert keap.get(f"{V1}/contacts", params={"limit": 1}, auth="bearer").status_code == 200


@pytest.mark.contract_readonly
def test_unknown_refresh_token_is_invalid_grant(keap: KeapSession) -> None:
    keap.require_oauth()
    r = keap.token(
        {"grant_type": "refresh_token", "refresh_token": "not-a-refresh-token"}, basic=True
    )
    assert r.status_code == 400
    assert r.json()["error"] in {"invalid_grant", "invalid_request"}


@pytest.mark.contract_readonly
def test_invalid_bearer_token(keap: KeapSession) -> None:
    _fault(
        keap.get(f"{V1}/contacts", params={"limit": 1}, auth="Bearer not-a-real-token"),
        "keymanagement.service.invalid_access_token",
    )
    _fault(
        keap.get(f"{V2}/contacts", auth="Bearer not-a-real-token"),
        "keymanagement.service.invalid_access_token",
    )


@pytest.mark.contract_readonly
def test_missing_credentials(keap: KeapSession) -> None:
    _fault(
        keap.get(f"{V1}/contacts", params={"limit": 1}, auth="none"), "oauth.v2.InvalidAccessToken"
    )
    # the gateway authenticates before routing: an unknown path is 401, not 404
    _fault(keap.get(f"{V1}/no-such-resource", auth="none"), "oauth.v2.InvalidAccessToken")


@pytest.mark.contract_readonly
def test_expired_token(keap: KeapSession) -> None:
    token = keap.expired_token()
    _fault(
        keap.get(f"{V1}/contacts", params={"limit": 1}, auth=f"Bearer {token}"),
        "keymanagement.service.access_token_expired",
    )


@pytest.mark.contract_readonly
def test_throttled(keap: KeapSession) -> None:
    keap.throttle()
    r = keap.get(f"{V1}/contacts", params={"limit": 1})
    assert r.status_code == 429
    assert r.json() == {
        "code": "429",
        "message": "Quota Exceeded",
        "status": "Request Throttled",
        "details": None,
    }
    # the quota headers come with the refusal too (keap-facts §6.3)
    for family in ("x-keap-product-quota-", "x-keap-product-throttle-", "x-keap-tenant-"):
        assert any(h.startswith(family) for h in r.headers), f"no {family}* header on the 429"


@pytest.mark.contract_readonly
def test_quota_headers_on_every_response(keap: KeapSession) -> None:
    r = keap.get(f"{V1}/contacts", params={"limit": 1})
    assert r.status_code == 200
    for family in ("x-keap-product-quota-", "x-keap-product-throttle-", "x-keap-tenant-"):
        assert any(h.startswith(family) for h in r.headers), f"no {family}* header"

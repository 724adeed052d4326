"""The Simulator's documented set-ups that the contract suites use in place of its credential
store: an expired token, an authorization code, the tenant of an API key."""

from __future__ import annotations

import httpx

from keapsim import Simulator


def test_an_expired_access_token_is_refused_as_expired(keapsim: Simulator) -> None:
    token = keapsim.expired_access_token()
    response = keapsim.client(auth="none", headers={"Authorization": f"Bearer {token}"}).get(
        "/v1/contacts"
    )
    assert response.status_code == 401
    assert response.json()["fault"]["detail"]["errorcode"] == (
        "keymanagement.service.access_token_expired"
    )


def test_an_authorization_code_exchanges_once_for_a_working_token(keapsim: Simulator) -> None:
    creds = keapsim.default_tenant
    assert creds is not None
    code = keapsim.authorization_code(creds.client_id)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": creds.redirect_uri,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
    }
    with httpx.Client(transport=keapsim.transport(), base_url=keapsim.base_url) as client:
        first = client.post("/token", data=form)
        assert first.status_code == 200
        bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
        assert keapsim.client(auth="none", headers=bearer).get("/v1/contacts").status_code == 200
        # A code works once; reusing it also revokes what it issued.
        assert client.post("/token", data=form).status_code == 400


def test_the_app_of_another_tenant_is_found_by_its_client_id(keapsim: Simulator) -> None:
    other = keapsim.create_tenant()
    assert keapsim.oauth_app(other.client_id).tenant_id == other.tenant_id
    assert keapsim.oauth_app("no-such-client").tenant_id == keapsim.tenant().id


def test_the_tenant_of_an_api_key(keapsim: Simulator) -> None:
    other = keapsim.create_tenant()
    assert keapsim.tenant_of_api_key(other.api_key) is keapsim.tenant(other.tenant_id)
    assert keapsim.tenant_of_api_key("unknown") is keapsim.tenant()
    assert keapsim.tenant_of_api_key(None) is keapsim.tenant()

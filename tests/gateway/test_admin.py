"""The admin API for tenants, credentials, settings and the clock, and its guard."""

from __future__ import annotations

import httpx
import pytest

from keapsim import Simulator
from keapsim.config import Limits, Window
from keapsim.gateway.responses import INVALID_TOKEN


def api(sim: Simulator, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(
        transport=sim.transport(), base_url=f"{sim.base_url}/crm/rest", headers=headers
    )


def test_create_a_tenant_with_settings_and_use_its_credentials(
    frozen_sim: Simulator, admin: httpx.Client
) -> None:
    created = admin.post(
        "/tenants",
        json={
            "tenant_id": "acme",
            "name": "Acme",
            "profile": "guide",
            "api_key": "KeapAK-acme-0001",
            "limits": {"api_key": {"per_minute": 5}},
            "access_token_ttl": 3600,
        },
    )
    assert created.status_code == 201, created.text
    creds = created.json()
    assert creds["tenant_id"] == "acme" and creds["host"] == "acme.infusionsoft.com"
    assert creds["api_key"] == "KeapAK-acme-0001"
    assert {"client_id", "client_secret", "access_token", "refresh_token"} <= set(creds)

    settings = frozen_sim.tenant("acme").settings
    assert settings.profile == "guide" and settings.access_token_ttl == 3600
    # Only the given limit changed; the rest keep Keap's defaults.
    assert settings.limits.api_key.per_minute == 5
    assert settings.limits.api_key.per_second == 10
    assert settings.limits.oauth_app.per_minute == 1500

    with api(frozen_sim, {"X-Keap-API-Key": creds["api_key"]}) as client:
        response = client.get("/v1/contacts")
    assert response.status_code == 200
    assert response.headers["x-keap-tenant-id"] == "acme.infusionsoft.com"
    assert response.headers["x-keap-product-throttle-limit"] == "5"
    with api(frozen_sim, {"Authorization": f"Bearer {creds['access_token']}"}) as client:
        assert client.get("/v1/contacts").status_code == 200


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"profile": "strict"}, "profile"),
        ({"limits": {"api_key": {"per_minute": "lots"}}}, "limits.api_key.per_minute"),
        ({"limits": {"api_key": {"per_minute": -1}}}, "limits.api_key.per_minute"),
        ({"access_token_ttl": 0}, "access_token_ttl"),
        ({"tenant_id": "Not A Host"}, "tenant_id"),
        ({"colour": "blue"}, "colour"),
        ({"redirect_uris": ["not a uri"]}, "redirect_uris"),
        ({"redirect_uris": ["https://app.example/cb#frag"]}, "redirect_uris"),
    ],
)
def test_bad_tenant_bodies_get_clear_400s(admin: httpx.Client, body: dict, fragment: str) -> None:
    response = admin.post("/tenants", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_bad_json_is_a_400(admin: httpx.Client) -> None:
    assert admin.post("/tenants", content=b"{nope").status_code == 400
    assert admin.post("/tenants", json=[1, 2]).status_code == 400


def test_a_taken_tenant_id_is_a_409(admin: httpx.Client) -> None:
    assert admin.post("/tenants", json={"tenant_id": "twin"}).status_code == 201
    assert admin.post("/tenants", json={"tenant_id": "twin"}).status_code == 409


def test_list_get_and_delete(frozen_sim: Simulator, admin: httpx.Client) -> None:
    creds = admin.post("/tenants", json={"tenant_id": "gone-soon"}).json()
    listed = admin.get("/tenants").json()["tenants"]
    assert {t["tenant_id"] for t in listed} == {frozen_sim.default_tenant.tenant_id, "gone-soon"}
    one = admin.get("/tenants/gone-soon").json()
    assert one["apps"][0]["client_id"] == creds["client_id"]
    assert one["api_keys"] == [{"key": creds["api_key"], "kind": "SAK", "revoked": False}]

    assert admin.delete("/tenants/gone-soon").status_code == 204
    assert admin.get("/tenants/gone-soon").status_code == 404
    assert admin.delete("/tenants/gone-soon").status_code == 404
    with api(frozen_sim, {"X-Keap-API-Key": creds["api_key"]}) as client:
        assert client.get("/v1/contacts").json() == INVALID_TOKEN


def test_reset_forgets_data_and_counters_but_keeps_credentials(
    frozen_sim: Simulator, admin: httpx.Client
) -> None:
    creds = admin.post("/tenants", json={"limits": {"api_key": {"per_minute": 2}}}).json()
    with api(frozen_sim, {"X-Keap-API-Key": creds["api_key"]}) as client:
        body = {"email_addresses": [{"email": "r@example.com", "field": "EMAIL1"}]}
        assert client.post("/v1/contacts", json=body).status_code == 201
        assert client.get("/v1/contacts").status_code == 200
        assert client.get("/v1/contacts").status_code == 429
        assert admin.post(f"/tenants/{creds['tenant_id']}/reset").status_code == 204
        after = client.get("/v1/contacts")
    assert after.status_code == 200
    assert after.json()["contacts"] == []
    assert after.headers["x-keap-product-throttle-used"] == "1"


def test_a_tenant_shows_its_usage(frozen_sim: Simulator, admin: httpx.Client) -> None:
    creds = frozen_sim.default_tenant
    with frozen_sim.client() as client:
        for _ in range(3):
            client.get("/v1/contacts")
    with frozen_sim.client(auth="bearer") as client:
        client.get("/v1/contacts")
    usage = admin.get(f"/tenants/{creds.tenant_id}").json()["usage"]
    assert usage == {
        "tenant": {"second": 0, "minute": 4, "day": 4},
        f"SAK:{creds.api_key}": {"second": 3, "minute": 3, "day": 3},
        f"oauth:{creds.client_id}": {"second": 0, "minute": 1, "day": 1},
    }


def test_settings_get_and_patch(frozen_sim: Simulator, admin: httpx.Client) -> None:
    tenant_id = frozen_sim.default_tenant.tenant_id
    path = f"/tenants/{tenant_id}/settings"
    assert admin.get(path).json()["profile"] == "keap"
    patched = admin.patch(
        path,
        json={"profile": "guide", "retry_after": True, "limits": {"tenant": {"per_day": None}}},
    )
    assert patched.status_code == 200
    settings = frozen_sim.tenant(tenant_id).settings
    assert settings.profile == "guide" and settings.retry_after is True
    assert settings.limits.tenant.per_day is None
    assert settings.limits.tenant.per_minute == 10_000
    assert admin.get(path).json() == patched.json()

    refused = admin.patch(path, json={"throttle": "sometimes", "refresh_token_ttl": -5})
    assert refused.status_code == 400
    fields = {d["field"] for d in refused.json()["details"]}
    assert fields == {"throttle", "refresh_token_ttl"}
    assert frozen_sim.tenant(tenant_id).settings == settings  # unchanged
    assert admin.get("/tenants/nobody/settings").status_code == 404


def test_patching_limits_takes_effect_on_the_next_request(
    frozen_sim: Simulator, admin: httpx.Client
) -> None:
    creds = frozen_sim.default_tenant
    with frozen_sim.client() as client:
        assert client.get("/v1/contacts").status_code == 200
        admin.patch(
            f"/tenants/{creds.tenant_id}/settings", json={"limits": {"api_key": {"per_minute": 1}}}
        )
        assert client.get("/v1/contacts").status_code == 429
        admin.patch(f"/tenants/{creds.tenant_id}/settings", json={"throttle": False})
        assert client.get("/v1/contacts").status_code == 200


def test_mint_and_revoke_tokens(frozen_sim: Simulator, admin: httpx.Client) -> None:
    tenant_id = frozen_sim.default_tenant.tenant_id
    minted = admin.post(f"/tenants/{tenant_id}/tokens")
    assert minted.status_code == 201
    pair = minted.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 86_400
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    with api(frozen_sim, bearer) as client:
        assert client.get("/v1/contacts").status_code == 200
        assert admin.delete(f"/tokens/{pair['access_token']}").status_code == 204
        assert client.get("/v1/contacts").json() == INVALID_TOKEN
    assert admin.delete("/tokens/never-issued").status_code == 404

    key = admin.post(f"/tenants/{tenant_id}/tokens", json={"kind": "PAT"}).json()
    assert key["kind"] == "PAT"
    with api(frozen_sim, {"X-Keap-API-Key": key["api_key"]}) as client:
        assert client.get("/v1/contacts").status_code == 200
        assert admin.delete(f"/tokens/{key['api_key']}").status_code == 204
        assert client.get("/v1/contacts").json() == INVALID_TOKEN

    assert admin.post(f"/tenants/{tenant_id}/tokens", json={"kind": "JWT"}).status_code == 400
    assert (
        admin.post(f"/tenants/{tenant_id}/tokens", json={"client_id": "not-an-app"}).status_code
        == 404
    )


def test_a_revoked_refresh_token_cannot_refresh(frozen_sim: Simulator, admin: httpx.Client) -> None:
    creds = frozen_sim.default_tenant
    assert admin.delete(f"/tokens/{creds.refresh_token}").status_code == 204
    with httpx.Client(transport=frozen_sim.transport(), base_url=frozen_sim.base_url) as http:
        response = http.post(
            "/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_the_clock(frozen_sim: Simulator, admin: httpx.Client) -> None:
    before = admin.get("/clock").json()
    assert before["frozen"] is True
    moved = admin.post("/clock/advance", json={"seconds": 90}).json()
    assert moved["epoch"] == pytest.approx(before["epoch"] + 90)
    assert frozen_sim.clock.time() == pytest.approx(before["epoch"] + 90)
    assert admin.post("/clock/advance", json={"seconds": -1}).status_code == 400
    assert admin.post("/clock/advance", json={}).status_code == 400
    assert admin.post("/clock/freeze", json={"at": before["epoch"] - 10}).status_code == 400
    # Past year 9999 Python has no datetime: refused, and the clock keeps working.
    assert admin.post("/clock/advance", json={"seconds": 1e308}).status_code == 400
    assert admin.post("/clock/freeze", json={"at": 1e308}).status_code == 400
    assert admin.get("/clock").json()["epoch"] == pytest.approx(before["epoch"] + 90)
    assert admin.post("/clock/unfreeze").json()["frozen"] is False
    assert admin.post("/clock/freeze").json()["frozen"] is True


# -- the guard ----------------------------------------------------------------------------------
def test_without_an_admin_token_only_loopback_clients_are_served() -> None:
    sim = Simulator()
    remote = httpx.WSGITransport(app=sim.wsgi_app, remote_addr="203.0.113.7")
    with httpx.Client(transport=remote, base_url=sim.base_url) as outsider:
        refused = outsider.get("/_keapsim/tenants")
        assert refused.status_code == 403
        assert outsider.post("/_keapsim/clock/advance", json={"seconds": 5}).status_code == 403
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as local:
        assert local.get("/_keapsim/tenants").status_code == 200


@pytest.mark.parametrize(
    ("address", "served"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:203.0.113.7", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(address: str, served: bool) -> None:
    sim = Simulator()
    transport = httpx.WSGITransport(app=sim.wsgi_app, remote_addr=address)
    with httpx.Client(transport=transport, base_url=sim.base_url) as client:
        assert client.get("/_keapsim/clock").status_code == (200 if served else 403)


def test_with_an_admin_token_everyone_needs_it() -> None:
    sim = Simulator(admin_token="s3cret-admin")
    remote = httpx.WSGITransport(app=sim.wsgi_app, remote_addr="203.0.113.7")
    for transport in (remote, sim.transport()):
        with httpx.Client(transport=transport, base_url=sim.base_url) as client:
            assert client.get("/_keapsim/tenants").status_code == 401
            wrong = {"Authorization": "Bearer nope"}
            assert client.get("/_keapsim/tenants", headers=wrong).status_code == 401
            right = {"Authorization": "Bearer s3cret-admin"}
            assert client.get("/_keapsim/tenants", headers=right).status_code == 200
            lower = {"Authorization": "bearer s3cret-admin"}
            assert client.get("/_keapsim/tenants", headers=lower).status_code == 200
            bare = {"Authorization": "s3cret-admin"}
            assert client.get("/_keapsim/tenants", headers=bare).status_code == 401
            assert client.post("/_keapsim/tenants", json={}, headers=right).status_code == 201


def test_add_an_oauth_app_with_its_own_quota(frozen_sim: Simulator, admin: httpx.Client) -> None:
    creds = frozen_sim.create_tenant(limits=Limits(oauth_app=Window(per_minute=1)))
    added = admin.post(
        f"/tenants/{creds.tenant_id}/apps",
        json={"name": "Second app", "redirect_uris": ["https://two.example/cb"]},
    )
    assert added.status_code == 201, added.text
    app = added.json()
    assert app["tenant_id"] == creds.tenant_id and app["client_id"] != creds.client_id
    listed = admin.get(f"/tenants/{creds.tenant_id}").json()["apps"]
    assert {a["client_id"] for a in listed} == {creds.client_id, app["client_id"]}
    authorize = {
        "client_id": app["client_id"],
        "redirect_uri": "https://two.example/cb",
        "response_type": "code",
        "keapsim_auto_approve": "1",
    }
    with httpx.Client(transport=frozen_sim.transport(), base_url=frozen_sim.base_url) as http:
        granted = http.get("/app/oauth/authorize", params=authorize)
    assert granted.headers["Location"].startswith("https://two.example/cb?code=")

    # The new app's tokens are counted on its own bucket, not the first app's.
    minted = admin.post(f"/tenants/{creds.tenant_id}/tokens", json={"client_id": app["client_id"]})
    assert minted.json()["client_id"] == app["client_id"]
    with api(frozen_sim, {"Authorization": f"Bearer {creds.access_token}"}) as first:
        assert [first.get("/v1/contacts").status_code for _ in range(2)] == [200, 429]
    with api(frozen_sim, {"Authorization": f"Bearer {minted.json()['access_token']}"}) as second:
        assert second.get("/v1/contacts").status_code == 200

    taken = admin.post(f"/tenants/{creds.tenant_id}/apps", json={"client_id": app["client_id"]})
    assert taken.status_code == 409
    bad = admin.post(f"/tenants/{creds.tenant_id}/apps", json={"redirect_uris": ["/relative"]})
    assert bad.status_code == 400 and "redirect_uris" in bad.json()["error"]
    assert admin.post("/tenants/nobody/apps", json={}).status_code == 404

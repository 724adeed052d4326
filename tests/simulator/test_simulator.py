"""The simulator object, the gateway's authentication, serving, and the CLI."""

from __future__ import annotations

import httpx
import pytest
from support.serve_process import serve_process

from keapsim import Simulator
from keapsim.coverage.report import build_report
from keapsim.server import SimulatorServer


def test_every_api_request_needs_a_credential_even_on_unknown_paths(keapsim: Simulator) -> None:
    anonymous = keapsim.client(auth="none")
    for path in ("/v1/contacts", "/v2/contacts", "/v1/no/such/thing"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {
            "fault": {
                "faultstring": "Invalid access token",
                "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
            }
        }


def test_unknown_token_and_key_are_invalid_access_token(keapsim: Simulator) -> None:
    for headers in ({"Authorization": "Bearer nope"}, {"X-Keap-API-Key": "nope"}):
        response = keapsim.client(auth="none", headers=headers).get("/v1/contacts")
        assert response.status_code == 401
        assert response.json()["fault"]["detail"]["errorcode"] == (
            "keymanagement.service.invalid_access_token"
        )


def test_bearer_token_and_api_key_select_the_tenant(keapsim: Simulator) -> None:
    other = keapsim.create_tenant()
    mine = keapsim.client(auth="bearer")
    theirs = keapsim.client(other)
    created = mine.post(
        "/v1/contacts", json={"email_addresses": [{"email": "mine@example.com", "field": "EMAIL1"}]}
    )
    assert created.status_code == 201
    assert mine.get(f"/v1/contacts/{created.json()['id']}").status_code == 200
    assert theirs.get("/v1/contacts").json()["count"] == 0
    assert theirs.get(f"/v1/contacts/{created.json()['id']}").status_code == 404


def test_expired_access_token(keapsim: Simulator) -> None:
    client = keapsim.client(auth="bearer")
    assert client.get("/v1/contacts").status_code == 200
    keapsim.clock.advance(86_400)
    response = client.get("/v1/contacts")
    assert response.status_code == 401
    assert response.json()["fault"]["detail"]["errorcode"] == (
        "keymanagement.service.access_token_expired"
    )


def test_reset_keeps_credentials_and_forgets_data(keapsim: Simulator) -> None:
    client = keapsim.client()
    client.post(
        "/v1/contacts", json={"email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]}
    )
    keapsim.reset()
    assert client.get("/v1/contacts").json()["count"] == 0


def test_openapi_descriptions_list_only_implemented_operations(keapsim: Simulator) -> None:
    client = keapsim.client(auth="none")
    v1 = client.get("/v1/openapi.json").json()
    assert "/v1/contacts/{contactId}" in v1["paths"]
    # No operation keapsim leaves unserved is listed (this used to name /v1/orders, which the
    # commerce work now serves; the unserved ones change as coverage grows).
    unserved = {
        (s.operation.method.lower(), s.operation.operation_id)
        for s in build_report().statuses
        if s.operation.document == "v1" and not s.implemented
    }
    listed = {
        (method, op["operationId"]) for item in v1["paths"].values() for method, op in item.items()
    }
    assert not unserved & listed
    assert set(v1["paths"]["/v1/contacts"]) >= {"get", "post", "put"}
    assert v1["servers"] == [{"url": "http://keapsim.local/crm/rest"}]


@pytest.mark.slow
def test_session_server_serves_over_loopback(
    keapsim_server: SimulatorServer, keapsim_tenant
) -> None:
    with httpx.Client(
        base_url=f"{keapsim_server.url}/crm/rest",
        headers={"X-Keap-API-Key": keapsim_tenant.api_key},
    ) as client:
        assert client.get("/v1/contacts").json()["count"] == 0
        unknown = client.get("/v1/definitely/not/here")
        assert unknown.status_code == 404
        assert "message" in unknown.json()


@pytest.mark.slow
def test_keapsim_serve_prints_credentials_and_answers() -> None:
    options = ("--seed-data", "5", "--faker-seed", "3", "--api-key", "cli-key")
    with serve_process(*options) as info:
        assert info["api_key"] == "cli-key"
        response = httpx.get(
            f"{info['base_url']}/v1/contacts", headers={"X-Keap-API-Key": "cli-key"}, timeout=10
        )
        assert response.status_code == 200
        assert response.json()["count"] == 5


def test_serve_refuses_a_bad_scenario_or_state_file_with_a_clear_message(tmp_path) -> None:
    from click.testing import CliRunner

    from keapsim.cli import main

    runner = CliRunner()
    unknown = runner.invoke(main, ["serve", "--port", "0", "--scenario", "no_such_scenario"])
    assert unknown.exit_code == 1
    assert "no shipped scenario of that name" in unknown.output
    assert "Traceback" not in unknown.output
    corrupt = tmp_path / "state.json"
    corrupt.write_text('{"broken": ')
    refused = runner.invoke(main, ["serve", "--port", "0", "--state-file", str(corrupt)])
    assert refused.exit_code == 1
    assert "is not a keapsim state file" in refused.output
    assert corrupt.read_text() == '{"broken": '  # the file we could not read is left alone

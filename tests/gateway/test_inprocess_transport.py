"""The in-process transport answers exactly what ``httpx.WSGITransport`` answers (issue 18).
A dropped connection through it is ``tests/control/test_faults.py``'s in-process drop test."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from keapsim import Simulator
from keapsim.clock import Clock
from keapsim.gateway.inprocess import InProcessTransport, transport_for


def _clients(sim: Simulator) -> tuple[httpx.Client, httpx.Client]:
    base = f"{sim.base_url}/crm/rest"
    assert sim.default_tenant is not None
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    wsgi = httpx.Client(transport=httpx.WSGITransport(app=sim.wsgi_app), base_url=base)
    fast = httpx.Client(transport=sim.transport(), base_url=base)
    wsgi.headers.update(headers)
    fast.headers.update(headers)
    return wsgi, fast


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.headers.raw == b.headers.raw
    assert a.content == b.content


def test_simulator_clients_use_the_in_process_transport() -> None:
    sim = Simulator(throttle=False)
    assert isinstance(sim.transport(), InProcessTransport)
    assert isinstance(sim.client()._transport, InProcessTransport)


def test_any_other_wsgi_app_gets_httpx_transport() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hi"]

    assert isinstance(transport_for(app), httpx.WSGITransport)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "POST",
            "/v1/contacts",
            {
                "given_name": "Ada",
                "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
            },
        ),
        ("GET", "/v1/contacts/1", None),
        ("GET", "/v1/contacts?email=ada@example.com&limit=5", None),
        ("GET", "/v2/contacts/1?fields=email_addresses", None),
        ("GET", "/v1/contacts/999999", None),  # 404 in v1's shape
        ("POST", "/v1/contacts", None),  # 400: no body
        ("DELETE", "/v1/contacts/1", None),  # 204: no body, no content type
        ("GET", "/v1/nowhere", None),
    ],
)
def test_every_kind_of_answer_matches_wsgi_transport(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    # Two simulators driven alike, one through each transport: same state, same answers.
    answers = []
    for which in (0, 1):
        sim = Simulator(throttle=False, api_key="same-key", clock=Clock(frozen_at=1_780_000_000))
        client = _clients(sim)[which]
        client.post(
            "/v1/contacts",
            json={
                "given_name": "Seed",
                "email_addresses": [{"email": "seed@example.com", "field": "EMAIL1"}],
            },
        )
        answers.append(client.request(method, path, json=body))
    _same(*answers)


def test_unauthenticated_and_admin_answers_match() -> None:
    sim = Simulator(throttle=False)
    wsgi, fast = _clients(sim)
    del wsgi.headers["X-Keap-API-Key"], fast.headers["X-Keap-API-Key"]
    _same(wsgi.get("/v1/contacts"), fast.get("/v1/contacts"))
    rules = f"{sim.base_url}/_keapsim/faults"
    _same(wsgi.get(rules), fast.get(rules))


def test_the_environ_matches_wsgi_transport() -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append({k: v for k, v in environ.items() if not k.startswith(("wsgi.", "werkzeug."))})
        seen[-1]["body"] = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    from keapsim.gateway.pipeline import Gateway

    gateway = Gateway(app, stages=[])
    request = {
        "url": "http://h.invalid:8080/a%20b?x=1&y=%C3%A9",
        "content": b"raw",
        "headers": {"Content-Type": "text/plain", "X-Custom-Thing": "v"},
    }
    with httpx.Client(transport=InProcessTransport(gateway)) as fast:
        fast.post(**request)  # type: ignore[arg-type]
    with httpx.Client(transport=httpx.WSGITransport(app=gateway)) as wsgi:
        wsgi.post(**request)  # type: ignore[arg-type]
    assert seen[0] == seen[1]
    assert seen[0]["REMOTE_ADDR"] == "127.0.0.1"
    assert seen[0]["HTTP_X_CUSTOM_THING"] == "v"


def test_header_names_are_translated_as_wsgi_transport_does_however_many() -> None:
    """The transport remembers each header name's environ variable; names past what it keeps
    start it afresh, and every request still gets WSGITransport's variables."""
    from keapsim.gateway import inprocess

    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append({k: v for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))})
        start_response("204 No Content", [])
        return []

    from keapsim.gateway.pipeline import Gateway

    gateway = Gateway(app, stages=[])
    with (
        httpx.Client(transport=InProcessTransport(gateway)) as fast,
        httpx.Client(transport=httpx.WSGITransport(app=gateway)) as wsgi,
    ):
        for n in range(inprocess.NAMES_KEPT + 20):
            headers = {f"X-Name-{n}": str(n), "content-length": "0", "x-keap-api-key": "k"}
            fast.get("http://h.invalid/", headers=headers)
            wsgi.get("http://h.invalid/", headers=headers)
            assert seen[-2] == seen[-1]
            assert seen[-1][f"HTTP_X_NAME_{n}"] == str(n)
            assert len(inprocess._VARIABLE_NAMES) <= inprocess.NAMES_KEPT
    assert seen[-1]["CONTENT_LENGTH"] == "0"

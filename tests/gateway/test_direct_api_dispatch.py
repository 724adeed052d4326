"""The v1 and v2 adapters answer without Flask's request and app contexts
(``KeapsimFlask.respond``): the blueprint's ``before_request`` functions, the view, its error
handlers, Flask's ``request_finished`` signal; HEAD, OPTIONS and unmatched paths still take
Flask's own dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Blueprint, request_finished
from werkzeug.wrappers import Response

from keapsim import Simulator
from keapsim.app import KeapsimFlask, check_direct_blueprints, shared_app
from keapsim.context import current_simulator, request
from keapsim.gateway.pipeline import Gateway
from keapsim.wire import jsonify

KEY = "direct-key"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    sim = Simulator(api_key=KEY, throttle=False)
    with httpx.Client(
        transport=sim.transport(),
        base_url=f"{sim.base_url}/crm/rest",
        headers={"X-Keap-API-Key": KEY},
    ) as http:
        yield http


def _new_contact(client: httpx.Client) -> int:
    answer = client.post(
        "/v1/contacts",
        json={
            "given_name": "Ada",
            "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
        },
    )
    assert answer.status_code == 201, answer.text
    ident: int = answer.json()["id"]
    return ident


def test_the_signal_tells_listeners_which_rule_answered(client: httpx.Client) -> None:
    ident = _new_contact(client)
    seen: list[tuple[str, int]] = []

    def listener(sender: object, response: Response, **_: object) -> None:
        assert request.url_rule is not None
        seen.append((request.url_rule.rule, response.status_code))

    with request_finished.connected_to(listener, shared_app()):
        assert client.get(f"/v1/contacts/{ident}").status_code == 200
    assert seen == [("/crm/rest/v1/contacts/<contact_id>", 200)]


def test_head_and_options_take_flasks_dispatch_and_answer_as_before(client: httpx.Client) -> None:
    ident = _new_contact(client)
    got = client.get(f"/v1/contacts/{ident}")
    head = client.head(f"/v1/contacts/{ident}")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == got.headers["content-length"]
    options = client.options(f"/v1/contacts/{ident}")
    assert options.status_code == 200
    assert {"GET", "PATCH", "DELETE"} <= set(options.headers["allow"].split(", "))


def test_unknown_paths_and_methods_answer_in_the_versions_shapes(client: httpx.Client) -> None:
    missing = client.get("/v1/nowhere")
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("The requested URL was not found")
    answer = client.put("/v2/tags")
    assert answer.status_code == 405
    assert answer.json()["status"] == "METHOD_NOT_ALLOWED"


def test_a_view_that_fails_answers_keapsims_500_and_logs_it(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(contact_id: str) -> Response:
        raise LookupError("a bug")

    monkeypatch.setitem(shared_app().view_functions, "v1.get_contact", broken)
    answer = client.get("/v1/contacts/1")
    assert answer.status_code == 500
    assert answer.json() == {"message": "keapsim internal error: LookupError"}
    assert "unhandled error on GET /crm/rest/v1/contacts/1" in caplog.text


def _gateway_for(app: KeapsimFlask) -> httpx.Client:
    sim = Simulator()
    gateway = Gateway(app, [], {"keapsim.simulator": sim})
    return httpx.Client(transport=httpx.WSGITransport(app=gateway), base_url="http://t")


def test_before_request_answers_early_and_views_see_the_request() -> None:
    app = KeapsimFlask("direct-test")
    blueprint = Blueprint("v2", __name__)
    calls: list[str] = []

    @blueprint.before_request
    def gate() -> Any:
        calls.append("before")
        return ("stopped", 418) if request.args.get("stop") else None

    @blueprint.get("/echo/<word>")
    def echo(word: str) -> tuple[Response, int, dict[str, str]]:
        calls.append("view")
        body = {"word": word, "q": request.args.get("q"), "sim": id(current_simulator())}
        return jsonify(body), 202, {"X-Echo": "1"}

    app.register_blueprint(blueprint)
    with _gateway_for(app) as http:
        answer = http.get("/echo/hi?q=1")
        assert (answer.status_code, answer.headers["x-echo"]) == (202, "1")
        assert answer.json()["word"] == "hi" and answer.json()["q"] == "1"
        stopped = http.get("/echo/hi?stop=1")
        assert (stopped.status_code, stopped.text) == (418, "stopped")
    assert calls == ["before", "view", "before"]


def test_an_app_with_hooks_the_direct_path_would_skip_is_refused() -> None:
    app = KeapsimFlask("direct-test")
    blueprint = Blueprint("v1", __name__)
    blueprint.after_request(lambda response: response)
    app.register_blueprint(blueprint)
    with pytest.raises(RuntimeError, match="after_request on blueprint v1"):
        check_direct_blueprints(app)


def test_the_request_proxy_outside_a_request_says_so() -> None:
    with pytest.raises(RuntimeError, match="no request is served"):
        request.path  # noqa: B018

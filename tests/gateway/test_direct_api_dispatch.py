"""The v1 and v2 adapters answer from their recorded routes, without Flask
(``keapsim.app.KeapsimApp``): the version's ``before_request`` functions, the view, its error
handlers, the ``answered`` signal; HEAD, OPTIONS and unmatched paths go to the Flask app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask
from werkzeug.wrappers import Response

from keapsim import Simulator
from keapsim.api import routing
from keapsim.api.routing import ApiRoutes, UnknownFamily
from keapsim.app import KeapsimApp, answered, shared_app
from keapsim.context import current_simulator, request
from keapsim.flask_app import check_direct_blueprints
from keapsim.gateway.pipeline import Gateway
from keapsim.store import NotFound as RecordNotFound
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
    seen: list[tuple[str, str, int]] = []

    def listener(sender: object, response: Response, **_: object) -> None:
        rule = request.url_rule
        seen.append((request.method, rule.rule if rule else "-", response.status_code))

    with answered.connected_to(listener, shared_app()):
        assert client.get(f"/v1/contacts/{ident}").status_code == 200
        assert client.head(f"/v1/contacts/{ident}").status_code == 200  # Flask's path
    assert seen == [
        ("GET", "/crm/rest/v1/contacts/<contact_id>", 200),
        ("HEAD", "/crm/rest/v1/contacts/<contact_id>", 200),
    ]


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
    # A known family, an unknown path in it: werkzeug's 404 from the family's map, in v2's shape.
    deeper = client.get("/v2/contacts/1/nowhere")
    assert (deeper.status_code, deeper.json()["status"]) == (404, "NOT_FOUND")


def test_a_known_familys_404_and_405_do_not_build_the_flask_app() -> None:
    app = KeapsimApp()  # the real versions, a Flask app of its own (not built yet)
    with _client_for(app) as http:  # a gateway without stages: no key needed
        deeper = http.get("/crm/rest/v2/contacts/1/nowhere")
        assert (deeper.status_code, deeper.json()["status"]) == (404, "NOT_FOUND")
        wrong = http.put("/crm/rest/v2/tags")
        assert (wrong.status_code, wrong.json()["status"]) == (405, "METHOD_NOT_ALLOWED")
        assert app._flask is None
        openapi = http.get("/crm/rest/v1/openapi.json")  # no family: another of the app's routes
        assert openapi.status_code == 200 and app._flask is not None


def test_made_up_paths_compile_nothing() -> None:
    routes = _version()
    routes.add_url_rule("/known", "known", lambda: "yes")
    with pytest.raises(UnknownFamily):
        routes.match("/v9/made-up-1/x", "GET")
    assert routes.match("/v9/known/", "GET")[0].rule == "/v9/known"
    assert set(routes._maps) == {"known"}


def test_a_view_that_fails_answers_keapsims_500_and_logs_it(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(contact_id: str) -> Response:
        raise LookupError("a bug")

    client.get("/v1/contacts/1")  # the family's routes are loaded before one is replaced
    versions = {routes.name: routes for routes in shared_app().versions}
    monkeypatch.setitem(versions["v1"].views, "v1.get_contact", broken)
    answer = client.get("/v1/contacts/1")
    assert answer.status_code == 500
    assert answer.json() == {"message": "keapsim internal error: LookupError"}
    assert "unhandled error on GET /crm/rest/v1/contacts/1" in caplog.text


def _version() -> ApiRoutes:
    """A version whose routes the test declares (the families name no module to import)."""
    families: dict[str, tuple[str, ...]] = {"echo": (), "missing": (), "http": (), "known": ()}
    return ApiRoutes("v9", "/v9", "tests.nowhere", families)


def _client_for(app: KeapsimApp) -> httpx.Client:
    sim = Simulator()
    gateway = Gateway(app, [], {"keapsim.simulator": sim})
    return httpx.Client(transport=httpx.WSGITransport(app=gateway), base_url="http://t")


def test_before_request_answers_early_and_views_see_the_request() -> None:
    routes = _version()
    calls: list[str] = []

    @routes.before_request
    def gate() -> Any:
        calls.append("before")
        return ("stopped", 418) if request.args.get("stop") else None

    @routes.get("/echo/<word>")
    def echo(word: str) -> tuple[Response, int, dict[str, str]]:
        calls.append("view")
        body = {"word": word, "q": request.args.get("q"), "sim": id(current_simulator())}
        return jsonify(body), 202, {"X-Echo": "1"}

    app = KeapsimApp((routes,))
    with _client_for(app) as http:
        answer = http.get("/v9/echo/hi?q=1")
        assert (answer.status_code, answer.headers["x-echo"]) == (202, "1")
        assert answer.json()["word"] == "hi" and answer.json()["q"] == "1"
        stopped = http.get("/v9/echo/hi?stop=1")
        assert (stopped.status_code, stopped.text) == (418, "stopped")
        assert stopped.headers["content-type"] == "text/html; charset=utf-8"  # as Flask's
    assert calls == ["before", "view", "before"]
    assert app._flask is None  # answered without building the Flask app


def test_the_versions_handler_wins_then_the_apps() -> None:
    routes = _version()

    @routes.errorhandler(RecordNotFound)
    def not_found(err: RecordNotFound) -> tuple[dict[str, str], int]:
        return {"missing": err.message}, 404

    @routes.get("/missing")
    def missing() -> Response:
        raise RecordNotFound("contact", 7)

    @routes.get("/http")
    def http_failure() -> Response:
        from werkzeug.exceptions import Conflict

        raise Conflict("taken")

    with _client_for(KeapsimApp((routes,))) as http:
        answer = http.get("/v9/missing")
        assert answer.status_code == 404 and "missing" in answer.json()
        conflict = http.get("/v9/http")
        assert (conflict.status_code, conflict.json()) == (409, {"message": "taken"})


def test_two_views_for_one_endpoint_are_refused() -> None:
    routes = _version()
    routes.add_url_rule("/a", "same", lambda: "a")
    with pytest.raises(AssertionError, match="v9.same is declared by two views"):
        routes.add_url_rule("/b", "same", lambda: "b")


def test_an_app_with_hooks_the_direct_path_would_skip_is_refused() -> None:
    app = Flask("direct-test")
    app.after_request(lambda response: response)
    with pytest.raises(RuntimeError, match="after_request on the app"):
        check_direct_blueprints(app, {"v1"})


def test_the_request_proxy_outside_a_request_says_so() -> None:
    with pytest.raises(RuntimeError, match="no request is served"):
        request.path  # noqa: B018


def test_threads_naming_a_new_family_at_once_share_one_compiled_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[object] = []

    class CountedMap(routing.Map):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            compiled.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(routing, "Map", CountedMap)
    routes = _version()
    routes.add_url_rule("/known/<int:n>", "known", lambda n: str(n))
    barrier = threading.Barrier(8)
    matched: list[tuple[str, dict[str, Any]]] = []

    def first_request(n: int) -> None:
        barrier.wait()
        rule, args = routes.match(f"/v9/known/{n}", "GET")
        matched.append((rule.endpoint, dict(args)))

    threads = [threading.Thread(target=first_request, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(args["n"] for _, args in matched) == list(range(8))
    assert {endpoint for endpoint, _ in matched} == {"v9.known"}
    assert list(routes._maps) == ["known"] and len(compiled) == 1

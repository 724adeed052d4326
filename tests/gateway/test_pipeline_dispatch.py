"""The gateway hands keapsim's app its own request object and takes back the response object
(no WSGI round trip between them), on the direct path and on Flask's (where the request becomes
Flask's class in place, its body already read); any other WSGI app is still called as WSGI."""

from __future__ import annotations

import httpx
from flask import Response as FlaskResponse
from flask import request as flask_request
from werkzeug.wrappers import Request, Response

from keapsim.api.routing import ApiRoutes
from keapsim.app import KeapsimApp
from keapsim.context import current_request
from keapsim.flask_app import KeapsimFlask
from keapsim.gateway.pipeline import Gateway, Handler
from keapsim.wire import jsonify


def make_app() -> KeapsimApp:
    """A direct route (``/v9/echo``) and two routes of a Flask app behind it."""
    routes = ApiRoutes("v9", "/v9", "tests.nowhere", {"echo": ()})

    @routes.post("/echo")
    def echo() -> Response:
        body = current_request().get_data()
        return jsonify({"seen": id(current_request()), "body": body.decode()})

    flask_app = KeapsimFlask("dispatch-test")

    @flask_app.post("/flask-echo")
    def flask_echo() -> FlaskResponse:
        body = flask_request.get_data()
        return flask_app.json.response(
            seen=id(flask_request._get_current_object()), body=body.decode()
        )

    @flask_app.get("/typeless")
    def typeless() -> FlaskResponse:
        response = FlaskResponse("plain", status=200)
        response.headers.pop("Content-Type")
        return response

    app = KeapsimApp((routes,))
    app._flask = flask_app
    return app


class BodyReadingStage:
    """Reads the body before the app (as the fault rules do) and remembers the request."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, request: Request, call_next: Handler) -> Response:
        self.seen.append(id(request))
        request.get_data(cache=True)
        return call_next(request)


def test_the_app_sees_the_request_object_the_stages_parsed() -> None:
    stage = BodyReadingStage()
    gateway = Gateway(make_app(), [stage])
    client = httpx.Client(transport=httpx.WSGITransport(app=gateway), base_url="http://t")
    for path in ("/v9/echo", "/flask-echo"):
        answer = client.post(path, content=b"payload")
        assert answer.status_code == 200
        assert answer.json() == {"seen": stage.seen[-1], "body": "payload"}


def test_a_response_without_a_type_gets_werkzeugs_default_as_before() -> None:
    gateway = Gateway(make_app(), [])
    client = httpx.Client(transport=httpx.WSGITransport(app=gateway), base_url="http://t")
    answer = client.get("/typeless")
    assert (answer.text, answer.headers["content-type"]) == ("plain", "text/plain; charset=utf-8")


def test_another_wsgi_app_is_still_called_through_wsgi() -> None:
    def plain_app(environ: dict, start_response) -> list[bytes]:
        start_response("201 Created", [("Content-Type", "text/csv")])
        return [b"a,b\n"]

    gateway = Gateway(plain_app, [BodyReadingStage()])
    client = httpx.Client(transport=httpx.WSGITransport(app=gateway), base_url="http://t")
    answer = client.post("/anything", content=b"x")
    assert (answer.status_code, answer.text, answer.headers["content-type"]) == (
        201,
        "a,b\n",
        "text/csv",
    )

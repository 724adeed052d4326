"""The gateway's short path to the WSGI triple (``pipeline.wsgi_triple``) gives exactly what
werkzeug's ``Response.get_wsgi_response`` gives: the same status line, the same header list in
the same order, the same body bytes, for every kind of response and request method."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Response as FlaskResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from keapsim.gateway.pipeline import wsgi_triple
from keapsim.wire import json_response, jsonify


def environ(method: str = "GET") -> dict[str, Any]:
    builder = EnvironBuilder(path="/crm/rest/v1/contacts/1", base_url="http://keapsim.local")
    builder.method = method
    try:
        return builder.get_environ()
    finally:
        builder.close()


def chunks() -> Iterator[bytes]:
    yield b"one,"
    yield b"two"


class CustomHeaders(Response):
    """A response class that changes werkzeug's WSGI headers: it must keep its own."""

    def get_wsgi_headers(self, environ: Any) -> Any:
        headers = super().get_wsgi_headers(environ)
        headers["X-Custom"] = "yes"
        return headers


def with_headers(response: Response, *pairs: tuple[str, str]) -> Response:
    for name, value in pairs:
        response.headers.add(name, value)
    return response


def without_length(response: Response) -> Response:
    del response.headers["Content-Length"]
    return response


def no_auto_length(response: Response) -> Response:
    response.automatically_set_content_length = False
    return without_length(response)


def on_close(response: Response) -> Response:
    response.call_on_close(lambda: None)
    return response


def passthrough(response: Response) -> Response:
    response.direct_passthrough = True
    return response


RESPONSES: dict[str, Callable[[], Response]] = {
    "jsonify": lambda: jsonify({"id": 1, "given_name": "Ann"}),
    "json_response 201": lambda: json_response({"id": 2}, 201),
    "json 401 with headers": lambda: json_response({"fault": {}}, 401, {"x-a": "1"}),
    "empty 200": lambda: Response(b""),
    "204": lambda: Response(b"", status=204),
    "204 with a body and type": lambda: Response(b"x", status=204, mimetype="text/plain"),
    "304": lambda: Response(b"cached", status=304, headers={"ETag": '"a"'}),
    "101": lambda: Response(b"", status=101),
    "redirect with Location": lambda: with_headers(Response(b"", 302), ("Location", "/x?y=1")),
    "non-ASCII Location": lambda: with_headers(Response(b"", 302), ("Location", "/ä?q=ö")),
    "Content-Location": lambda: with_headers(Response(b"x"), ("content-location", "/ü")),
    "lower-case location": lambda: with_headers(Response(b"x", 201), ("location", "/a b")),
    "non-ASCII header value": lambda: with_headers(jsonify([]), ("X-Name", "Zoë")),
    "header names like the read ones": lambda: with_headers(
        jsonify({}), ("X-Location", "a"), ("Content-Lengths", "1"), ("X-Content-Locator", "z")
    ),
    "quota headers": lambda: with_headers(
        jsonify({}), *[(f"x-keap-product-throttle-{n}", str(n)) for n in range(12)]
    ),
    "no Content-Length": lambda: without_length(jsonify({"a": 1})),
    "lower-case content-length": lambda: with_headers(
        without_length(Response(b"abc")), ("content-length", "3")
    ),
    "no automatic length": lambda: no_auto_length(Response(b"abc")),
    "text body": lambda: Response("tëxt"),
    "list of chunks": lambda: Response([b"a", b"b"]),
    "list of text": lambda: Response(["é"]),
    "streamed": lambda: Response(chunks()),
    "streamed with passthrough": lambda: passthrough(Response(chunks())),
    "buffered with passthrough": lambda: passthrough(Response(b"abc")),
    "call_on_close": lambda: on_close(Response(b"abc")),
    "Flask's Response": lambda: FlaskResponse(b"{}", mimetype="application/json"),
    "a class with its own WSGI headers": lambda: CustomHeaders(b"abc"),
    "500": lambda: Response(b"boom", status=500),
}


def materialised(triple: tuple[Any, str, list[tuple[str, str]]]) -> tuple[bytes, str, list]:
    app_iter, status, headers = triple
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return body, status, headers


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
@pytest.mark.parametrize("kind", sorted(RESPONSES))
def test_the_triple_is_werkzeugs(kind: str, method: str) -> None:
    make = RESPONSES[kind]
    expected = materialised(make().get_wsgi_response(environ(method)))
    assert materialised(wsgi_triple(make(), environ(method))) == expected


def test_on_close_callbacks_run_as_with_werkzeug() -> None:
    closed: list[str] = []
    response = Response(b"abc")
    response.call_on_close(lambda: closed.append("closed"))
    materialised(wsgi_triple(response, environ()))
    assert closed == ["closed"]


def test_the_response_keeps_its_own_headers() -> None:
    """The triple's header list is new: adding to it leaves the response as it was."""
    response = without_length(jsonify({"a": 1}))
    before = response.headers.to_wsgi_list()
    _, _, headers = wsgi_triple(response, environ())
    assert headers[-1][0] == "Content-Length"
    assert response.headers.to_wsgi_list() == before


@pytest.mark.parametrize("kind", ["jsonify", "json 401 with headers", "quota headers", "500"])
def test_plain_buffered_answers_take_the_short_path(kind: str) -> None:
    """What the comparison above covers for these kinds is the short path, not werkzeug's."""
    app_iter, _, _ = wsgi_triple(RESPONSES[kind](), environ())
    assert type(app_iter) is list


@pytest.mark.parametrize("kind", ["streamed", "204", "redirect with Location", "list of chunks"])
def test_anything_else_takes_werkzeugs_path(kind: str) -> None:
    app_iter, _, _ = wsgi_triple(RESPONSES[kind](), environ())
    assert type(app_iter) is not list

"""The application behind the gateway: the API adapters answered directly, the rest by Flask.

:class:`KeapsimApp` is what the gateway hands each request to (``respond``). A v1 or v2 request
with a body-carrying method is answered from the version's recorded routes
(:mod:`keapsim.api.routing`) without Flask: the version's ``before_request`` functions, the
view, the error handler Flask would pick. Everything else — the admin API, the OAuth pages, the
start page, the OpenAPI documents, HEAD and OPTIONS, and paths under a version's prefix that
name no route family — goes to the Flask app (:mod:`keapsim.flask_app`), which is built when it
is first needed. A path of a known family that no route matches is answered 404 or 405 in the
version's shape directly, by the handler Flask would call. Serving the API therefore imports
neither Flask nor the admin API, and compiles only the route families requests have named
(issue 18's cold start).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from blinker import Signal
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .api import v1, v2
from .api.routing import ApiRequest, ApiRoutes, UnknownFamily
from .api.version_errors import http_error, unexpected_error
from .context import SIMULATOR, begin_serving, current_simulator, end_serving
from .wire import jsonify

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .flask_app import KeapsimFlask

__all__ = [
    "SIMULATOR",
    "KeapsimApp",
    "answered",
    "current_simulator",
    "shared_app",
]

API_VERSIONS: tuple[ApiRoutes, ...] = (v1.blueprint, v2.blueprint)
DIRECT_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
"""What the direct path answers: HEAD drops the body and OPTIONS lists methods, as Flask does."""

answered = Signal("keapsim.answered")
"""Sent with ``response=`` after every answer of the app (both paths), while
:data:`keapsim.context.request` is still the request answered (with its ``url_rule`` when a
route matched). The project's suite records which operations its tests reach with it."""


class KeapsimApp:
    """The inner application of every simulator (one per process: :func:`shared_app`)."""

    request_class = ApiRequest

    def __init__(self, versions: tuple[ApiRoutes, ...] = API_VERSIONS) -> None:
        self.versions = versions
        self._flask: KeapsimFlask | None = None
        self._flask_lock = threading.Lock()

    @property
    def flask_app(self) -> KeapsimFlask:
        """The Flask app with every route, built on first use (it imports every module)."""
        if self._flask is None:
            with self._flask_lock:
                if self._flask is None:
                    from .flask_app import create_app

                    self._flask = create_app(self.versions)
        return self._flask

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The app as WSGI (the gateway calls :meth:`respond` and keeps the response object)."""
        return self.respond(self.request_class(environ))(environ, start_response)

    def respond(self, incoming: Request) -> Response:
        """The response object for ``incoming`` (the gateway's request, an ``ApiRequest``, so
        that what the stages parsed is not parsed again)."""
        served = incoming if isinstance(incoming, ApiRequest) else ApiRequest(incoming.environ)
        token = begin_serving(served)
        try:
            response = self._respond(served)
            if answered.receivers:
                answered.send(self, response=response)
            return response
        finally:
            end_serving(token)

    def _respond(self, served: ApiRequest) -> Response:
        if served.method in DIRECT_METHODS:
            for routes in self.versions:
                if served.path.startswith(routes.path_prefix):
                    try:
                        rule, args = routes.match(served.path, served.method)
                    except UnknownFamily:
                        break  # not an API route; maybe another of the app's (Flask's)
                    except (NotFound, MethodNotAllowed) as missing:
                        # In the family's map, as in Flask's whole map: Flask would answer
                        # with the same handler, so the Flask app is not built for a typo.
                        return http_error(missing)
                    except HTTPException:
                        break  # redirects (merged slashes): Flask answers them
                    served.url_rule, served.view_args = rule, dict(args)
                    return respond_directly(routes, rule, args)
        return self.flask_app.respond_through_flask(served)


def respond_directly(routes: ApiRoutes, rule: Rule, args: Mapping[str, Any]) -> Response:
    """What Flask's dispatch does for an API route, without its request and app contexts
    (pushing and popping them was about a third of a GET's CPU): the version's
    ``before_request`` functions, the view, the error handler Flask would pick (the version's
    for the error's class, else the app's: :func:`http_error` for HTTP errors,
    :func:`unexpected_error` for the rest; keapsim registers none by status code)."""
    try:
        for before in routes.before_request_funcs:
            early = before()
            if early is not None:
                return direct_response(early)
        return direct_response(routes.views[rule.endpoint](**args))
    except Exception as error:
        handler = routes.handler_for(error)
        if handler is not None:
            return direct_response(handler(error))
        if isinstance(error, HTTPException):
            return http_error(error)
        return unexpected_error(error)


def direct_response(returned: Any) -> Response:
    """Flask's ``make_response`` for what the API views return: a response object (what
    :func:`keapsim.wire.jsonify` makes) or a body (JSON for a dict or list, text otherwise),
    alone or with a status and headers."""
    body = returned[0] if isinstance(returned, tuple) else returned
    status, headers = _status_and_headers(returned)
    if isinstance(body, dict | list):
        body = jsonify(body)
    elif isinstance(body, str | bytes):
        body = Response(body, mimetype="text/html")  # Flask's type for a text body
    elif not isinstance(body, Response):
        raise TypeError(f"a view returned {type(body).__name__}, not a response or a body")
    if status is not None:
        body.status_code = status
    if headers:
        body.headers.update(headers)
    return body


def _status_and_headers(returned: Any) -> tuple[int | None, Any]:
    """The status and headers of a view's ``(body, status, headers)``, ``(body, status)`` or
    ``(body, headers)`` tuple, as Flask reads them."""
    if not isinstance(returned, tuple):
        return None, None
    if len(returned) == 3:
        return returned[1], returned[2]
    if len(returned) == 2:
        if isinstance(returned[1], Headers | dict | tuple | list):
            return None, returned[1]
        return returned[1], None
    raise TypeError("a view returned a tuple that is not (body, status[, headers])")


@cache
def shared_app() -> KeapsimApp:
    """One app per process serves every simulator, like moto's handlers: state lives in the
    :class:`Simulator`, which each request carries, so building a simulator compiles no
    routes (werkzeug's rule compilation is the slow part of app creation)."""
    return KeapsimApp()

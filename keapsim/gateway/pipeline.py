"""The gateway: what every request passes through before it reaches an API adapter.

Keap's real gateway answers authentication and quota errors before any routing (an unknown path
without a credential is 401, not 404), so keapsim does the same: a WSGI middleware in front of
the Flask app, made of stages. Each stage gets the request and the next handler and returns a
response; it may answer early (a fault, a 401, a 429) or decorate what comes back (quota
headers). Order: journal → faults → authentication → throttling → API adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Handler = Callable[[Request], Response]


class Stage(Protocol):
    def __call__(self, request: Request, call_next: Handler) -> Response: ...


# werkzeug's default for a response built without a content type (what from_app gives one).
DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8"

API_PREFIX = "/crm/rest/"
ADMIN_PREFIX = "/_keapsim"


def is_api(request: Request) -> bool:
    return request.path.startswith(API_PREFIX)


class Gateway:
    """A WSGI application: the stages, then the adapters (``inner``)."""

    def __init__(
        self,
        inner: WSGIApplication,
        stages: Iterable[Stage],
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.inner = inner
        # An inner app that hands back response objects (keapsim's Flask app: ``respond``)
        # skips a round trip through WSGI; any other WSGI app is collected with from_app.
        self._respond: Callable[[Request], Response] | None = getattr(inner, "respond", None)
        # Requests are made of the inner app's request class when it has one (Flask's, a
        # werkzeug Request subclass), so that the app reuses the object the stages parsed.
        self._request_class: type[Request] = getattr(inner, "request_class", Request)
        self.stages = list(stages)
        # Put into every request's environ: the shared Flask app finds its simulator there.
        self.context = dict(context or {})
        # The chain never changes, so it is composed once rather than per request.
        handler: Handler = self._call_inner
        for stage in reversed(self.stages):
            handler = _bind(stage, handler)
        self._handle = handler

    def _call_inner(self, request: Request) -> Response:
        if self._respond is not None:
            response = self._respond(request)
            if "Content-Type" not in response.headers:
                # What from_app did: a response without a type gets werkzeug's default one.
                response.headers["Content-Type"] = DEFAULT_CONTENT_TYPE
        else:
            response = Response.from_app(self.inner, request.environ, buffered=True)
        if response.status_code == 204:
            # from_app gives every response a default text/plain type; a 204 has no body.
            response.headers.pop("Content-Type", None)
        return response

    def handle(self, request: Request) -> Response:
        return self._handle(request)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app_iter, status, headers = self.wsgi_response(environ)
        start_response(status, headers)
        return app_iter

    def wsgi_response(self, environ: WSGIEnvironment) -> WsgiTriple:
        """What the gateway passes to ``start_response`` and returns as a WSGI app (werkzeug's
        ``Response.__call__`` in two steps), for callers that want the answer without the WSGI
        calling convention (the in-process transport, ``inprocess.py``)."""
        environ.update(self.context)
        request = self._request_class(environ)
        try:
            return wsgi_triple(self.handle(request), environ)
        finally:
            release_request(environ)


WsgiTriple = tuple[Iterable[bytes], str, list[tuple[str, str]]]

# The werkzeug methods whose combined behaviour ``wsgi_response`` repeats: a response class
# that overrides any of them takes werkzeug's own path.
_WSGI_METHODS = ("get_wsgi_response", "get_wsgi_headers", "get_app_iter", "iter_encoded", "close")
_PLAIN_CLASSES: dict[type, bool] = {}
# Header names werkzeug's get_wsgi_headers rewrites (Location, Content-Location) or reads
# (Content-Length), by length: most names are skipped without lower-casing them.
_NAMES_READ = {8: "location", 14: "content-length", 16: "content-location"}


def _plain_class(cls: type) -> bool:
    plain = _PLAIN_CLASSES.get(cls)
    if plain is None:
        plain = all(getattr(cls, name) is getattr(Response, name) for name in _WSGI_METHODS)
        _PLAIN_CLASSES[cls] = plain
    return plain


def wsgi_triple(response: Response, environ: WSGIEnvironment) -> WsgiTriple:
    """``response.get_wsgi_response(environ)``: the body iterable, status line and header list.

    werkzeug's own path copies the headers into a new ``Headers``, scans them, builds a
    generator over the body and wraps it in a ``ClosingIterator``: about 6 µs, a tenth of a
    v1 GET through WSGI (issue 18). Nearly every answer keapsim gives is a single buffered
    ``bytes`` body with its ``Content-Length`` already set, for which werkzeug changes nothing
    but adds a ``Content-Length`` if it is missing; this gives the same triple directly.
    Anything else takes werkzeug's path: a HEAD request, a 1xx, 204 or 304 (no body, headers
    removed), a ``Location``/``Content-Location`` header (IRI quoting), a streamed, text or
    multi-part body, ``direct_passthrough``, ``call_on_close`` callbacks, a response class that
    overrides werkzeug's WSGI methods (``tests/gateway/test_wsgi_response.py`` compares the two
    answer by answer)."""
    body = response.response
    status = response.status_code
    if not (
        type(body) is list
        and len(body) == 1
        and type(body[0]) is bytes
        and 200 <= status
        and status != 204
        and status != 304
        and environ["REQUEST_METHOD"] != "HEAD"
        and not response.direct_passthrough
        and not response._on_close
        and response.automatically_set_content_length
        and _plain_class(type(response))
    ):
        return response.get_wsgi_response(environ)
    headers = response.headers.to_wsgi_list()  # a new list: the response's stays as it was
    has_length = False
    for name, _ in headers:
        read = _NAMES_READ.get(len(name))
        if read is not None and name.lower() == read:
            if read != "content-length":
                return response.get_wsgi_response(environ)
            has_length = True
    if not has_length:
        headers.append(("Content-Length", str(len(body[0]))))
    return [body[0]], response.status, headers


REQUEST_HOLDERS = ("werkzeug.request", "keapsim.body", "wsgi.input")
"""Environ keys through which a request (and its body) outlives its response: werkzeug's
request objects put themselves into the environ they hold (a reference cycle, freed only when
the garbage collector next runs a full collection, which keapsim defers while serving), and
the body cached for the stages. Dropped once the response is built, so a body is freed as soon
as the server has sent the answer."""


def release_request(environ: WSGIEnvironment) -> None:
    for key in REQUEST_HOLDERS:
        environ.pop(key, None)


def _bind(stage: Stage, call_next: Handler) -> Handler:
    def handler(request: Request) -> Response:
        return stage(request, call_next)

    return handler


def build_gateway(
    inner: WSGIApplication,
    *,
    authenticate: Stage,
    before_auth: Iterable[Stage] = (),
    after_auth: Iterable[Stage] = (),
    context: Mapping[str, Any] | None = None,
) -> Gateway:
    """The gateway in Keap's order: ``before_auth`` (journal, faults), ``authenticate``,
    ``after_auth`` (throttling), then ``inner`` (the adapters). ``context`` goes into every
    request's environ (the simulator puts itself there for the views)."""
    stages: list[Stage] = [*before_auth, authenticate, *after_auth]
    return Gateway(inner, stages, context)

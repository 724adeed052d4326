"""The Flask application factory: the API adapters (v1, v2), OAuth pages, the admin API."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, request_finished
from flask import Request as FlaskRequest
from flask.ctx import RequestContext
from flask.json.provider import DefaultJSONProvider
from flask.sessions import NullSession, SecureCookieSessionInterface
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule
from werkzeug.sansio.response import Response as SansioResponse
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as BaseResponse

from .admin.routes import blueprint as admin_blueprint
from .api import v1, v2
from .api.openapi import blueprint as openapi_blueprint
from .api.v1.routes import blueprint as v1_blueprint
from .api.v2.routes import blueprint as v2_blueprint
from .context import SIMULATOR, begin_serving, current_simulator, end_serving, request
from .home import blueprint as home_blueprint
from .oauth import blueprint as oauth_blueprint
from .wire import dumps_compact, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["SIMULATOR", "application_error", "create_app", "current_simulator", "shared_app"]

log = logging.getLogger("keapsim")

DIRECT_BLUEPRINTS = frozenset({"v1", "v2"})
"""The API adapters, which answer without Flask's request and app contexts (``respond``)."""

DIRECT_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class LazyBuilderRule(Rule):
    """A route whose URL builder is compiled when a URL is first built from it.

    werkzeug compiles two builder functions per route as it is added (for ``url_for``), which
    is most of the time a fresh process spends creating the app (about 20 of 28 ms for 113
    routes), and keapsim builds URLs for a handful of admin routes only. Matching requests is
    unaffected. If werkzeug stops calling ``_compile_builder``, this override is simply unused.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        def build_on_first_use(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", compiled)
            return compiled(*args, **kwargs)

        return build_on_first_use


class CompactJSONProvider(DefaultJSONProvider):
    """Flask's JSON (``jsonify``, the adapters' bodies) through :func:`keapsim.wire.dumps_compact`:
    the same bytes as Flask's compact, unsorted, ASCII-escaped output, encoded faster. Other
    settings (indented, sorted, raw UTF-8) and ``dumps`` keep Flask's own path."""

    sort_keys = False
    compact = True

    def response(self, *args: Any, **kwargs: Any) -> SansioResponse:
        if self.compact is not True or self.sort_keys or not self.ensure_ascii:
            return super().response(*args, **kwargs)
        body = dumps_compact(self._prepare_response_obj(args, kwargs), self.default) + b"\n"
        # Flask types response_class as the sans-IO response; it is Flask's WSGI Response.
        response_class = cast("type[BaseResponse]", self._app.response_class)
        return response_class(body, mimetype=self.mimetype)


class QueryArgs(ImmutableMultiDict[str, str]):
    """werkzeug's query (and form) mapping with a ``get`` that looks before it reads.

    werkzeug's ``MultiDict.get`` reads the key and catches the ``BadRequestKeyError`` that an
    absent key raises: building that HTTP exception costs a few µs, and a v1 list reads six to
    nine parameters that are mostly absent (about a tenth of a search by email). Same values,
    defaults and ``type`` conversion."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        if not dict.__contains__(self, key):
            return default
        return super().get(key, default, type)


class KeapsimRequest(FlaskRequest):
    parameter_storage_class = QueryArgs


class NoSessions(SecureCookieSessionInterface):
    """Flask's session handling for an app without sessions: keapsim sets no secret key and
    keeps no cookie, so every request gets Flask's null session; this hands out one shared
    empty ``NullSession`` (it refuses every write) instead of asking for a signing serializer
    and building a new one per request."""

    _null = NullSession()

    def open_session(self, app: Flask, request: FlaskRequest) -> NullSession:
        return self._null


def _wsgi_text(environ: WSGIEnvironment, name: str) -> str | None:
    """A WSGI string variable as text (werkzeug's ``_wsgi_decoding_dance``)."""
    value = environ.get(name)
    return None if value is None else value.encode("latin1").decode(errors="replace")


class KeapsimFlask(Flask):
    url_rule_class = LazyBuilderRule
    json_provider_class = CompactJSONProvider
    request_class = KeapsimRequest
    session_interface = NoSessions()

    def create_url_adapter(self, request: FlaskRequest | None) -> MapAdapter | None:
        """Flask's URL adapter for a request, bound without reading the host twice.

        Flask computes the request's host, then ``Map.bind_to_environ`` computes it again and
        works out a subdomain that Flask has already fixed to ``""``. With keapsim's settings
        (no ``SERVER_NAME``, no trusted hosts, no host or subdomain matching) this binds the
        same map to the same server name, scheme, method, script name, path and query. Any
        other setting, and WebSocket upgrades, take Flask's own path."""
        if (
            request is None
            or self.url_map.host_matching
            or self.subdomain_matching
            or self.config["SERVER_NAME"] is not None
            or self.config["TRUSTED_HOSTS"] is not None
        ):
            return super().create_url_adapter(request)
        environ = request.environ
        if "HTTP_UPGRADE" in environ:
            return super().create_url_adapter(request)
        return self.url_map.bind(
            request.host.lower(),
            _wsgi_text(environ, "SCRIPT_NAME"),
            self.url_map.default_subdomain or "",
            environ["wsgi.url_scheme"],
            environ["REQUEST_METHOD"],
            _wsgi_text(environ, "PATH_INFO"),
            query_args=_wsgi_text(environ, "QUERY_STRING"),
        )

    def respond(self, request: Request) -> BaseResponse:
        """The response object for ``request`` (the gateway's own request object, an instance
        of ``request_class``, so that what the stages parsed is not parsed again).

        The v1 and v2 adapters answer directly (:meth:`_respond_directly`); everything else —
        the admin API, OAuth pages, the start page, and requests the API routes do not match
        (Flask answers 404/405 and redirects in the versions' shapes) — goes through Flask's
        full dispatch (:meth:`_respond_through_flask`). Both make ``request`` the one
        :data:`keapsim.context.request` reads."""
        if not isinstance(request, self.request_class):
            request = self.request_class(request.environ)
        request.json_module = self.json
        token = begin_serving(request)
        try:
            route = self._direct_route(request)
            if route is None:
                return self._respond_through_flask(request)
            request.url_rule, request.view_args = route
            response = self._respond_directly(*route)
            if request_finished.receivers:  # Flask's signal, for whoever listens to it
                request_finished.send(self, response=response)
            return response
        finally:
            end_serving(token)

    @cached_property
    def _api_routes(self) -> MapAdapter:
        """The URL map bound once for matching paths (keapsim matches no host or scheme)."""
        return self.url_map.bind("keapsim.local")

    def _direct_route(self, request: Request) -> tuple[Rule, dict[str, Any]] | None:
        """The API rule and arguments ``request`` matches, or ``None`` for Flask's path."""
        if request.method not in DIRECT_METHODS:
            return None  # HEAD drops the body, OPTIONS is answered by Flask itself
        try:
            rule, args = self._api_routes.match(request.path, request.method, return_rule=True)
        except HTTPException:
            return None
        if rule.endpoint.partition(".")[0] not in DIRECT_BLUEPRINTS:
            return None
        return rule, dict(args)

    def _respond_directly(self, rule: Rule, args: Mapping[str, Any]) -> BaseResponse:
        """What Flask's dispatch does for an API route, without its request and app contexts
        (pushing and popping them was about a third of a GET's CPU): the blueprint's
        ``before_request`` functions, the view, the error handler Flask would pick, the response.
        :func:`check_direct_blueprints` makes sure nothing else was registered for them."""
        blueprint = rule.endpoint.partition(".")[0]
        try:
            for before in self.before_request_funcs.get(blueprint, ()):
                early = before()
                if early is not None:
                    return self._direct_response(early)
            return self._direct_response(self.view_functions[rule.endpoint](**args))
        except Exception as error:
            # Flask's own choice (sansio App): by code, then by class, blueprint before app.
            handler = self._find_error_handler(error, [blueprint])
            if handler is None:
                raise
            return self._direct_response(handler(error))

    def _direct_response(self, returned: Any) -> BaseResponse:
        """Flask's ``make_response`` for what the API views return. A response object (what
        :func:`keapsim.wire.jsonify` makes), alone or with a status and headers, is used as
        it is: Flask would convert it to its own class, which needs a request context."""
        body = returned[0] if isinstance(returned, tuple) else returned
        if not isinstance(body, BaseResponse):
            return self.make_response(returned)  # text and bytes need no request context
        status, headers = _status_and_headers(returned)
        if status is not None:
            body.status_code = status
        if headers:
            body.headers.update(headers)
        return body

    def _respond_through_flask(self, request: FlaskRequest) -> BaseResponse:
        """:meth:`Flask.wsgi_app` without its last step: the response as an object (going
        through WSGI and collecting it again cost about a tenth of an in-process call). Same
        contexts, error handling and teardown as ``wsgi_app``."""
        ctx = RequestContext(self, request.environ, request=request)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            except BaseException:
                error = sys.exc_info()[1]
                raise
            return response
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)


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


def check_direct_blueprints(app: Flask) -> None:
    """The API blueprints answer without Flask's dispatch (:meth:`KeapsimFlask.respond`),
    which runs their ``before_request`` functions and error handlers and nothing else:
    refuse to build an app where anything else was registered for them or for every route."""
    skipped: dict[str, Mapping[str | None, Any]] = {
        "before_request": {None: app.before_request_funcs.get(None)},
        "after_request": app.after_request_funcs,
        "teardown_request": app.teardown_request_funcs,
        "url_value_preprocessor": app.url_value_preprocessors,
    }
    for kind, registry in skipped.items():
        for scope in (*DIRECT_BLUEPRINTS, None):
            if registry.get(scope):
                where = f"blueprint {scope}" if scope else "the app"
                raise RuntimeError(f"{kind} on {where}: the direct API path would skip it")


@cache
def shared_app() -> Flask:
    """One Flask app per process serves every simulator, like moto's handlers: state lives in
    the :class:`Simulator`, which each request carries, so building a simulator compiles no
    routes (werkzeug's rule compilation is the slow part of app creation)."""
    return create_app()


def application_error(request: Request, message: str, status: int) -> BaseResponse:
    """An application error in the shape of the request path's API version (v2's ``Error``,
    else v1's ``{"message"}``). The simulator hands this renderer to the fault rules, so the
    gateway answers in the adapters' shapes without importing them."""
    if request.path.startswith("/crm/rest/v2"):
        return v2.error(message, status)
    return v1.error(message, status)


def create_app() -> Flask:
    app = KeapsimFlask("keapsim")  # JSON: compact, keys in insertion order (CompactJSONProvider)
    # Keap's own next/previous links put a slash before the query (keap-facts.md §1.2), so a
    # route answers with or without a trailing slash.
    app.url_map.strict_slashes = False
    for blueprint in (
        openapi_blueprint,
        v1_blueprint,
        v2_blueprint,
        oauth_blueprint,
        admin_blueprint,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(home_blueprint)  # GET /: the start page
    check_direct_blueprints(app)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> BaseResponse:
        # Unknown routes and methods still answer in the version's own error shape.
        if request.path.startswith("/crm/rest/v2"):
            return v2.http_error(err)
        if request.path.startswith("/crm/rest/v1"):
            return v1.http_error(err)
        return json_response({"message": err.description or err.name}, err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> BaseResponse:
        # A 500 from keapsim is a keapsim bug; say so plainly and log the traceback.
        log.exception("unhandled error on %s %s", request.method, request.path)
        body = {"message": f"keapsim internal error: {type(err).__name__}"}
        return json_response(body, 500)

    return app

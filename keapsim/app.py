"""The Flask application factory: the API adapters (v1, v2), OAuth pages, the admin API."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, request
from flask import Request as FlaskRequest
from flask.ctx import RequestContext
from flask.json.provider import DefaultJSONProvider
from flask.sessions import NullSession, SecureCookieSessionInterface
from werkzeug.datastructures import ImmutableMultiDict
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
from .context import SIMULATOR, current_simulator
from .home import blueprint as home_blueprint
from .oauth import blueprint as oauth_blueprint
from .wire import dumps_compact, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["SIMULATOR", "application_error", "create_app", "current_simulator", "shared_app"]

log = logging.getLogger("keapsim")


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
        """The response object for ``request``: :meth:`Flask.wsgi_app` without its last step.

        The gateway decorates and records responses as objects; going through WSGI in between
        (the app serialising its response, ``Response.from_app`` collecting it into a new one)
        cost about a tenth of an in-process call. Same contexts, error handling and teardown
        as ``wsgi_app``; the response is complete when returned (keapsim streams nothing).
        ``request`` is the gateway's own request object (an instance of ``request_class``), so
        what the stages parsed — headers, query, the body they read — is not parsed again.
        """
        if not isinstance(request, self.request_class):
            request = self.request_class(request.environ)
        request.json_module = self.json
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

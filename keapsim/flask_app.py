"""The Flask app: the admin API, the OAuth pages, the start page, the OpenAPI documents, and
every API route again for what the direct path leaves to Flask (HEAD, OPTIONS, 404/405 answers).

:class:`keapsim.app.KeapsimApp` builds it on first use (``flask_app``): serving the API imports
neither Flask nor these modules.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask import Request as FlaskRequest
from flask.ctx import RequestContext
from flask.json.provider import DefaultJSONProvider
from flask.sessions import NullSession, SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter
from werkzeug.sansio.response import Response as SansioResponse
from werkzeug.wrappers import Response as BaseResponse

from .admin.routes import blueprint as admin_blueprint
from .api.openapi import blueprint as openapi_blueprint
from .api.routing import ApiRequest, ApiRoutes, LazyBuilderRule
from .api.version_errors import http_error, unexpected_error
from .home import blueprint as home_blueprint
from .oauth import blueprint as oauth_blueprint
from .wire import dumps_compact

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["KeapsimFlask", "check_direct_blueprints", "create_app"]


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


class KeapsimRequest(ApiRequest, FlaskRequest):
    """Flask's request with keapsim's query mapping (:class:`~keapsim.api.routing.ApiRequest`)."""


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

    def respond_through_flask(self, request: ApiRequest) -> BaseResponse:
        """Flask's dispatch for ``request`` (which :class:`~keapsim.app.KeapsimApp` has made the
        request being served). The gateway's ``ApiRequest`` becomes this app's request class in
        place, keeping what the stages already parsed (its body above all: the stream is read)."""
        if not isinstance(request, self.request_class):
            request.__class__ = self.request_class
        return self._respond_through_flask(cast("FlaskRequest", request))

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


def check_direct_blueprints(app: Flask, direct: set[str]) -> None:
    """The API routes are answered without Flask's dispatch (:class:`~keapsim.app.KeapsimApp`),
    which runs their version's ``before_request`` functions and error handlers and nothing
    else: refuse to build an app where anything else was registered for them or for every
    route."""
    skipped: dict[str, Mapping[str | None, Any]] = {
        "before_request": {None: app.before_request_funcs.get(None)},
        "after_request": app.after_request_funcs,
        "teardown_request": app.teardown_request_funcs,
        "url_value_preprocessor": app.url_value_preprocessors,
    }
    for kind, registry in skipped.items():
        for scope in (*sorted(direct), None):
            if registry.get(scope):
                where = f"blueprint {scope}" if scope else "the app"
                raise RuntimeError(f"{kind} on {where}: the direct API path would skip it")


def create_app(versions: tuple[ApiRoutes, ...]) -> KeapsimFlask:
    """The Flask app with the API ``versions`` (every route of each, as a blueprint)."""
    app = KeapsimFlask("keapsim")  # JSON: compact, keys in insertion order (CompactJSONProvider)
    # Keap's own next/previous links put a slash before the query (keap-facts.md §1.2), so a
    # route answers with or without a trailing slash.
    app.url_map.strict_slashes = False
    app.register_blueprint(openapi_blueprint)
    for version in versions:
        app.register_blueprint(version.as_blueprint())
    for blueprint in (oauth_blueprint, admin_blueprint, home_blueprint):
        app.register_blueprint(blueprint)
    check_direct_blueprints(app, {version.name for version in versions})
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    return app

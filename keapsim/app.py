"""The Flask application factory: the API adapters (v1, v2), OAuth pages, the admin API."""

from __future__ import annotations

import logging
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .gateway.responses import json_response

if TYPE_CHECKING:
    from .simulator import Simulator

log = logging.getLogger("keapsim")


SIMULATOR = "keapsim.simulator"


def current_simulator() -> Simulator:
    """The simulator serving this request (the gateway puts it in the WSGI environ)."""
    return request.environ[SIMULATOR]


@cache
def shared_app() -> Flask:
    """One Flask app per process serves every simulator, like moto's handlers: state lives in
    the :class:`Simulator`, which each request carries, so building a simulator compiles no
    routes (werkzeug's rule compilation is the slow part of app creation)."""
    return create_app()


def create_app() -> Flask:
    from .admin import blueprint as admin_blueprint
    from .api import v1, v2
    from .api.openapi import blueprint as openapi_blueprint
    from .oauth import blueprint as oauth_blueprint

    app = Flask("keapsim")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]
    # Keap's own next/previous links put a slash before the query (keap-facts.md §1.2), so a
    # route answers with or without a trailing slash.
    app.url_map.strict_slashes = False
    for blueprint in (
        openapi_blueprint,
        v1.blueprint,
        v2.blueprint,
        oauth_blueprint,
        admin_blueprint,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(import_module("keapsim.home").blueprint)  # GET /: the start page

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        # Unknown routes and methods still answer in the version's own error shape.
        if request.path.startswith("/crm/rest/v2"):
            return v2.http_error(err)
        if request.path.startswith("/crm/rest/v1"):
            return v1.http_error(err)
        return json_response({"message": err.description or err.name}, err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        # A 500 from keapsim is a keapsim bug; say so plainly and log the traceback.
        log.exception("unhandled error on %s %s", request.method, request.path)
        body = {"message": f"keapsim internal error: {type(err).__name__}"}
        return json_response(body, 500)

    return app

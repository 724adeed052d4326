"""The Flask application factory: the API adapters (v1, v2), OAuth pages, the admin API."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:
    from .simulator import Simulator

log = logging.getLogger("keapsim")


def create_app(sim: Simulator) -> Flask:
    from .api import v1, v2
    from .api.openapi import blueprint as openapi_blueprint

    app = Flask("keapsim")
    app.config["KEAPSIM"] = sim
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]
    app.register_blueprint(openapi_blueprint)
    app.register_blueprint(v1.blueprint)
    app.register_blueprint(v2.blueprint)
    for blueprint in sim.extra_blueprints():
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        # Unknown routes and methods still answer in the version's own error shape.
        if request.path.startswith("/crm/rest/v2"):
            return v2.http_error(err)
        if request.path.startswith("/crm/rest/v1"):
            return v1.http_error(err)
        return Response(
            json.dumps({"message": err.description or err.name}),
            status=err.code or 500,
            content_type="application/json",
        )

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        # A 500 from keapsim is a keapsim bug; say so plainly and log the traceback.
        log.exception("unhandled error on %s %s", request.method, request.path)
        body = {"message": f"keapsim internal error: {type(err).__name__}"}
        return Response(json.dumps(body), status=500, content_type="application/json")

    return app

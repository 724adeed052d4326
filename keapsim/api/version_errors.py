"""Errors in the shape of the request path's API version: v2's ``Error`` under
``/crm/rest/v2``, v1's ``{"message"}`` under ``/crm/rest/v1``, a plain ``{"message"}`` elsewhere.

The app answers unknown routes and methods, HTTP errors and keapsim's own bugs with these on
both of its paths (:mod:`keapsim.app` directly, :mod:`keapsim.flask_app` as Flask's error
handlers); the simulator hands :func:`application_error` to the fault rules, so the gateway
answers in the adapters' shapes without importing them.
"""

from __future__ import annotations

import logging

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ..context import request
from ..wire import json_response
from . import v1, v2

log = logging.getLogger("keapsim")


def http_error(err: HTTPException) -> Response:
    """Unknown routes and methods, and HTTP errors of views, in the version's own error shape."""
    if request.path.startswith(v2.blueprint.url_prefix):
        return v2.http_error(err)
    if request.path.startswith(v1.blueprint.url_prefix):
        return v1.http_error(err)
    return json_response({"message": err.description or err.name}, err.code or 500)


def unexpected_error(err: Exception) -> Response:
    """A 500 from keapsim is a keapsim bug: say so plainly and log the traceback."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return json_response({"message": f"keapsim internal error: {type(err).__name__}"}, 500)


def application_error(served: Request, message: str, status: int) -> Response:
    """An application error in the shape of the request path's API version (v2's ``Error``,
    else v1's ``{"message"}``). The simulator hands this renderer to the fault rules, so the
    gateway answers in the adapters' shapes without importing them."""
    if served.path.startswith(v2.blueprint.url_prefix):
        return v2.error(message, status)
    return v1.error(message, status)

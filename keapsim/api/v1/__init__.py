"""Keap REST v1 under ``/crm/rest/v1``: integer ids, limit/offset paging, ``{"message"}`` errors."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ...store import Conflict, DomainError, Invalid, NotFound
from ...store.errors import TooLarge
from ...wire import json_text
from ..common import catch_up_clock
from ..routing import ApiRoutes
from .routes import FAMILIES

blueprint = ApiRoutes("v1", "/crm/rest/v1", __name__, FAMILIES)
# Due payment-plan charges and subscription bills first (keapsim/store/due.py).
blueprint.before_request(catch_up_clock)


def error(message: str, status: int, **extra: object) -> Response:
    """v1 application errors are ``{"message": "..."}`` (facts §5.2); the spec's Throwable dump
    is a springfox artefact, not what Keap sends."""
    body = json_text({"message": message, **extra})
    return Response(body, status=status, content_type="application/json;charset=UTF-8")


@blueprint.errorhandler(DomainError)
def _domain_error(err: DomainError) -> Response:
    if isinstance(err, NotFound):
        return error(err.message, 404)
    if isinstance(err, Conflict):
        # The guide profile's 409: neither the spec nor the facts give a body; keapsim names
        # the existing contact so that a client can update it.
        return error(err.message, 409, existing_contact_id=err.existing_id)
    if isinstance(err, Invalid):
        return error(err.message, 400)
    if isinstance(err, TooLarge):
        return error(err.message, 413)
    return error(err.message, 400)


def no_content() -> Response:
    """204 without a body (and so without a content type)."""
    response = Response(status=204)
    response.headers.pop("Content-Type", None)
    return response


def http_error(err: HTTPException) -> Response:
    return error(err.description or err.name, err.code or 500)

"""Keap REST v2 under ``/crm/rest/v2``: string ids, page tokens, ``{code, message, status,
details}`` errors (the ``Error`` schema of the v2 SDK document)."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ...store import Conflict, DomainError, Invalid, NotFound
from ...store.errors import TooLarge
from ...wire import JSON, json_text
from ..common import catch_up_clock
from ..routing import ApiRoutes
from .routes import FAMILIES

blueprint = ApiRoutes("v2", "/crm/rest/v2", __name__, FAMILIES)
# Due payment-plan charges and subscription bills first (keapsim/store/due.py).
blueprint.before_request(catch_up_clock)

# The document gives ``status`` as a free string and no example. Keap's v2 follows Google's API
# design (page tokens, update_mask, ``:verb`` methods), so keapsim uses the canonical gRPC
# status names there; only the 429 body's "Request Throttled" is observed (facts §5.1).
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    413: "RESOURCE_EXHAUSTED",  # keapsim's file-storage cap
    500: "INTERNAL",
}


def error(message: str, status: int, details: list[dict[str, str]] | None = None) -> Response:
    body = {
        "code": status,
        "message": message,
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
        "details": details or [],
    }
    return Response(json_text(body), status=status, content_type=JSON)


@blueprint.errorhandler(DomainError)
def _domain_error(err: DomainError) -> Response:
    if isinstance(err, NotFound):
        return error(err.message, 404, [{"domain": err.kind, "resource": str(err.ident)}])
    if isinstance(err, Conflict):
        return error(err.message, 409, [{"domain": err.kind, "resource": str(err.existing_id)}])
    if isinstance(err, Invalid):
        details = [{"domain": "field", "resource": err.field}] if err.field else []
        return error(err.message, 400, details)
    if isinstance(err, TooLarge):
        return error(err.message, 413)
    return error(err.message, 400)


def http_error(err: HTTPException) -> Response:
    return error(err.description or err.name, err.code or 500)

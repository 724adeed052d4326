"""The admin API under the reserved prefix ``/_keapsim``: tenants, credentials, the clock,
limits and profiles, fault rules, the journal, state snapshots and the dashboard.

Served only to loopback clients unless an admin token is configured, in which case the token is
required as a bearer credential from everywhere.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any, TypeVar

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from ..app import current_simulator

# The dashboard (ui.py) renders from templates/ and serves static/ under /_keapsim/static.
blueprint = Blueprint(
    "admin", __name__, url_prefix="/_keapsim", template_folder="templates", static_folder="static"
)


def is_loopback(address: str) -> bool:
    """127.0.0.0/8 and ::1, also as an IPv4-mapped address (``::ffff:127.0.0.1``, what a
    server bound to ``::`` reports for an IPv4 loopback client)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


Body = TypeVar("Body", bound=BaseModel)


def admin_error(message: str, status: int = 400) -> Response:
    return Response(json.dumps({"error": message}), status=status, content_type="application/json")


def validation_error(err: ValidationError) -> Response:
    """A 400 naming each bad field: ``limits.api_key.per_minute: Input should be ...``."""
    details = [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "message": e["msg"]}
        for e in err.errors()
    ]
    message = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return Response(
        json.dumps({"error": message, "details": details}),
        status=400,
        content_type="application/json",
    )


def json_object() -> dict[str, Any] | Response:
    """The request body as a JSON object (an empty body is ``{}``), or a 400."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return admin_error("the body is not valid JSON")
    if not isinstance(body, dict):
        return admin_error("the body must be a JSON object")
    return body


def validated_body(model: type[Body]) -> Body | Response:
    """The request body as a ``model``, or the 400 that says what is wrong with it."""
    body = json_object()
    if isinstance(body, Response):
        return body
    try:
        return model.model_validate(body)
    except ValidationError as err:
        return validation_error(err)


@blueprint.before_request
def _guard() -> Response | None:
    sim = current_simulator()
    if sim.admin_token:
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        # Auth schemes are case-insensitive (RFC 9110 §11.1): "bearer" is as good as "Bearer".
        bearer = supplied.strip() if scheme.lower() == "bearer" else ""
        if not hmac.compare_digest(bearer.encode(), sim.admin_token.encode()):
            return admin_error("the admin API needs the admin token as a bearer credential", 401)
        return None
    # In-process (httpx WSGITransport) requests have remote_addr 127.0.0.1 as well.
    if not is_loopback(request.remote_addr or ""):
        return admin_error(
            "the admin API answers loopback clients only; start keapsim with "
            "--admin-token to allow others",
            403,
        )
    return None


from . import clock, faults, hooks, journal, scenarios, state, tenants, ui  # noqa: E402,F401  (routes)

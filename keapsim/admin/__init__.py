"""The admin API under the reserved prefix ``/_keapsim``: tenants, credentials, the clock,
limits and profiles, fault rules, the journal, state snapshots and the dashboard.

Served only to loopback clients unless an admin token is configured, in which case the token is
required as a bearer credential from everywhere.

A web page open in the developer's browser is a loopback client too, so the guard also refuses
what only a browser sends on another site's behalf (docs/control-plane.md, "Who may call it"):
a request whose ``Origin`` is not the admin API's own (cross-origin), a write whose body is not
JSON (a form or ``text/plain`` post needs no CORS preflight), and, for a server started without
an admin token, a ``Host`` the server was not started for (DNS rebinding: a name that resolves
to 127.0.0.1 would otherwise make the page same-origin and let it read ``/_keapsim/state``).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from ..context import current_simulator
from ..wire import has_lone_surrogate, nesting_depth

# pydantic is imported where a body is validated, not at start: the serve path never loads it
# (docs/design/index.md, "Start-up"; tests/architecture/test_startup.py).
if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

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


Body = TypeVar("Body", bound="BaseModel")

MAX_BODY_DEPTH = 64
"""How deeply an admin body may nest (the deepest real one, a fault rule's custom Keap body,
nests a handful of levels); deeper bodies would exhaust the stack in validation or output."""


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
    except RecursionError:
        return admin_error("the body is nested too deeply")
    except (ValueError, UnicodeDecodeError) as err:
        # ValueError includes an integer longer than Python converts (4,300 digits).
        return admin_error(f"the body is not valid JSON ({err})"[:300])
    if not isinstance(body, dict):
        return admin_error("the body must be a JSON object")
    if nesting_depth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
        return admin_error(f"the body nests more than {MAX_BODY_DEPTH} levels deep")
    if has_lone_surrogate(body, raw):
        return admin_error("the body holds a lone UTF-16 surrogate (\\ud800-\\udfff): not text")
    return body


def validated_body(model: type[Body]) -> Body | Response:
    """The request body as a ``model``, or the 400 that says what is wrong with it."""
    from pydantic import ValidationError

    body = json_object()
    if isinstance(body, Response):
        return body
    try:
        return model.model_validate(body)
    except ValidationError as err:
        return validation_error(err)
    except RecursionError:
        return admin_error("the body is nested too deeply")


@blueprint.errorhandler(RecursionError)
def _too_deep(err: RecursionError) -> Response:
    # A last line behind MAX_BODY_DEPTH: no admin input may answer 500.
    return admin_error("the input is nested too deeply")


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
    if (refused := _foreign_host(sim.allowed_hosts)) is not None:
        return refused
    return _browser_refusal()


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(host: str) -> str:
    """The name of a ``Host`` header, without its port: ``[::1]:8400`` → ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _foreign_host(allowed: frozenset[str] | None) -> Response | None:
    if allowed is None or host_name(request.host) in allowed:
        return None
    return admin_error(
        f"the admin API does not answer to the host {request.host!r}; it answers to "
        f"{', '.join(sorted(allowed))} (keapsim serve --allowed-host adds names)",
        403,
    )


def _browser_refusal() -> Response | None:
    """A cross-origin request, or a write whose body is not JSON (see the module's doc)."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
        return admin_error(f"cross-origin requests are refused (Origin {origin!r})", 403)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return admin_error("cross-site requests are refused (Sec-Fetch-Site)", 403)
    # A browser can post text/plain, a form or multipart to any site without asking (no CORS
    # preflight); a body without any Content-Type is accepted, as scripts send it, because a
    # browser sending one always sends the Origin checked above.
    if request.method in WRITE_METHODS and request.content_type:
        mimetype = request.mimetype
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            return admin_error(
                f"admin writes take a JSON body (Content-Type: application/json), not "
                f"{request.content_type!r}",
                415,
            )
    return None

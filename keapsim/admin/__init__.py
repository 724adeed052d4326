"""The admin API under the reserved prefix ``/_keapsim``: tenants, credentials, the clock,
limits and profiles, fault rules, the journal, state snapshots and the dashboard.

Served only to loopback clients unless an admin token is configured, in which case the token is
required as a bearer credential from everywhere.
"""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, request

from ..app import current_simulator

# The dashboard (ui.py) renders from templates/ and serves static/ under /_keapsim/static.
blueprint = Blueprint(
    "admin", __name__, url_prefix="/_keapsim", template_folder="templates", static_folder="static"
)
LOOPBACK = ("127.", "::1", "localhost")


def admin_error(message: str, status: int = 400) -> Response:
    return Response(json.dumps({"error": message}), status=status, content_type="application/json")


@blueprint.before_request
def _guard() -> Response | None:
    sim = current_simulator()
    if sim.admin_token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), sim.admin_token.encode()):
            return admin_error("the admin API needs the admin token as a bearer credential", 401)
        return None
    remote = request.remote_addr or ""
    # In-process (httpx WSGITransport) requests have remote_addr 127.0.0.1 as well.
    if not remote.startswith(LOOPBACK):
        return admin_error(
            "the admin API answers loopback clients only; start keapsim with "
            "--admin-token to allow others",
            403,
        )
    return None


from . import clock, faults, journal, scenarios, state, tenants, ui  # noqa: E402,F401  (routes)

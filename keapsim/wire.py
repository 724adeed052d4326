"""Wire helpers that the gateway, the API adapters and the OAuth pages all send: compact JSON
responses and the bodies more than one of them answers with.

A neutral leaf (werkzeug only, no Flask app, no keapsim imports), so that the gateway can
answer in Keap's shapes without importing the adapters above it.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

JSON = "application/json"


def json_response(
    body: object,
    status: int,
    headers: dict[str, str] | None = None,
    content_type: str = JSON,
) -> Response:
    """Compact JSON, as Keap sends it (its 61-byte malformed-JSON body has no spaces)."""
    return Response(json_text(body), status=status, headers=headers, content_type=content_type)


def json_text(body: object) -> str:
    """The compact JSON text every keapsim response body is written in."""
    return json.dumps(body, separators=(",", ":"))


# The two refresh-token bodies of ``/token`` observed in the wild (facts §2.1): the first for a
# refresh token Keap cannot use at all, the second for one already used. The OAuth pages send
# them; fault rules can replay the second (canned ``invalid_grant``).
MISSING_REFRESH_TOKEN = {"error": "invalid_request", "error_description": "Invalid Refresh Token"}
INVALID_REFRESH_TOKEN = {"error": "invalid_grant", "error_description": "Invalid refresh token"}

"""Bodies that Keap's gateway (Apigee) answers before any routing (keap-facts.md §5.1)."""

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
    text = json.dumps(body, separators=(",", ":"))
    return Response(text, status=status, headers=headers, content_type=content_type)


def fault(faultstring: str, errorcode: str) -> dict:
    return {"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}


MISSING_TOKEN = fault("Invalid access token", "oauth.v2.InvalidAccessToken")
INVALID_TOKEN = fault("Invalid Access Token", "keymanagement.service.invalid_access_token")
EXPIRED_TOKEN = fault("Access Token expired", "keymanagement.service.access_token_expired")
# The current (2025) throttling body; note that ``code`` is a string (facts §5.1).
THROTTLED = {
    "code": "429",
    "message": "Quota Exceeded",
    "status": "Request Throttled",
    "details": None,
}

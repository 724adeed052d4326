"""Bodies that Keap's gateway (Apigee) answers before any routing (keap-facts.md §5.1)."""

from __future__ import annotations

from typing import Any

# json_response and JSON live in the neutral wire module; re-exported for the adapters.
from ..wire import JSON, json_response

__all__ = [
    "EXPIRED_TOKEN",
    "INVALID_TOKEN",
    "JSON",
    "MISSING_TOKEN",
    "THROTTLED",
    "fault",
    "json_response",
]


def fault(faultstring: str, errorcode: str) -> dict[str, Any]:
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

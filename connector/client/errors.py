"""What a Keap call can end in besides a response: the errors the connector tells apart
(LeadConduit's ``error`` when transient, ``failure`` otherwise) and a lost response that
turned out to have taken effect."""

from __future__ import annotations

from typing import Any

import httpx


class KeapError(Exception):
    """Base class; ``transient`` tells LeadConduit's error (True) from failure (False)."""

    transient = True

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class KeapRejected(KeapError):
    """Keap answered 4xx (other than 401/403/429): the request itself is wrong."""

    transient = False


class KeapAuthFailed(KeapError):
    """401/403 after a refresh attempt, or credentials that cannot be refreshed."""


class KeapUnavailable(KeapError):
    """5xx, 429 or a transport problem that outlasted the retries."""


class KeapRecovered(Exception):  # not an error: the request turned out to be done
    """A request that is unsafe to repeat lost its answer, and ``recover`` found it took effect.

    ``value`` is what ``recover`` returned (e.g. the id of the contact the lost create made).
    """

    def __init__(self, value: Any) -> None:
        super().__init__("the request took effect although its response was lost")
        self.value = value


def error_message(response: httpx.Response) -> str:
    """Pull the human message out of Keap's three error envelopes (v1, v2, gateway)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        fault = body.get("fault")
        if isinstance(fault, dict):
            code = (fault.get("detail") or {}).get("errorcode")
            return f"{fault.get('faultstring', 'gateway fault')}" + (f" ({code})" if code else "")
        if body.get("message"):
            return str(body["message"])
        if body.get("error"):
            return str(body.get("error_description") or body["error"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def response_body(response: httpx.Response) -> Any:
    """The response's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None

"""Request body size: a cap, and the 413 that answers a body over it.

No source shows the limit of Keap's own gateway or its body for an oversized request. Keap's
gateway is Apigee (keap-facts.md §5.1), whose documented request payload limit is 10 MB and
whose error for a bigger body is a 413 with the fault ``protocol.http.TooBigBody``
("Body buffer overflow"); keapsim answers with that fault (docs/limits.md says so).

The cap is enforced twice: here, from ``Content-Length`` and while reading a streamed body (the
in-process transports and every stage behind this one), and by waitress before it reads a body
over a socket (``keapsim.server``), so that an oversized body never reaches memory.
"""

from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from ..wire import json_response
from .pipeline import Handler
from .responses import fault

MAX_BODY_BYTES = 10 * 1024 * 1024
"""The largest request body keapsim reads (10 MiB)."""

TOO_BIG_BODY = fault("Body buffer overflow", "protocol.http.TooBigBody")


def too_big_response() -> Response:
    return json_response(TOO_BIG_BODY, 413)


class LimitBody:
    """Gateway stage (the first): a body over ``max_bytes`` is refused with a 413 before any
    stage reads it; a streamed body (no ``Content-Length``) is cut off at the cap."""

    def __init__(self, max_bytes: int = MAX_BODY_BYTES) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.max_bytes = max_bytes

    def __call__(self, request: Request, call_next: Handler) -> Response:
        # Without a CONTENT_LENGTH variable werkzeug's content_length is None whatever else
        # the request says; a GET skips building the header view to find that out.
        length = request.content_length if "CONTENT_LENGTH" in request.environ else None
        if length is not None and length > self.max_bytes:
            return too_big_response()
        # werkzeug raises RequestEntityTooLarge when a streamed body grows past this.
        request.max_content_length = self.max_bytes
        try:
            return call_next(request)
        except RequestEntityTooLarge:
            return too_big_response()

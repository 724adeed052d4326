"""Wire helpers that the gateway, the API adapters and the OAuth pages all send: compact JSON
responses and the bodies more than one of them answers with.

A neutral leaf (werkzeug only, no Flask app, no keapsim imports), so that the gateway can
answer in Keap's shapes without importing the adapters above it.

JSON is encoded with orjson (about 5x the standard library's speed on a contact body) but must
come out byte for byte as ``json.dumps(body, separators=(",", ":"))`` did, so that recorded
cassettes and clients that compare bodies see no change: key order kept, no spaces, non-ASCII
escaped as ``\\uXXXX``. orjson writes non-ASCII as UTF-8 and refuses what the standard library
accepts (non-string keys, integers beyond 64 bits, unknown types), so such bodies — rare, and
detected cheaply — take the standard library's path. Known remaining difference: a float below
1e-4 is written ``0.00001`` rather than ``1e-05`` and NaN as ``null`` (the same value for JSON
readers; keapsim's shapes carry money as ``Decimal`` strings, never small floats).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson
from werkzeug.http import http_date
from werkzeug.wrappers import Response

JSON = "application/json"

# Dates and dataclasses go to ``default`` as they do with the standard library: orjson's own
# renderings of them (ISO dates; Flask's default writes HTTP dates) differ.
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _no_default(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_compact(body: object, default: Callable[[Any], Any] | None = None) -> bytes:
    """``json.dumps(body, separators=(",", ":"), default=default)`` as UTF-8 bytes, faster."""
    try:
        encoded = orjson.dumps(body, default=default or _no_default, option=_PASSTHROUGH)
    except TypeError:  # orjson.JSONEncodeError is a TypeError: let the standard library decide
        encoded = b""
    if encoded and encoded.isascii():
        return encoded
    text = json.dumps(body, separators=(",", ":"), default=default)
    return text.encode("ascii")  # ensure_ascii: the text is pure ASCII


_SURROGATE = re.compile("[\ud800-\udfff]")
# An ASCII JSON text can produce a lone surrogate only through a \uD800-\uDFFF escape, so such
# texts without the escape skip the walk over the parsed value.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def nesting_depth(value: Any, stop_at: int) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), counted
    without recursion; stops counting once past ``stop_at``."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_at:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def has_lone_surrogate(value: Any, raw: bytes | None = None) -> bool:
    """Whether a parsed JSON value holds a string (or key) with an unpaired UTF-16 surrogate
    (``"\\ud800"``): text that is not Unicode, which no UTF-8 file, page or response can
    carry. ``raw``, the JSON text it came from, lets an ASCII text without the escape skip the
    walk. Only ASCII: ``json.loads`` decodes bytes with ``surrogatepass``, so a surrogate
    written as raw UTF-8 (``ED A0 80``) or in a UTF-16 text comes through without an escape.

    Iterative, so a deeply nested value cannot exhaust the stack."""
    if raw is not None and raw.isascii() and not _SURROGATE_ESCAPE.search(raw):
        return False
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def json_response(
    body: object,
    status: int,
    headers: dict[str, str] | None = None,
    content_type: str = JSON,
) -> Response:
    """Compact JSON, as Keap sends it (its 61-byte malformed-JSON body has no spaces)."""
    return Response(dumps_compact(body), status=status, headers=headers, content_type=content_type)


def flask_default(value: object) -> Any:
    """What Flask's JSON provider writes for values JSON has no type for (its ``_default``):
    the API adapters' bodies came out of ``flask.jsonify`` and keep its renderings."""
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """``flask.jsonify`` without an app: the API adapters answer outside Flask's contexts
    (``keapsim/app.py``). Same bytes as Flask's compact, unsorted output (and its trailing
    newline); one argument is the body, several a list, keywords an object."""
    if args and kwargs:
        raise TypeError("jsonify() takes either positional or keyword arguments, not both")
    body = args[0] if len(args) == 1 else args or kwargs
    # content_type, not mimetype: the same header (werkzeug adds no charset to JSON) without
    # working it out per response.
    return Response(dumps_compact(body, flask_default) + b"\n", content_type=JSON)


def json_text(body: object) -> str:
    """The compact JSON text every keapsim response body is written in (as text)."""
    return dumps_compact(body).decode("ascii")


# The two refresh-token bodies of ``/token`` observed in the wild (facts §2.1): the first for a
# refresh token Keap cannot use at all, the second for one already used. The OAuth pages send
# them; fault rules can replay the second (canned ``invalid_grant``).
MISSING_REFRESH_TOKEN = {"error": "invalid_request", "error_description": "Invalid Refresh Token"}
INVALID_REFRESH_TOKEN = {"error": "invalid_grant", "error_description": "Invalid refresh token"}

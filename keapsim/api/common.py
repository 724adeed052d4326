"""What both API versions share: reading JSON bodies and parameters, the caller's tenant.

Adapter code raises :class:`BadInput` (or a domain error); each version's error handler turns it
into that version's body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from ..context import current_request
from ..gateway import principal_of
from ..store import Invalid, Tenant
from ..store.due import catch_up
from ..store.errors import UNCONVERTIBLE
from ..wire import has_lone_surrogate

# An optional minus and decimal digits: exactly what int() takes. ``str.isdigit`` would also
# pass superscripts ("²") and a doubled sign would get through ``lstrip("-")``; int() rejects
# both, which used to surface as a 500 (so did a text longer than int()'s 4,300 digits).
_INTEGER_TEXT = re.compile(r"-?\d+")


class BadInput(Invalid):
    """Malformed JSON, a wrong type or a bad parameter (400 in both versions)."""


def compact(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without its unset (``None``) values: the shape keapsim sends where no captured
    body shows Keap's. Where one does (v1 contacts, opportunities, custom-field metadata,
    tag categories: keap-facts.md §9), the shape sends Keap's nulls and does not compact."""
    return {k: v for k, v in body.items() if v is not None}


def pick(item: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The ``keys`` of ``item`` that have a value (not ``None``)."""
    return {k: item[k] for k in keys if item.get(k) is not None}


def tenant() -> Tenant:
    # The request read without keapsim.context's proxy, here and in every helper below:
    # ``current_request`` is one context-variable read, an attribute read through the proxy
    # about a microsecond, and a v1 list reads the request a dozen times (issue 18).
    return principal_of(current_request()).tenant


def catch_up_clock() -> None:
    """Before any v1 or v2 route runs (a ``before_request`` of both blueprints), the tenant
    catches up with the clock: payment plans charge and subscriptions bill what is due, so
    what a client reads reflects every due date passed (O(log n) when nothing is due;
    ``keapsim/store/due.py``)."""
    catch_up(tenant())


def json_body(*, kind: type = dict, required: bool = True) -> Any:
    """The request body as JSON of ``kind``. Keap answers malformed JSON and wrong types with
    400 "Input could not be converted to a valid request" (facts §5.2)."""
    raw = current_request().get_data(cache=True)
    if not raw.strip():
        if required:
            raise BadInput(UNCONVERTIBLE)
        return kind()
    body = _parsed(raw)
    if not isinstance(body, kind):
        raise BadInput(UNCONVERTIBLE)
    return body


# A run of 19 digits may be an integer beyond 64 bits, which orjson reads as a float where the
# standard library keeps an int (18 digits are below 2**63).
_LONG_DIGITS = re.compile(rb"\d{19}")


def _parsed(raw: bytes) -> Any:
    """``json.loads(raw)``, refusing text that is not Unicode, through orjson where the two
    agree (about 4 µs less on a contact body, issue 18).

    orjson refuses what the standard library reads its own way (NaN and Infinity, a UTF-8
    byte-order mark, UTF-16 and UTF-32 text, lone surrogates, nesting past 1,024, numbers
    beyond a float) and reads integers past 64 bits as floats: such texts take the standard
    library's path, so the result (or the 400) is the standard library's.
    tests/api_v1/test_v1_json_body.py compares the two."""
    if not _LONG_DIGITS.search(raw):
        try:
            return orjson.loads(raw)  # it refuses lone surrogates, escaped or not
        except orjson.JSONDecodeError:
            pass
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        raise BadInput(UNCONVERTIBLE) from None
    # "\ud800" is valid JSON but not text: stored, it would break every later save and page.
    if has_lone_surrogate(body, raw):
        raise BadInput(UNCONVERTIBLE)
    return body


def listed_param(name: str) -> set[str] | None:
    """The names in a query parameter that may repeat and may list several, comma-separated;
    ``None`` when the parameter is absent."""
    served = current_request()
    if not served.environ.get("QUERY_STRING"):
        return None  # no query: skip building request.args (most requests, e.g. a GET by id)
    raw = served.args.getlist(name)
    if not raw:
        return None
    return {p.strip() for item in raw for p in item.split(",") if p.strip()}


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """An integer from JSON or a query string; bools and floats are not integers."""
    if isinstance(value, bool):
        raise BadInput(UNCONVERTIBLE, field=name)
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and len(value) <= 40 and _INTEGER_TEXT.fullmatch(value.strip()):
        result = int(value)
    else:
        raise BadInput(UNCONVERTIBLE, field=name)
    if minimum is not None and result < minimum:
        raise BadInput(f"{name} must be at least {minimum}", field=name)
    if not -(2**63) <= result < 2**63:
        raise BadInput(UNCONVERTIBLE, field=name)
    return result


def query_int(name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
    value = current_request().args.get(name)
    if value is None or value == "":
        return default
    return as_int(value, name, minimum=minimum)


def as_datetime(value: Any, name: str, *, naive_as_utc: bool = False) -> datetime:
    """An ISO 8601 date-time (``Z``, ``+00:00`` or v1's ``+0000``). One without an offset is
    refused, or read as UTC with ``naive_as_utc`` (query filters: the zone of Keap's own
    timestamps)."""
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=name)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(UNCONVERTIBLE, field=name) from None
    if moment.tzinfo is None:
        if not naive_as_utc:
            raise BadInput(UNCONVERTIBLE, field=name)
        moment = moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)  # answers show times in UTC: one beyond year 1..9999 is unusable
    except OverflowError:
        raise BadInput(UNCONVERTIBLE, field=name) from None
    return moment


def query_time(name: str) -> datetime | None:
    """A time filter from the query string; a date or a time without an offset is UTC."""
    value = current_request().args.get(name)
    if not value:
        return None
    return as_datetime(value, name, naive_as_utc=True)


def as_str(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=name)
    return value


def as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadInput(UNCONVERTIBLE, field=name)


def id_list(values: Any, name: str) -> list[int]:
    """A JSON list of ids (ints or numeric strings) or a comma-separated string."""
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    if not isinstance(values, list):
        raise BadInput(UNCONVERTIBLE, field=name)
    return [as_int(v.strip() if isinstance(v, str) else v, name) for v in values]


def path_id(value: str, kind: str) -> int:
    """A numeric id from the path. A non-numeric one cannot exist, so it is a 404."""
    from ..store import NotFound

    if not value.isdecimal() or len(value) > 18:
        raise NotFound(kind, value)
    return int(value)

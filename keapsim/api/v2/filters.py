"""v2 list parameters: ``filter`` (``field==value`` clauses joined by ``;``) and ``order_by``
(``field`` or ``field asc|desc``), as the v2 document describes them on every list operation."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ...context import request
from ...datarecord import record_class
from ..common import BadInput, listed_param

T = TypeVar("T")

# Longest operators first, so that ``>=`` is not read as ``>`` followed by ``=value``.
OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
_CLAUSE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(==|!=|>=|<=|>|<)(.*)$")
NONE = "NONE"  # ``field==NONE`` asks for records without the field (v2 document).


@record_class(frozen=True)
class Clause:
    field: str
    op: str
    value: str


def parse_filter(
    allowed: Mapping[str, Iterable[str]], any_case: Mapping[str, Iterable[str]] | None = None
) -> list[Clause]:
    """The request's ``filter`` as clauses; ``allowed`` maps a field to its operators.

    ``any_case`` maps casefolded names (custom fields: "case-insensitive", v2 document) to
    their operators; such a clause comes back with the casefolded name. A field of
    ``allowed`` takes precedence. An unknown field, a disallowed operator or an unparseable
    clause is a 400.
    """
    any_case = any_case or {}
    raw = request.args.get("filter")
    if not raw:
        return []
    clauses = []
    for part in raw.split(";"):
        if not part.strip():
            continue  # the document's own examples end with a trailing ';'
        found = _CLAUSE.match(part)
        if found is None:
            raise BadInput(f"Invalid filter: {part}", field="filter")
        name, op, value = found.group(1), found.group(2), found.group(3).strip()
        if name not in allowed and name.casefold() in any_case:
            name = name.casefold()
            allowed = {**allowed, name: any_case[name]}
        if name not in allowed:
            raise BadInput(f"Invalid filter field: {name}", field="filter")
        if op not in allowed[name]:
            raise BadInput(f"Operator {op} is not supported for {name}", field="filter")
        clauses.append(Clause(name, op, value))
    return clauses


EQ = ("==",)
COMPARE = OPERATORS


def text_matches(
    actual: str | None, wanted: str, *, wildcard: bool = True, contains: bool = False
) -> bool:
    """Case-insensitive equality; a trailing ``*`` is a prefix match; ``NONE`` asks for an
    empty value."""
    if wanted == NONE:
        return not actual
    have = (actual or "").casefold()
    if wildcard and wanted.endswith("*"):
        return have.startswith(wanted[:-1].casefold())
    if contains:
        return wanted.casefold() in have
    return have == wanted.casefold()


def compare(actual: Any, op: str, wanted: Any) -> bool:
    if actual is None:
        return op == "!="
    return {
        "==": actual == wanted,
        "!=": actual != wanted,
        ">": actual > wanted,
        "<": actual < wanted,
        ">=": actual >= wanted,
        "<=": actual <= wanted,
    }[op]


def timestamp(value: str, name: str, *, field: str = "filter") -> datetime:
    """An ISO-8601 date-time with an offset (``2025-04-16T20:33:02.321Z``)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"Invalid date-time for {name}: {value}", field=field) from None
    if parsed.tzinfo is None:
        raise BadInput(f"Invalid date-time for {name}: {value}", field=field)
    return parsed


def to_millis(moment: datetime) -> datetime:
    """Keap's timestamps carry milliseconds; a bound copied from a response must match the
    record it came from, so comparisons happen at that precision."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def positive_int(value: str, name: str) -> int:
    """Ids in filters are positive integers; "Values that are zero, negative, or non-integer
    return a 400" (v2 document, lead source filter)."""
    if not value.isdecimal() or len(value) > 18 or int(value) <= 0:
        raise BadInput(f"Invalid value for {name}: {value}", field="filter")
    return int(value)


def id_set(value: str, name: str) -> set[int]:
    return {positive_int(v.strip(), name) for v in value.split(",") if v.strip()}


def order_by(keys: Collection[str]) -> tuple[str, bool] | None:
    """The request's ``order_by`` as (field, descending), ``None`` when absent; a field outside
    ``keys`` or a direction other than asc/desc is a 400."""
    raw = (request.args.get("order_by") or "").strip()
    if not raw:
        return None
    # A '+' is a space left encoded by some clients ("email+desc").
    parts = raw.replace("+", " ").split() or [""]
    name = parts[0]
    direction = parts[1].lower() if len(parts) > 1 else "asc"
    if name not in keys or direction not in ("asc", "desc") or len(parts) > 2:
        raise BadInput(
            f"Invalid order_by: {raw}. One of {', '.join(keys)} with asc or desc", field="order_by"
        )
    return name, direction == "desc"


def ordered(
    items: Sequence[T], keys: Mapping[str, Callable[[T], Any]], default: str = "id"
) -> list[T]:
    """``items`` sorted by the request's ``order_by`` (``field`` or ``field asc|desc``).

    Sorting is stable and ``items`` come in id order, so ties stay in id order.
    """
    requested = order_by(keys)
    if requested is None:
        return list(items) if default not in keys else sorted(items, key=keys[default])
    name, descending = requested
    key = keys[name]
    present = [i for i in items if key(i) is not None]
    missing = [i for i in items if key(i) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _known_names(param: str, allowed: Iterable[str]) -> set[str] | None:
    """The names listed in ``param``; a blank one (``update_mask=``, as clients that serialise an
    empty list send it) counts as absent, as it does in v1, rather than selecting nothing."""
    names = listed_param(param)
    unknown = (names or set()) - set(allowed)
    if unknown:
        raise BadInput(f"Invalid {param}: {', '.join(sorted(unknown))}", field=param)
    return names or None


def masked(
    changes: dict[str, Any],
    mask: set[str] | None,
    store_names: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """The ``changes`` that ``mask`` (from :func:`update_mask`) covers, all of them without a
    mask; ``store_names`` maps a mask name to the store fields it covers where they differ."""
    if mask is None:
        return changes
    renamed = store_names or {}
    covered = {store for name in mask for store in renamed.get(name, (name,))}
    return {k: v for k, v in changes.items() if k in covered}


def requested_fields(available: Iterable[str]) -> set[str] | None:
    """The ``fields`` parameter (comma-delimited, may repeat) or None when absent."""
    return _known_names("fields", available)


def update_mask(allowed: Iterable[str]) -> set[str] | None:
    """``update_mask`` (repeated or comma-delimited) or None when absent; names outside the
    document's enum are a 400."""
    return _known_names("update_mask", allowed)

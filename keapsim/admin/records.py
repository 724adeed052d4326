"""The dashboard's records views: every registered store of a tenant (``Tenant.STORES``) with its
record count, and a page per store with its newest records.

Nothing here names a resource: the columns are chosen from the record dataclass's fields (names
first, then email-like fields, then other short text, then the last-change time), so a store
registered tomorrow shows up without code of its own.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from ..store.base import Query

if TYPE_CHECKING:
    from ..store import Tenant
    from ..store.resource import RecordStore

PAGE_SIZE = 50
MAX_COLUMNS = 5
CELL_CHARS = 80  # a long value (a webform's HTML, a note body) is cut, never shown whole

# Field names a person reads a record by, best first; then any ``*_name`` / ``*title*`` field.
NAME_FIELDS = (
    "name",
    "label",
    "given_name",
    "family_name",
    "company_name",
    "opportunity_title",
    "subject",
    "key",
)
NAMES, OTHER_NAMES, EMAILS, TEXT, OTHER = 0, 10, 20, 30, 40
NAMES_FIRST = 2  # at most this many name columns before an email-like one
SCALARS = (str, int, float, Decimal, bool, date, datetime)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label: str


def store_rows(tenant: Tenant) -> list[dict[str, Any]]:
    """Every registered store of ``tenant`` in registry order, with its record count (a store
    the tenant has not built yet is empty: counted without building it)."""
    rows = []
    for name in tenant.STORE_NAMES:
        store = tenant.built(name)
        rows.append(
            {"name": name, "label": display_name(name), "count": 0 if store is None else len(store)}
        )
    return rows


def display_name(name: str) -> str:
    """``custom_field_tabs`` → ``custom field tabs``."""
    return name.replace("_", " ")


@cache
def columns_of(record_type: type) -> tuple[Column, ...]:
    """Up to :data:`MAX_COLUMNS` readable fields of a record dataclass (``id`` is always shown
    apart): two name-like fields, an email-like one, other text, then the last-update time.
    A record type may name its own (``dashboard_columns``: fields or properties, such as an
    order's computed status and total)."""
    chosen_by_type = getattr(record_type, "dashboard_columns", None)
    if chosen_by_type:
        return tuple(Column(name, display_name(name)) for name in chosen_by_type)
    kinds = _field_kinds(record_type)
    ranks = {name: _rank(name, kind) for name, kind in kinds.items() if name != "id"}
    order = list(kinds)
    ranked = sorted(
        ((rank, name) for name, rank in ranks.items() if rank is not None),
        key=lambda pair: (pair[0], order.index(pair[1])),
    )
    updated = _update_time_field(kinds)
    names = [name for rank, name in ranked if rank < EMAILS][:NAMES_FIRST]
    emails = [name for rank, name in ranked if rank == EMAILS][:1]
    rest = [name for _, name in ranked if name not in names + emails + [updated]]
    room = MAX_COLUMNS - (1 if updated else 0)
    chosen = (names + emails + rest)[:room] + ([updated] if updated else [])
    return tuple(Column(name, display_name(name)) for name in chosen)


def _field_kinds(record_type: type) -> dict[str, Any]:
    """Field name → its resolved type (the annotation's text when it cannot be resolved)."""
    try:
        hints = typing.get_type_hints(record_type)
    except (NameError, TypeError):  # an annotation naming a type only imported for checking
        hints = {}
    return {f.name: hints.get(f.name, f.type) for f in dataclasses.fields(record_type)}


def _options(kind: Any) -> tuple[Any, ...]:
    """The types a field may hold: ``str | None`` → ``(str, NoneType)``."""
    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    return typing.get_args(kind) if union else (kind,)


def _scalar(kind: Any) -> bool:
    """A plain value (``str``, ``int | None``, ``datetime`` ...), not a list or a mapping."""
    values = [o for o in _options(kind) if o is not type(None)]
    return bool(values) and all(isinstance(o, type) and issubclass(o, SCALARS) for o in values)


def _text(kind: Any) -> bool:
    return str in _options(kind)


def _rank(name: str, kind: Any) -> int | None:
    """Lower is shown first; ``None``: never shown (nested objects other than email ones)."""
    if "email" in name:
        return EMAILS
    if not _scalar(kind):
        return None
    if name in NAME_FIELDS:
        return NAMES + NAME_FIELDS.index(name)
    if name.endswith("_name") or "title" in name:
        return OTHER_NAMES
    if _text(kind) and not name.endswith(("_id", "_by")):
        return TEXT
    return OTHER


def _update_time_field(kinds: dict[str, Any]) -> str | None:
    for name, kind in kinds.items():
        if "updat" in name and _scalar(kind) and not _text(kind):
            return name
    return None


def cell(value: Any) -> str:
    """A value as short text (Jinja escapes it when the page is rendered)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str | int | float | Decimal | date):
        text = str(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def row_cells(record: Any, columns: tuple[Column, ...]) -> list[str]:
    return [cell(getattr(record, column.name)) for column in columns]


def newest_records(store: RecordStore[Any], page: int) -> list[Any]:
    """One page of a store's records, newest (highest id) first: an O(page + log n) slice."""
    start = (page - 1) * PAGE_SIZE
    return list(store.select(Query(descending=True))[start : start + PAGE_SIZE])

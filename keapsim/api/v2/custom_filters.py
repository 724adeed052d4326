"""v2 ``filter`` clauses on custom fields, for every record type that has them: a custom field
is named by its ``field_name`` (case-insensitive; a standard filter of the same name wins), and
the operators depend on its type (the v2 document, ``filter`` of GET /contacts, /companies and
/opportunities): numeric and date fields compare (``== > < >= <=``), the others match text
(``==``, a trailing ``*`` is a prefix match).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from ...store.records import CustomField
from ..common import BadInput
from ..custom_values import HasCustomFields
from .filters import COMPARE, EQ, NONE, compare, text_matches, timestamp

# v1 spellings of the custom field types whose filters compare.
NUMERIC_CUSTOM_TYPES = frozenset(
    {"WholeNumber", "DecimalNumber", "Currency", "Percent", "Year", "Month", "DayOfWeek", "User"}
)
DATE_CUSTOM_TYPES = frozenset({"Date", "DateTime"})

Test = Callable[[HasCustomFields], bool]


def by_field_name(fields: Iterable[CustomField]) -> dict[str, CustomField]:
    """Custom fields by their casefolded ``field_name`` (how a filter names them)."""
    return {f.field_name.casefold(): f for f in fields}


def operators(custom: dict[str, CustomField]) -> dict[str, tuple[str, ...]]:
    """The operators each custom field takes, for :func:`~.filters.parse_filter`."""
    comparable = NUMERIC_CUSTOM_TYPES | DATE_CUSTOM_TYPES
    return {name: COMPARE if f.field_type in comparable else EQ for name, f in custom.items()}


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    """A stored custom date value as an aware datetime (a bare date counts as UTC midnight)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def custom_field_test(field: CustomField, op: str, value: str) -> Test:
    """A predicate on a record's value of ``field``."""
    if field.field_type in NUMERIC_CUSTOM_TYPES and value != NONE:
        wanted = _number(value)
        if wanted is None:
            raise BadInput(f"Invalid value for {field.field_name}: {value}", field="filter")

        def numeric(record: HasCustomFields) -> bool:
            have = _number(record.custom_fields.get(field.id))
            return have is not None and compare(have, op, wanted)

        return numeric
    if field.field_type in DATE_CUSTOM_TYPES and value != NONE:
        moment = timestamp(value, field.field_name)

        def dated(record: HasCustomFields) -> bool:
            have = _moment(record.custom_fields.get(field.id))
            return have is not None and compare(have, op, moment)

        return dated

    def textual(record: HasCustomFields) -> bool:
        have = record.custom_fields.get(field.id)
        return text_matches(None if have is None else str(have), value)

    return textual

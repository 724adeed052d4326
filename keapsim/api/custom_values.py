"""Custom-field values on the wire, for any record type that carries them (both versions send
``custom_fields: [{id, content}]``; v1 ids are numbers, v2 ids strings).

A record of a type lists every custom field of that type, with ``content`` null where it has
no value (as contacts do); the values a write gives replace those stored, the others stay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..store import Tenant
from .common import UNCONVERTIBLE, BadInput


class HasCustomFields(Protocol):
    @property
    def custom_fields(self) -> dict[int, Any]: ...


def custom_values_in(value: Any, id_of: Callable[[Any, str], int]) -> dict[int, Any]:
    """``[{id, content}]`` → ``{id: content}``; ``id_of`` reads the version's id."""
    if value is None:
        return {}
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadInput(UNCONVERTIBLE, field="custom_fields")
    return {id_of(item.get("id"), "custom_fields.id"): item.get("content") for item in value}


def custom_values_out(
    record: HasCustomFields,
    tenant: Tenant,
    record_type: str,
    id_out: Callable[[int], Any] = int,
) -> list[dict[str, Any]]:
    """Every custom field of ``record_type`` with the record's value (null without one)."""
    return [
        {"id": id_out(field.id), "content": record.custom_fields.get(field.id)}
        for field in tenant.custom_fields.of_record_type(record_type)
    ]

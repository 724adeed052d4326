"""Declared resources: what a plain resource looks like on the wire, from which each version's
package generates its list / get / create / update / delete routes
(``keapsim/api/v1/declared.py``, ``keapsim/api/v2/declared.py``).

A declaration names the tenant store (a :class:`~keapsim.store.resource.DeclaredStore`), the
wire name of each field per version, which fields v2 lists may filter and order by, and the
routes each version has. Hand-written adapters remain for what Keap does beyond CRUD. The
recipe is in ``docs/design/store.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ..clock import iso
from ..store.resource import ResourceSpec
from .common import UNCONVERTIBLE, BadInput, as_bool, as_int, as_str, compact

Version = Literal["v1", "v2"]
Operation = Literal["list", "get", "create", "update", "delete"]
CRUD: frozenset[Operation] = frozenset({"list", "get", "create", "update", "delete"})
SAME = "\0same"  # a field's wire name equals its store name


@dataclass(frozen=True, slots=True)
class WireField:
    """One store field on the wire. ``v1``/``v2`` give its wire name (``None``: the version
    does not show it); ``filters`` the v2 ``filter`` operators it takes; ``order`` whether v2
    ``order_by`` takes it; ``out`` a converter for the answer (by type when absent)."""

    name: str
    v1: str | None = SAME
    v2: str | None = SAME
    writable: bool = True
    filters: tuple[str, ...] = ()
    order: bool = False
    out: Callable[[Any], Any] | None = None

    def wire(self, version: Version) -> str | None:
        name = self.v1 if version == "v1" else self.v2
        return self.name if name == SAME else name


@dataclass(frozen=True, slots=True)
class Routes:
    """One version's routes of a resource: ``path`` of the collection (items are
    ``path/<id>``), ``collection`` the key of a list body, and the operations that version's
    document has (no route is made for the others)."""

    path: str
    collection: str
    operations: frozenset[Operation] = CRUD
    create_status: int = 201


@dataclass(frozen=True, slots=True)
class ApiResource:
    store: str  # the tenant store's registered name
    spec: ResourceSpec
    fields: tuple[WireField, ...]
    v1: Routes | None = None
    v2: Routes | None = None
    default_order: str = "id"  # v2's order without ``order_by``

    @property
    def kind(self) -> str:
        return self.spec.kind

    def wire_fields(self, version: Version) -> list[tuple[str, WireField]]:
        return [(wire, f) for f in self.fields if (wire := f.wire(version)) is not None]

    def store_type(self, field: WireField) -> type:
        if field.name == "id":
            return int
        return self.spec.field(field.name).type


# -- records out -----------------------------------------------------------------------------
def record_out(resource: ApiResource, record: Any, version: Version) -> dict[str, Any]:
    """A record in ``version``'s shape (unset values left out, as Keap does)."""
    body: dict[str, Any] = {}
    for wire, field in resource.wire_fields(version):
        value = getattr(record, field.name)
        body[wire] = _out(value, field, version)
    return compact(body)


def _out(value: Any, field: WireField, version: Version) -> Any:
    if value is None:
        return None
    if field.out is not None:
        return field.out(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Decimal):
        # No official document gives money's JSON form for a declared resource; keapsim sends
        # a number with the value's own digits (declare ``out`` where a document says more).
        return float(value)
    if version == "v2" and (field.name == "id" or field.name.endswith("_id")):
        return str(value)  # v2 ids are strings on the wire
    return value


# -- bodies in -------------------------------------------------------------------------------
def body_in(resource: ApiResource, body: dict[str, Any], version: Version) -> dict[str, Any]:
    """The writable fields present in ``body``, converted to store names and types; a value
    of the wrong type is a 400 "Input could not be converted" (facts §5.2)."""
    values: dict[str, Any] = {}
    for wire, field in resource.wire_fields(version):
        if field.writable and field.name != "id" and wire in body:
            values[field.name] = _in(body[wire], wire, resource.store_type(field), version)
    return values


def _in(value: Any, wire: str, kind: type, version: Version) -> Any:
    if value is None:
        return None
    if kind is str:
        return as_str(value, wire)
    if kind is bool:
        return as_bool(value, wire)
    if kind is int:
        # v2 sends ids and numbers as strings or numbers; v1 as numbers (as_int takes both).
        return as_int(value, wire)
    if kind is Decimal:
        return _decimal(value, wire)
    if kind is datetime:
        return _datetime(value, wire)
    raise TypeError(f"no wire conversion for {kind.__name__} ({version} {wire})")


def _decimal(value: Any, wire: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(UNCONVERTIBLE, field=wire)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(UNCONVERTIBLE, field=wire) from None
    if not number.is_finite():
        raise BadInput(UNCONVERTIBLE, field=wire)
    return number


def _datetime(value: Any, wire: str) -> datetime:
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=wire)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(UNCONVERTIBLE, field=wire) from None
    if moment.tzinfo is None:
        raise BadInput(UNCONVERTIBLE, field=wire)
    return moment

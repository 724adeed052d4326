"""Declared resources: what a plain resource looks like on the wire, from which each version's
package generates its list / get / create / update / delete routes
(``keapsim/api/v1/declared.py``, ``keapsim/api/v2/declared.py``).

A declaration names the tenant store (a :class:`~keapsim.store.resource.DeclaredStore`), the
wire name of each field per version, which fields v2 lists may filter and order by (under the
field's wire name or, with :class:`ListKey`, under a name of Keap's own), and the routes each
version has. Nested values (lists of objects) declare their own converters (``into``/``out``).
Hand-written adapters remain for what Keap does beyond CRUD. The recipe is in
``docs/design/store.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ..clock import iso
from ..datarecord import record_class
from ..store.resource import DeclaredStore, ResourceSpec
from .common import UNCONVERTIBLE, BadInput, as_bool, as_datetime, as_int, as_str, compact, tenant
from .routing import ApiRoutes
from .v1.shapes import v1_time

Version = Literal["v1", "v2"]
Operation = Literal["list", "get", "create", "update", "delete"]
CRUD: frozenset[Operation] = frozenset({"list", "get", "create", "update", "delete"})
SAME = "\0same"  # a field's wire name equals its store name


@record_class(frozen=True)
class WireField:
    """One store field on the wire. ``v1``/``v2`` give its wire name (``None``: the version
    does not show it); ``filters`` the v2 ``filter`` operators it takes (``==`` on text; ids,
    numbers and times also compare); ``order`` whether v2 ``order_by`` takes it; ``out`` a
    converter for the answer and ``into`` one for a request value (``into(value, wire_name)``,
    raising :class:`~keapsim.api.common.BadInput`), both by type when absent."""

    name: str
    v1: str | None = SAME
    v2: str | None = SAME
    writable: bool = True
    filters: tuple[str, ...] = ()
    order: bool = False
    out: Callable[[Any], Any] | None = None
    into: Callable[[Any, str], Any] | None = None

    def wire(self, version: Version) -> str | None:
        name = self.v1 if version == "v1" else self.v2
        return self.name if name == SAME else name


@record_class(frozen=True)
class Routes:
    """One version's routes of a resource: ``path`` of the collection (items are
    ``path/<id>``), ``collection`` the key of a list body, and the operations that version's
    document has (no route is made for the others)."""

    path: str
    collection: str
    operations: frozenset[Operation] = CRUD
    create_status: int = 201


@record_class(frozen=True)
class ListKey:
    """A v2 ``filter`` or ``order_by`` name that is not the wire name of the store field it
    reads (Keap names some after the record: ``opportunity_stage_id`` for a stage's id,
    ``stage_order`` for its ``order``); ``ops`` are the filter operators it takes."""

    name: str
    field: str  # the store field
    ops: tuple[str, ...] = ("==",)


@record_class(frozen=True)
class ApiResource:
    store: str  # the tenant store's registered name
    spec: ResourceSpec
    fields: tuple[WireField, ...]
    v1: Routes | None = None
    v2: Routes | None = None
    default_order: str = "id"  # v2's order without ``order_by`` (a name ``order_by`` takes)
    filters: tuple[ListKey, ...] = ()  # v2 filter names besides the fields' own
    orders: tuple[ListKey, ...] = ()  # v2 order_by names besides the fields' own

    @property
    def kind(self) -> str:
        return self.spec.kind

    def wire_fields(self, version: Version) -> list[tuple[str, WireField]]:
        return [(wire, f) for f in self.fields if (wire := f.wire(version)) is not None]

    def filter_keys(self) -> dict[str, ListKey]:
        """Every v2 ``filter`` name → the store field it reads and its operators."""
        keys = {wire: ListKey(wire, f.name, f.filters) for wire, f in self.wire_fields("v2")}
        return {**{k: v for k, v in keys.items() if v.ops}, **{k.name: k for k in self.filters}}

    def order_keys(self) -> dict[str, str]:
        """Every v2 ``order_by`` name → the store field it orders by (``id`` always)."""
        keys = {wire: f.name for wire, f in self.wire_fields("v2") if f.order}
        return {**keys, **{k.name: k.field for k in self.orders}, "id": "id"}

    def store_type(self, field: WireField | str) -> type:
        """The type of a store field (by name or by its :class:`WireField`)."""
        name = field if isinstance(field, str) else field.name
        spec = self.spec
        if name == "id" or name in (spec.created_by, spec.updated_by):
            return int
        if name in (spec.created, spec.updated):
            return datetime
        return spec.field(name).type


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
        return v1_time(value) if version == "v1" else iso(value)
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
        if not field.writable or field.name == "id" or wire not in body:
            continue
        if field.into is not None:
            values[field.name] = field.into(body[wire], wire)
        else:
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
        return as_decimal(value, wire)
    if kind is datetime:
        return as_datetime(value, wire)
    raise TypeError(f"no wire conversion for {kind.__name__} ({version} {wire})")


def as_decimal(value: Any, wire: str) -> Decimal:
    """A number (money: kept as ``Decimal``). The documents type it as a double, so a value a
    double cannot hold (beyond ±1.8e308) is as unconvertible as a non-number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadInput(UNCONVERTIBLE, field=wire)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(UNCONVERTIBLE, field=wire) from None
    if not number.is_finite() or not math.isfinite(float(number)):
        raise BadInput(UNCONVERTIBLE, field=wire)
    return number


def declared_store(resource: ApiResource) -> DeclaredStore[Any]:
    """The request tenant's store of a declared resource."""
    store = tenant().store(resource.store)
    assert isinstance(store, DeclaredStore)
    return store


def add_operations(
    blueprint: ApiRoutes,
    resource: ApiResource,
    routes: Routes,
    views: dict[Operation, Callable[..., Any]],
    owner: str,
) -> None:
    """Register the views of the operations ``routes`` has: list and create on the collection,
    get, update (PATCH) and delete on ``path/<ident>``. ``owner`` is the declaring module
    (imported to serve the routes' family, :mod:`keapsim.api.routing`)."""
    item = f"{routes.path}/<ident>"
    places = {
        "list": (routes.path, "GET"),
        "create": (routes.path, "POST"),
        "get": (item, "GET"),
        "update": (item, "PATCH"),
        "delete": (item, "DELETE"),
    }
    for operation in sorted(routes.operations):
        path, method = places[operation]
        endpoint = f"{resource.store}_{operation}"
        blueprint.add_url_rule(path, endpoint, views[operation], methods=[method], owner=owner)

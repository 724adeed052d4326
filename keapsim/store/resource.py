"""Resource stores: the base class every resource family's store derives from, and the
declarative store for plain resources (fields, defaults, checks), so a resource without
Keap-specific behaviour needs a declaration, not code.

A store is reached from its tenant by its registered name (``tenant.contacts``); it reads like
a read-only mapping of its records by id (``len``, ``in``, ``[id]``, ``values()``, ``== {}``),
and its own methods do the writes. The recipe for adding a resource is in
``docs/design/store.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ..datarecord import record_class
from .base import Extra, Table
from .core import StoreCore
from .errors import UNCONVERTIBLE, Conflict, Invalid
from .indexes import Index
from .query import HasId, Query

if TYPE_CHECKING:
    from .tenant import Tenant

R = TypeVar("R", bound=HasId)


class RecordStore(Generic[R]):
    """One resource family's store. Subclasses set ``record_type`` and build their table in
    :meth:`make_table`; :meth:`attach` wires reactions to other stores (a deleted contact's
    notes go with it) once every store of the tenant exists."""

    record_type: ClassVar[type]

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.core: StoreCore = tenant.core
        self.table: Table[R] = self.make_table()

    def make_table(self) -> Table[R]:
        raise NotImplementedError

    def attach(self) -> None:
        """Subscribe to other stores (cascades); nothing by default."""

    def extras(self) -> list[Extra]:
        """State besides the records that snapshots must save (links); none by default."""
        return []

    # -- a read-only mapping of the records ---------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, ident: object) -> bool:
        return ident in self.table

    def __iter__(self) -> Iterator[int]:
        return iter(self.table.ids())

    def __getitem__(self, ident: int) -> R:
        record = self.table.get(ident)
        if record is None:
            raise KeyError(ident)
        return record

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordStore | Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by content

    def items(self) -> list[tuple[int, R]]:
        return [(record.id, record) for record in self.table.values()]

    def values(self) -> list[R]:
        return self.table.values()

    def keys(self) -> list[int]:
        return self.table.ids()

    # -- common operations --------------------------------------------------------------------
    def get(self, ident: int) -> R:
        """The record, or :class:`~keapsim.store.errors.NotFound` (a 404 in both versions)."""
        return self.table.fetch(ident)

    def find(self, ident: int | None) -> R | None:
        """The record, or ``None``."""
        return None if ident is None else self.table.get(ident)

    def exists(self, ident: int) -> bool:
        return ident in self.table

    def list(self) -> list[R]:
        """Every record in id order."""
        return self.table.values()

    def select(self, query: Query[R] | None = None) -> Sequence[R]:
        return self.table.select(query)

    def delete(self, ident: int) -> None:
        with self.core.write():
            self.check_delete(self.table.fetch(ident))
            self.table.remove(ident)

    def check_delete(self, record: R) -> None:
        """Refuse a delete that Keap refuses (raise a domain error); allowed by default."""

    def load(self, records: Sequence[R]) -> None:
        """Replace every record at once (snapshots): no events, indexes built in one pass."""
        with self.core.write():
            self.table.clear()
            self.table.load(records)

    def clear(self) -> None:
        with self.core.write():
            self.table.clear()


# -- declared resources ----------------------------------------------------------------------
@record_class(frozen=True)
class Field:
    """One field of a declared resource. ``reference`` names the store whose id the field
    holds: a write naming an id that store lacks is a 400."""

    name: str
    type: type = str
    required: bool = False
    default: Any = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    reference: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    factory: Callable[[], Any] | None = None  # a fresh default per record (a list, a dict)

    def initial(self) -> Any:
        """The value a new record gets when the field is not given."""
        return self.factory() if self.factory is not None else self.default


@record_class(frozen=True)
class ResourceSpec:
    """The store side of a declared resource (the API side is ``keapsim.api.crud``)."""

    record: type
    kind: str  # NotFound's wording: "Unable to find this <kind>"
    id_kind: str  # the id sequence (snapshots save it by this name)
    noun: str  # the change-event noun: "<noun>.add|edit|delete"
    fields: tuple[Field, ...]
    created: str | None = None  # a timestamp field set on create
    updated: str | None = None  # a timestamp field set on create and on every update
    created_by: str | None = None  # a user-id field set to the acting user on create
    updated_by: str | None = None  # a user-id field set to the acting user on every write
    indexes: Callable[[], list[Index[Any]]] = field(default=list)

    def field(self, name: str) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)


class DeclaredStore(RecordStore[R]):
    """create / get / update / delete / list for a :class:`ResourceSpec`; subclasses add only
    what Keap does beyond that (:meth:`check_delete`, :meth:`normalise`)."""

    spec: ClassVar[ResourceSpec]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__:
            cls.record_type = cls.spec.record

    def make_table(self) -> Table[R]:
        spec = self.spec
        return Table(
            self.core, kind=spec.kind, id_kind=spec.id_kind, noun=spec.noun, indexes=spec.indexes()
        )

    def create(self, *positional: Any, **values: Any) -> R:
        """A new record from field values (positional ones in declaration order)."""
        if len(positional) > len(self.spec.fields):
            raise TypeError(f"{self.spec.kind} has {len(self.spec.fields)} fields")
        names = [f.name for f in self.spec.fields][: len(positional)]
        values = {**dict(zip(names, positional, strict=True)), **values}
        unknown = set(values) - {f.name for f in self.spec.fields}
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}")
        filled = {
            f.name: values[f.name] if f.name in values else f.initial() for f in self.spec.fields
        }
        with self.core.write():
            now = self.core.now()
            filled = self.normalise(filled, None, now)
            for item in self.spec.fields:
                self._check(item, filled[item.name])
            stamps = self._stamps(now, created=True)
            record: R = self.spec.record(id=self.table.new_id(), **filled, **stamps)
            return self.table.add(record)

    def update(self, ident: int, **changes: Any) -> R:
        """Change the given fields (``None`` clears an optional one)."""
        with self.core.write():
            record = self.table.fetch(ident)
            for name in changes:
                try:
                    self.spec.field(name)
                except KeyError:
                    raise Invalid(f"Unknown field: {name}", field=name) from None
            now = self.core.now()
            changes = self.normalise(changes, record, now)
            for name, value in changes.items():
                self._check(self.spec.field(name), value)
            changes = {**changes, **self._stamps(now, created=False)}
            return self.table.replace(replace(record, **changes))  # type: ignore[type-var]

    def normalise(self, values: dict[str, Any], current: R | None, now: datetime) -> dict[str, Any]:
        """Keap's rules for the given field values before they are checked and stored (inside
        the write): ``current`` is the record an update changes, ``None`` on create; ``now``
        the write's time (its timestamps' too). Returns the values to store; a subclass raises
        a domain error for values Keap refuses."""
        return values

    def acting_user_id(self) -> int:
        """The user a write is made as: every key and token acts as the account owner
        (``keapsim/api/v1/users.py``, userinfo)."""
        return self.tenant.users.account_owner().id

    def _stamps(self, now: datetime, *, created: bool) -> dict[str, Any]:
        spec = self.spec
        stamps: dict[str, Any] = {}
        names = (spec.created, spec.updated) if created else (spec.updated,)
        stamps.update({name: now for name in names if name})
        users = (spec.created_by, spec.updated_by) if created else (spec.updated_by,)
        if any(users):
            user = self.acting_user_id()
            stamps.update({name: user for name in users if name})
        return stamps

    def _check(self, item: Field, value: Any) -> None:
        if value is None or value == "":
            if item.required:
                raise Invalid(f"{item.name} is required", field=item.name)
            return
        if not _of_type(value, item.type):
            raise Invalid(UNCONVERTIBLE, field=item.name)
        if item.max_length is not None and isinstance(value, str) and len(value) > item.max_length:
            raise Invalid(
                f"{item.name} exceeds the maximum length of {item.max_length}", field=item.name
            )
        if item.minimum is not None and value < item.minimum:
            raise Invalid(f"{item.name} must be at least {item.minimum}", field=item.name)
        if item.maximum is not None and value > item.maximum:
            raise Invalid(f"{item.name} must be at most {item.maximum}", field=item.name)
        if item.choices and value not in item.choices:
            raise Invalid(f"{item.name} must be one of {', '.join(item.choices)}", field=item.name)
        if item.reference is not None and value not in self.tenant.store(item.reference):
            raise Invalid(f"{item.name} {value} does not exist", field=item.name)


def _of_type(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is Decimal:
        return isinstance(value, Decimal)
    if kind is datetime:
        return isinstance(value, datetime)
    return isinstance(value, kind)


def refuse_if_used(count: int, kind: str, ident: int, users: str) -> None:
    """The Conflict a delete answers while other records still refer to the record."""
    if count:
        raise Conflict(
            f"{kind} {ident} is used by {count} {users}; move or delete them first",
            ident,
            kind=kind,
        )

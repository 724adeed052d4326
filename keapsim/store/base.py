"""The shared base of every resource store: tables of records with indexes, and the chunked
scan and lazy pages that read them (the lock is :class:`StoreCore`'s, ``core.py``).

Lock discipline (one rule for every store): a tenant has one ``RLock``. Writes hold it through
:meth:`StoreCore.write`, which also queues the write's change events and emits them after the
lock is released. Reads take it only for a page or an index slice: a page costs
O(page + log n), an indexed filter O(matches); a filter no index serves scans the records in
chunks, taking the lock per chunk, so a slow reader never holds it for a whole scan.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import field
from itertools import islice
from typing import Any, Generic, overload

from sortedcontainers import SortedList

from ..datarecord import record_class
from .core import StoreCore
from .errors import NotFound
from .events import ADD, DELETE, EDIT
from .indexes import HashIndex, Index, SortedIndex
from .query import HasId, Lookup, Query, R

# How many records an unindexed scan reads per turn of the lock.
SCAN_CHUNK = 2048


class Cascades(Generic[R]):
    """A table's ``on_remove``: what other stores do when one of its records goes (a deleted
    contact's notes go with it), called in order with the record.

    Stores are built on first use (``tenant.py``), so their ``attach`` runs in any order; each
    cascade still takes the place the registry rank of the store adding it gives (that store's
    ``core.attaching``; stable for one store's several cascades), which is the order in which a
    tenant that built every store at the start added them. Cascades record delete events, so
    their order is visible to hook subscribers: it must not depend on which store was used
    first. Copy-on-write tuples: a removal runs the cascades there were when it started (a store
    built during it was empty when the record went)."""

    __slots__ = ("_core", "_ranks", "callbacks")

    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._ranks: tuple[int, ...] = ()
        self.callbacks: tuple[Callable[[R], None], ...] = ()

    def append(self, callback: Callable[[R], None]) -> None:
        rank = self._core.attaching
        at = bisect_right(self._ranks, rank)
        self._ranks = (*self._ranks[:at], rank, *self._ranks[at:])
        self.callbacks = (*self.callbacks[:at], callback, *self.callbacks[at:])

    def __iter__(self) -> Iterator[Callable[[R], None]]:
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)


class Table(Generic[R]):
    """Records of one kind by id, their id order, and the indexes declared for them.

    Every mutating method must be called inside ``core.write()``; it records the change
    event (``<noun>.add|edit|delete``) so that every resource raises events without code of
    its own.
    """

    def __init__(
        self,
        core: StoreCore,
        *,
        kind: str,
        id_kind: str,
        noun: str,
        indexes: Iterable[Index[R]] = (),
    ) -> None:
        self.core = core
        self.kind = kind  # "Tag Category": NotFound's wording
        self.id_kind = id_kind  # "tag_category": the id sequence
        self.noun = noun  # "contactGroupCategory": the event noun
        self.indexes: dict[str, Index[R]] = {index.name: index for index in indexes}
        self._records: dict[int, R] = {}
        self._ids: SortedList[int] = SortedList()
        self.on_remove: Cascades[R] = Cascades(core)

    # -- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, ident: object) -> bool:
        return ident in self._records

    def get(self, ident: int) -> R | None:
        return self._records.get(ident)

    def fetch(self, ident: int) -> R:
        """The record, or :class:`NotFound` with the kind's wording."""
        try:
            return self._records[ident]
        except KeyError:
            raise NotFound(self.kind, ident) from None

    def ids(self) -> list[int]:
        with self.core.lock:
            return list(self._ids)

    def values(self) -> list[R]:
        """Every record in id order (a copy: safe to use without the lock)."""
        with self.core.lock:
            records = self._records
            return [records[i] for i in self._ids]

    def first(self, test: Callable[[R], bool]) -> R | None:
        """The first record (in id order) passing ``test``."""
        return next(iter(self.scan(test)), None)

    def index(self, name: str) -> Index[R]:
        return self.indexes[name]

    # -- writing ------------------------------------------------------------------------------
    def new_id(self) -> int:
        return self.core.next_id(self.id_kind)

    def add(self, record: R) -> R:
        self._put(record)
        self.core.record(f"{self.noun}.{ADD}", self.noun, record.id)
        return record

    def replace(self, record: R) -> R:
        """Store a changed copy of a record (records are replaced, not mutated in place, so a
        reader holding the old one sees a consistent record)."""
        old = self.fetch(record.id)
        for index in self.indexes.values():
            index.move(old, record)
        self._records[record.id] = record
        self.core.record(f"{self.noun}.{EDIT}", self.noun, record.id)
        return record

    def remove(self, ident: int) -> R:
        record = self.fetch(ident)
        del self._records[ident]
        self._ids.remove(ident)
        for index in self.indexes.values():
            index.discard(record)
        for cascade in self.on_remove.callbacks:  # a tuple: a store built meanwhile adds none
            cascade(record)
        self.core.record(f"{self.noun}.{DELETE}", self.noun, ident)
        return record

    def load(self, records: Iterable[R]) -> None:
        """Bulk-insert records (snapshots, seeding): no events, indexes built in one pass."""
        fresh = {record.id: record for record in records}
        self._records.update(fresh)
        self._ids = SortedList(self._records)
        shared: dict[object, object] = {}  # equal entries of different indexes: one object
        for index in self.indexes.values():
            index.rebuild(self._records.values(), shared)

    def clear(self) -> None:
        """Forget every record (a reset frees them at once, even if something still refers
        to this table)."""
        self._records.clear()
        self._ids = SortedList()
        for index in self.indexes.values():
            index.rebuild(())

    def _put(self, record: R) -> None:
        self._records[record.id] = record
        self._ids.add(record.id)
        for index in self.indexes.values():
            index.add(record)

    # -- listing ------------------------------------------------------------------------------
    def select(self, query: Query[R] | None = None) -> Sequence[R]:
        """The records a query selects, in its order. Without narrowing, a lazy window whose
        slices cost O(slice + log n); otherwise the matches as a list."""
        query = query or Query()
        if not query.narrows:
            return Window(self, query.order, query.descending, query.nulls_low)
        matches = self._matches(query)
        if query.order is not None:
            matches = self._ordering(query.order).sort(matches, query.descending, query.nulls_low)
        elif query.descending:
            matches.reverse()  # the matches come in id order, the default order
        return matches

    def scan(self, test: Callable[[R], bool] | None = None) -> Iterator[R]:
        """Records in id order passing ``test``, read in chunks: the lock is held for one chunk
        at a time, never for the whole scan."""
        last = 0
        while True:
            with self.core.lock:
                chunk_ids = list(islice(self._ids.irange(minimum=last + 1), SCAN_CHUNK))
                records = self._records
                chunk = [records[i] for i in chunk_ids]
            if not chunk:
                return
            for record in chunk:
                if test is None or test(record):
                    yield record
            last = chunk_ids[-1]

    def _matches(self, query: Query[R]) -> list[R]:
        lookups = list(query.lookups)
        with self.core.lock:
            candidates = self._candidates(lookups, query.ids)
            if candidates is not None:
                records = self._records
                found = [records[i] for i in candidates if i in records]
        if candidates is None:
            return list(self.scan(query.predicate))
        if len(lookups) < 2 and query.predicate is None:
            return found  # nothing left to check (a search by email)
        others = [(self.indexes[lk.index], lk) for lk in lookups[1:]]
        return [
            r
            for r in found
            if all(index.holds(r, lk) for index, lk in others)
            and (query.predicate is None or query.predicate(r))
        ]

    def _candidates(self, lookups: list[Lookup], ids: Collection[int] | None) -> list[int] | None:
        """Ids from the most selective lookup (moved to the front of ``lookups``), ``ids``
        applied; ``None`` when nothing narrows by index."""
        if lookups:
            if len(lookups) > 1:  # one lookup is chosen without estimating it (two bisections)
                lookups.sort(key=lambda lk: self.indexes[lk.index].estimate(lk))
            chosen = self.indexes[lookups[0].index].lookup(lookups[0])
            if ids is not None:
                wanted = set(ids)
                chosen = [i for i in chosen if i in wanted]
            return chosen
        if ids is not None:
            return sorted(i for i in set(ids) if i in self._records)
        return None

    def _ordering(self, name: str) -> SortedIndex[R]:
        index = self.indexes[name]
        if not isinstance(index, SortedIndex) or not index.ordering:
            raise KeyError(f"{name} is not an ordering index of {self.kind}")
        return index


class Window(Sequence[R]):
    """A lazy, ordered view of a whole table: ``len`` is O(1) and a slice O(slice + log n),
    each slice read under the lock."""

    def __init__(
        self, table: Table[R], order: str | None, descending: bool, nulls_low: bool
    ) -> None:
        self._table = table
        self._order = order
        self._descending = descending
        self._nulls_low = nulls_low
        self._length = len(table)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[R]:
        for start in range(0, self._length, SCAN_CHUNK):
            yield from self[start : start + SCAN_CHUNK]

    @overload
    def __getitem__(self, position: int) -> R: ...

    @overload
    def __getitem__(self, position: slice) -> list[R]: ...

    def __getitem__(self, position: int | slice) -> R | list[R]:
        if isinstance(position, int):
            found = self[position : position + 1] if position >= 0 else []
            if not found:
                raise IndexError(position)
            return found[0]
        start, stop, step = position.indices(self._length)
        if step != 1:
            raise ValueError("a window slices with step 1 only")
        table = self._table
        with table.core.lock:
            if self._order is None:
                ids = _id_slice(table._ids, start, stop, self._descending)
            else:
                ordering = table._ordering(self._order)
                ids = ordering.slice(start, stop, self._descending, self._nulls_low)
            records = table._records
            return [records[i] for i in ids if i in records]


def _id_slice(ids: SortedList[int], start: int, stop: int, descending: bool) -> list[int]:
    if not descending:
        return list(ids.islice(start, stop))
    count = len(ids)
    return list(ids.islice(max(0, count - stop), max(0, count - start), reverse=True))


# -- the resource store base -----------------------------------------------------------------
@record_class(slots=False)
class Extra:
    """State a store keeps besides its records (links), saved by snapshots under ``key``.

    ``version`` answers a value that changes whenever the state does (the change log of
    ``--durability log`` then logs it again); without one, the log compares whole dumps."""

    key: str
    dump: Callable[[], list[dict[str, Any]]]
    load: Callable[[list[dict[str, Any]]], None]
    version: Callable[[], object] | None = None


@record_class(slots=False)
class StoreInfo:
    """What the tenant's registry and snapshots need to know about a store."""

    record_type: type
    extras: list[Extra] = field(default_factory=list)


def fold(text: str) -> str:
    """``text`` casefolded, reusing the string itself when folding changes nothing (an index
    of a million addresses that are lower case already keeps one copy of each)."""
    folded = text.casefold()
    return text if folded == text else folded


__all__ = [
    "Extra",
    "HasId",
    "HashIndex",
    "Lookup",
    "Query",
    "SortedIndex",
    "StoreCore",
    "StoreInfo",
    "Table",
    "Window",
    "fold",
]

"""Secondary indexes of a :class:`~keapsim.store.base.Table`.

- :class:`HashIndex`: equality (``email == x``, ``contact_id == 7``); a key maps to one id
  (an ``int``, the common case, no container) or to a sorted list of ids.
- :class:`SortedIndex`: ranges, prefixes and orderings, kept in a ``sortedcontainers``
  ``SortedList`` of ``(key, id)`` pairs so that ties stay in id order.

An index's key function returns every key of a record (an email index has one key per
address); returning nothing leaves the record out (an ordering index keeps such records
aside, in id order, for the "no value" end of an ordering).
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import takewhile
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sortedcontainers import SortedList

if TYPE_CHECKING:
    from .query import Lookup


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_HasId)


class Index(Generic[R]):
    """The interface a table uses; see the two kinds below."""

    name: str

    def add(self, record: R) -> None:
        raise NotImplementedError

    def discard(self, record: R) -> None:
        raise NotImplementedError

    def move(self, old: R, new: R) -> None:
        """Re-index a replaced record (a no-op when its keys did not change)."""
        raise NotImplementedError

    def rebuild(self, records: Iterable[R], shared: dict[Any, Any] | None = None) -> None:
        """Index ``records`` from scratch. ``shared``: a pool that the indexes of one bulk load
        pass around, so that equal index entries of different indexes are one object."""
        raise NotImplementedError

    def estimate(self, lookup: Lookup) -> int:
        """How many ids ``lookup`` yields, cheaply (to pick the most selective index)."""
        raise NotImplementedError

    def lookup(self, lookup: Lookup) -> list[int]:
        """The ids ``lookup`` selects, in id order, each once."""
        raise NotImplementedError

    def holds(self, record: R, lookup: Lookup) -> bool:
        """Whether ``record`` is among what ``lookup`` selects."""
        raise NotImplementedError


def _listed(keys: Iterable[Any]) -> Sequence[Any]:
    """A key function's keys as a sequence (the key functions mostly return one already)."""
    return keys if type(keys) is list or type(keys) is tuple else list(keys)


def _distinct(keys: Iterable[Hashable]) -> Iterable[Hashable]:
    """``keys`` without repeats: a set only when there are several (a record has mostly one
    key or none, and building a set for it was a third of a hash index's add)."""
    listed = _listed(keys)
    return listed if len(listed) < 2 else set(listed)


class HashIndex(Index[R]):
    def __init__(self, name: str, keys: Callable[[R], Iterable[Hashable]]) -> None:
        self.name = name
        self.keys = keys
        self._buckets: dict[Hashable, int | list[int]] = {}

    def add(self, record: R) -> None:
        ident = record.id
        keys = self.keys(record)
        if type(keys) is tuple and len(keys) < 2:  # one key or none: no set (issue 18)
            distinct: Iterable[Hashable] = keys
        else:
            distinct = _distinct(keys)
        for key in distinct:
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = ident
            elif isinstance(bucket, int):
                self._buckets[key] = [bucket, ident] if bucket < ident else [ident, bucket]
            else:
                insort(bucket, ident)

    def discard(self, record: R) -> None:
        ident = record.id
        for key in _distinct(self.keys(record)):
            bucket = self._buckets.get(key)
            if bucket == ident:
                del self._buckets[key]
            elif isinstance(bucket, list) and ident in bucket:
                bucket.remove(ident)
                if len(bucket) == 1:
                    self._buckets[key] = bucket[0]

    def move(self, old: R, new: R) -> None:
        if set(self.keys(old)) != set(self.keys(new)):
            self.discard(old)
            self.add(new)

    def rebuild(self, records: Iterable[R], shared: dict[Any, Any] | None = None) -> None:
        """Index ``records`` from scratch in one pass (a bulk load)."""
        buckets: dict[Hashable, int | list[int]] = {}
        unsorted: list[list[int]] = []
        for record in records:
            ident = record.id
            for key in self.keys(record):
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = ident
                elif isinstance(bucket, int):
                    if bucket != ident:
                        buckets[key] = pair = [bucket, ident]
                        unsorted.append(pair)
                elif bucket[-1] != ident:
                    bucket.append(ident)
        for bucket in unsorted:  # records may come in any order; buckets keep id order
            bucket.sort()
        self._buckets = buckets

    def ids(self, key: Hashable) -> list[int]:
        bucket = self._buckets.get(key)
        if bucket is None:
            return []
        return [bucket] if isinstance(bucket, int) else list(bucket)

    def count(self, key: Hashable) -> int:
        bucket = self._buckets.get(key)
        return 0 if bucket is None else 1 if isinstance(bucket, int) else len(bucket)

    def estimate(self, lookup: Lookup) -> int:
        return self.count(lookup.value)

    def lookup(self, lookup: Lookup) -> list[int]:
        if lookup.op != "eq":
            raise ValueError(f"hash index {self.name} answers eq only, not {lookup.op}")
        return self.ids(lookup.value)

    def holds(self, record: R, lookup: Lookup) -> bool:
        return lookup.value in set(self.keys(record))


class SortedIndex(Index[R]):
    """``ordering=True`` makes the index usable as a list order: each record then has at most
    one key, and records without one are kept aside in id order."""

    def __init__(
        self,
        name: str,
        keys: Callable[[R], Iterable[Any]],
        *,
        ordering: bool = False,
        share_entries: bool = False,
    ) -> None:
        self.name = name
        self.keys = keys
        self.ordering = ordering
        # Whether a bulk load gives this index the same (key, id) pair objects as another
        # sharing index: the email and primary-email indexes hold equal pairs for every contact
        # with one address (56 bytes a contact at a million contacts).
        self.share_entries = share_entries
        self._entries: SortedList[tuple[Any, ...]] = SortedList()
        self._missing: SortedList[int] = SortedList()

    # -- maintenance ------------------------------------------------------------------------
    def _keys_of(self, record: R) -> Sequence[Any]:
        return self._keys_of_keys(self.keys(record))

    def _keys_of_keys(self, found: Iterable[Any]) -> Sequence[Any]:
        keys = _listed(found)
        if len(keys) > 1:
            keys = list(dict.fromkeys(keys))  # two equal addresses index once
            if self.ordering:
                raise ValueError(f"ordering index {self.name} needs one key per record")
        return keys

    def add(self, record: R) -> None:
        keys = self.keys(record)
        # Most records have one key (a create adds to three sorted indexes, issue 18): that key
        # goes in without the calls of _keys_of.
        if (type(keys) is tuple or type(keys) is list) and len(keys) == 1:
            self._entries.add((keys[0], record.id))
            return
        keys = self._keys_of_keys(keys)
        for key in keys:
            self._entries.add((key, record.id))
        if self.ordering and not keys:
            self._missing.add(record.id)

    def discard(self, record: R) -> None:
        keys = self._keys_of(record)
        for key in keys:
            self._entries.discard((key, record.id))
        if self.ordering and not keys:
            self._missing.discard(record.id)

    def move(self, old: R, new: R) -> None:
        if list(self.keys(old)) != list(self.keys(new)):
            self.discard(old)
            self.add(new)

    def rebuild(self, records: Iterable[R], shared: dict[Any, Any] | None = None) -> None:
        pairs: list[tuple[Any, ...]] = []
        missing: list[int] = []
        pool = shared if self.share_entries else None
        for record in records:
            keys = _listed(self.keys(record))
            if len(keys) > 1:
                # Two equal addresses index once, as in add: a pair kept twice outlived the
                # record's next change (discard drops one) and answered lookups for it.
                keys = list(dict.fromkeys(keys))
            if pool is None:
                pairs.extend((key, record.id) for key in keys)
            else:
                for key in keys:
                    pair = (key, record.id)
                    pairs.append(pool.setdefault(pair, pair))
            if self.ordering and not keys:
                missing.append(record.id)
        self._entries = SortedList(pairs)
        self._missing = SortedList(missing)

    # -- lookups ----------------------------------------------------------------------------
    def _bounds(self, lookup: Lookup) -> tuple[int, int]:
        entries = self._entries
        if lookup.op == "eq":
            return (
                entries.bisect_left((lookup.value,)),
                entries.bisect_left((lookup.value, math.inf)),
            )
        if lookup.op == "range":
            low = 0 if lookup.low is None else entries.bisect_left((lookup.low,))
            high = (
                len(entries)
                if lookup.high is None
                else entries.bisect_left((lookup.high, math.inf))
            )
            return low, max(low, high)
        if lookup.op == "prefix":
            prefix: str = lookup.value
            low = entries.bisect_left((prefix,))
            # The first key past every key that starts with the prefix.
            high = entries.bisect_left((prefix + "\U0010ffff",)) if prefix else len(entries)
            return low, max(low, high)
        raise ValueError(f"unknown lookup {lookup.op}")

    def estimate(self, lookup: Lookup) -> int:
        low, high = self._bounds(lookup)
        return high - low

    def lookup(self, lookup: Lookup) -> list[int]:
        if lookup.op == "eq":
            # One key: its (key, id) pairs are in id order and each id is there once. irange
            # walks the sublists by bisection; bisect_left and islice need the list's
            # positional index, which every add drops and the next lookup rebuilds (a search by
            # email: 1.5 µs against 3.7 µs at 25k contacts, and the rebuild grows with the
            # table). Issue 18.
            value = lookup.value
            return [ident for _, ident in self._entries.irange((value,), (value, math.inf))]
        low, high = self._bounds(lookup)
        pairs = self._entries.islice(low, high)
        if lookup.op == "prefix":
            pairs = takewhile(lambda pair: str(pair[0]).startswith(lookup.value), pairs)
        ids = {ident for _, ident in pairs}
        return sorted(ids)

    def holds(self, record: R, lookup: Lookup) -> bool:
        for key in self.keys(record):
            if lookup.op == "eq" and key == lookup.value:
                return True
            if lookup.op == "prefix" and str(key).startswith(lookup.value):
                return True
            if (
                lookup.op == "range"
                and (lookup.low is None or key >= lookup.low)
                and (lookup.high is None or key <= lookup.high)
            ):
                return True
        return False

    # -- ordering ---------------------------------------------------------------------------
    def key_of(self, record: R) -> Any:
        return next(iter(self.keys(record)), None)

    def sort(self, records: Sequence[R], descending: bool, nulls_low: bool) -> list[R]:
        """``records`` (in id order) in this index's order; ties keep id order."""
        present = [(self.key_of(r), r) for r in records]
        keyed = [pair for pair in present if pair[0] is not None]
        missing = [r for key, r in present if key is None]
        # A stable sort, reversed for descending, keeps ties in their (id) order.
        keyed.sort(key=lambda pair: pair[0], reverse=descending)
        ordered = [r for _, r in keyed]
        return missing + ordered if nulls_low and not descending else ordered + missing

    def slice(self, start: int, stop: int, descending: bool, nulls_low: bool) -> list[int]:
        """Ids at positions ``start:stop`` of the whole table in this order."""
        missing_first = nulls_low and not descending
        segments: list[tuple[str, int]] = [("keyed", len(self._entries))]
        segments.insert(0 if missing_first else 1, ("missing", len(self._missing)))
        ids: list[int] = []
        offset = 0
        for kind, size in segments:
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                if kind == "missing":
                    ids.extend(self._missing.islice(low, high))
                elif descending:
                    ids.extend(self._descending(low, high))
                else:
                    ids.extend(ident for _, ident in self._entries.islice(low, high))
            offset += size
        return ids

    def _descending(self, start: int, stop: int) -> list[int]:
        """Positions ``start:stop`` of the keyed entries in descending key order, ties in
        ascending id order: read the mirrored ascending range widened to whole tie groups,
        then reverse the groups (not the ids inside them)."""
        entries = self._entries
        count = len(entries)
        low, high = count - stop, count - start
        low = entries.bisect_left((entries[low][0],))
        high = entries.bisect_left((entries[high - 1][0], math.inf))
        groups: list[list[int]] = []
        previous: Any = object()
        for key, ident in entries.islice(low, high):
            if not groups or key != previous:
                groups.append([])
                previous = key
            groups[-1].append(ident)
        flat = [ident for group in reversed(groups) for ident in group]
        first = count - high  # the descending position of flat[0]
        return flat[start - first : stop - first]

"""Equality lookups and adds of the store's indexes (issue 18's shortcuts: ``irange`` for a
sorted index's eq lookup, no set for a record's single key) against a naive scan, with keys a
record repeats and matches that span the sorted list's sublists."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from keapsim.store.base import Lookup, Query, StoreCore, Table
from keapsim.store.events import EventBus
from keapsim.store.indexes import HashIndex, SortedIndex


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    keys: tuple[str, ...]


def make_table() -> Table[Row]:
    return Table(
        StoreCore(datetime.now, EventBus()),
        kind="Row",
        id_kind="row",
        noun="row",
        indexes=[
            SortedIndex[Row]("sorted", lambda r: list(r.keys)),
            # A generator: key functions may return any iterable.
            HashIndex[Row]("hashed", lambda r: (k for k in r.keys)),
        ],
    )


def eq_ids(table: Table[Row], index: str, key: str) -> list[int]:
    return [r.id for r in table.select(Query(lookups=[Lookup(index, "eq", key)]))]


keys = st.lists(st.sampled_from(["a", "b", "ab", "c"]), max_size=4)  # repeats allowed


@settings(max_examples=100, deadline=None)
@given(raw=st.lists(keys, max_size=30), bulk=st.booleans(), changed=st.integers(0, 31))
def test_eq_lookups_name_each_matching_record_once(
    raw: list[list[str]], bulk: bool, changed: int
) -> None:
    table = make_table()
    rows = [Row(i + 1, tuple(k)) for i, k in enumerate(raw)]
    if bulk:
        table.load(rows)
    else:
        with table.core.write():
            for row in rows:
                table.add(row)
    if any(row.id == changed for row in rows):
        with table.core.write():
            table.replace(replace(table.fetch(changed), keys=("c", "c", "a")))
        rows = [table.fetch(row.id) for row in rows]
    for key in ("a", "b", "ab", "c", "zz"):
        expected = [row.id for row in rows if key in row.keys]
        assert eq_ids(table, "sorted", key) == expected
        assert eq_ids(table, "hashed", key) == expected


def test_an_eq_lookup_spans_the_sorted_lists_sublists() -> None:
    """sortedcontainers keeps about a thousand entries per sublist: 5,000 equal keys span
    several, and the ids come back in id order."""
    table = make_table()
    rows = [Row(i, ("same",) if i % 2 else ("other", "same")) for i in range(1, 5001)]
    with table.core.write():
        for row in rows:
            table.add(row)
    assert eq_ids(table, "sorted", "same") == list(range(1, 5001))
    assert eq_ids(table, "sorted", "other") == list(range(2, 5001, 2))
    with table.core.write():
        table.remove(4000)
    assert len(eq_ids(table, "sorted", "same")) == 4999

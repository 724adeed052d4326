"""The store's base: tables, indexes, windows and queries, against a naive scan."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keapsim.store.base import Lookup, Query, StoreCore, Table, Window, fold
from keapsim.store.errors import NotFound
from keapsim.store.events import EventBus
from keapsim.store.indexes import HashIndex, SortedIndex


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str | None
    tags: tuple[str, ...] = ()
    score: int | None = None


def make_table() -> Table[Item]:
    core = StoreCore(datetime.now, EventBus())
    return Table(
        core,
        kind="Item",
        id_kind="item",
        noun="item",
        indexes=[
            SortedIndex[Item]("name", lambda i: (fold(i.name),) if i.name else (), ordering=True),
            SortedIndex[Item]("tags", lambda i: i.tags),
            SortedIndex[Item](
                "score", lambda i: () if i.score is None else (i.score,), ordering=True
            ),
            HashIndex[Item]("tag", lambda i: i.tags),
        ],
    )


def fill(table: Table[Item], items: list[Item]) -> None:
    with table.core.write():
        for item in items:
            table.add(item)


def naive_order(items: list[Item], key: str, descending: bool, nulls_low: bool) -> list[int]:
    def value(item: Item) -> object:
        if key == "name":
            return fold(item.name) if item.name else None
        return item.score

    keyed = sorted((i for i in items if value(i) is not None), key=lambda i: (value(i), i.id))
    if descending:  # descending keys, ties in id order
        keyed = sorted(keyed, key=lambda i: i.id)
        keyed.sort(key=value, reverse=True)
    missing = sorted((i for i in items if value(i) is None), key=lambda i: i.id)
    ordered = missing + keyed if nulls_low and not descending else keyed + missing
    return [i.id for i in ordered]


names = st.sampled_from(["ann", "Ann", "bob", "bobby", "carl", "", None, "ánn", "zed"])
tags = st.lists(st.sampled_from(["a", "ab", "abc", "b", "ba"]), max_size=3, unique=True)
items_strategy = st.lists(
    st.tuples(names, tags, st.one_of(st.none(), st.integers(-3, 3))), max_size=40
)


def build(raw: list[tuple[str | None, list[str], int | None]]) -> tuple[Table[Item], list[Item]]:
    table = make_table()
    items = [Item(i + 1, name, tuple(tg), score) for i, (name, tg, score) in enumerate(raw)]
    fill(table, items)
    return table, items


@settings(max_examples=150, deadline=None)
@given(
    raw=items_strategy,
    key=st.sampled_from(["name", "score"]),
    descending=st.booleans(),
    nulls_low=st.booleans(),
    start=st.integers(0, 45),
    size=st.integers(0, 12),
)
def test_index_ordered_windows_equal_a_sorted_scan(
    raw: list[tuple[str | None, list[str], int | None]],
    key: str,
    descending: bool,
    nulls_low: bool,
    start: int,
    size: int,
) -> None:
    table, items = build(raw)
    expected = naive_order(items, key, descending, nulls_low)
    window = table.select(Query(order=key, descending=descending, nulls_low=nulls_low))
    assert isinstance(window, Window)
    assert len(window) == len(items)
    assert [i.id for i in window[start : start + size]] == expected[start : start + size]
    assert [i.id for i in window] == expected
    filtered = table.select(
        Query(predicate=lambda i: True, order=key, descending=descending, nulls_low=nulls_low)
    )
    assert [i.id for i in filtered] == expected


@settings(max_examples=150, deadline=None)
@given(
    raw=items_strategy,
    prefix=st.sampled_from(["", "a", "ab", "abc", "b", "x"]),
    tag=st.sampled_from(["a", "ab", "b", "zz"]),
    low=st.one_of(st.none(), st.integers(-3, 3)),
    high=st.one_of(st.none(), st.integers(-3, 3)),
    name=names,
)
def test_indexed_lookups_equal_a_naive_scan(
    raw: list[tuple[str | None, list[str], int | None]],
    prefix: str,
    tag: str,
    low: int | None,
    high: int | None,
    name: str | None,
) -> None:
    table, items = build(raw)

    def ids(query: Query[Item]) -> list[int]:
        return [i.id for i in table.select(query)]

    assert ids(Query(lookups=[Lookup("tags", "prefix", prefix)])) == [
        i.id for i in items if any(t.startswith(prefix) for t in i.tags)
    ]
    assert ids(Query(lookups=[Lookup("tag", "eq", tag)])) == [i.id for i in items if tag in i.tags]
    assert ids(Query(lookups=[Lookup("tags", "eq", tag)])) == [i.id for i in items if tag in i.tags]
    in_range = [
        i.id
        for i in items
        if i.score is not None
        and (low is None or i.score >= low)
        and (high is None or i.score <= high)
    ]
    assert ids(Query(lookups=[Lookup("score", "range", low=low, high=high)])) == in_range
    if name:
        both = Query(lookups=[Lookup("name", "eq", fold(name)), Lookup("tag", "eq", tag)])
        assert ids(both) == [
            i.id for i in items if i.name and fold(i.name) == fold(name) and tag in i.tags
        ]
    some = {1, 3, 5, 99}
    assert ids(Query(ids=some)) == [i.id for i in items if i.id in some]
    assert ids(Query(predicate=lambda i: i.score == 1)) == [i.id for i in items if i.score == 1]


def test_indexes_follow_replace_and_remove() -> None:
    table = make_table()
    fill(table, [Item(1, "ann", ("a",)), Item(2, "bob", ("b",))])
    with table.core.write():
        table.replace(replace(table.fetch(1), name="zed", tags=("b",)))
        table.remove(2)
    assert [i.id for i in table.select(Query(lookups=[Lookup("tag", "eq", "b")]))] == [1]
    assert list(table.select(Query(lookups=[Lookup("name", "eq", "ann")]))) == []
    assert [i.name for i in table.select(Query(order="name"))] == ["zed"]
    with pytest.raises(NotFound) as err:
        table.fetch(2)
    assert err.value.message == "Unable to find this Item"


def test_bulk_load_builds_the_same_indexes_as_adding() -> None:
    items = [Item(i, f"n{i % 7}", ("a",) if i % 2 else ()) for i in range(1, 60)]
    added, loaded = make_table(), make_table()
    fill(added, items)
    loaded.load(items)
    for query in (
        Query(order="name", descending=True),
        Query(lookups=[Lookup("tag", "eq", "a")]),
        Query(lookups=[Lookup("name", "prefix", "n3")]),
    ):
        assert list(added.select(query)) == list(loaded.select(query))


def test_a_scan_releases_the_lock_between_chunks() -> None:
    """A writer gets in while an unindexed filter walks a large table."""
    table = make_table()
    table.load(Item(i, "x") for i in range(1, 10_001))
    seen_writes: list[int] = []

    def slow_test(item: Item) -> bool:
        if item.id == 1:
            writer = threading.Thread(target=lambda: seen_writes.append(table.core.next_id("w")))
            writer.start()
            writer.join(timeout=5)  # would dead-lock if the scan held the lock throughout
        return False

    assert list(table.select(Query(predicate=slow_test))) == []
    assert seen_writes == [1]

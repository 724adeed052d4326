"""One v2 list operation: ``filter`` → the matching records → ``order_by`` → the page window
(``page_size``/``page_token``) → the page body. A list handler says only what differs: its
records, its filter and order names, its record shape and its collection key.

The checks run in that sequence (``filter``, the tests its clauses build, ``order_by``,
``page_size``/``page_token``): the order the handlers always ran them in, so a request with
more than one bad parameter is told about the same one as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Generic, TypeVar

from ...datarecord import record_class
from ...store import Query
from ..paging import v2_window
from .filters import Clause, order_by, ordered, parse_filter
from .shapes import page_of

T = TypeVar("T")

V2_PAGE_MAX = 1000  # the v2 document's page_size maximum (and keapsim's default)

Orders = Mapping[str, Callable[[T], Any]]


@record_class(frozen=True)
class Indexed(Generic[T]):
    """Records a table's indexes select: ``query`` turns the filter's clauses into lookups and
    a predicate, and an ``order_by`` named in ``order_indexes`` is served by that ordering
    index (``None``: id order), so an unfiltered page costs O(page + log n), not a scan and a
    sort. Other orders sort the matches in memory."""

    # Query[Any]: a query's record type is bound to having an id, a list's records need not.
    select: Callable[[Query[Any]], Sequence[T]]
    query: Callable[[list[Clause]], Query[Any]]
    order_indexes: Mapping[str, str | None]


NO_INDEX: Mapping[str, str | None] = {}  # a table whose indexes serve no order (ids aside)

# The records of a list: all of them (each clause's ``test`` keeps the matching ones), a
# function choosing them from all the clauses at once (a filter whose clauses work together),
# or an indexed table.
Source = Iterable[T] | Callable[[list[Clause]], Iterable[T]] | Indexed[T]


def filtered_page(
    key: str,
    records: Source[T],
    shape: Callable[[T], dict[str, Any]],
    *,
    filters: Mapping[str, Iterable[str]] | None = None,
    any_case: Mapping[str, Iterable[str]] | None = None,
    test: Callable[[Clause], Callable[[T], bool]] | None = None,
    orders: Orders[T] | None = None,
    default_order: str = "id",
    page_size: int = V2_PAGE_MAX,
) -> dict[str, Any]:
    """The v2 list body ``{key: [shape(record)…], "next_page_token": …}`` of one page.

    ``filters`` (field → operators, ``any_case`` for custom fields) and ``orders`` (order_by
    name → sort key) are the parameters the operation takes; ``None`` means it takes no such
    parameter and ignores it (an :class:`Indexed` source without ``orders`` takes the names of
    its ``order_indexes``). ``test`` builds the test of one clause (from plain records only).
    ``default_order`` orders the records when ``order_by`` is absent (records stay as they come
    when it is not one of ``orders``). ``page_size`` is both the default and the largest page.
    """
    page, token = filtered_window(
        records,
        filters=filters,
        any_case=any_case,
        test=test,
        orders=orders,
        default_order=default_order,
        page_size=page_size,
    )
    return page_of(key, [shape(record) for record in page], token)


def filtered_window(
    records: Source[T],
    *,
    filters: Mapping[str, Iterable[str]] | None = None,
    any_case: Mapping[str, Iterable[str]] | None = None,
    test: Callable[[Clause], Callable[[T], bool]] | None = None,
    orders: Orders[T] | None = None,
    default_order: str = "id",
    page_size: int = V2_PAGE_MAX,
) -> tuple[list[T], str | None]:
    """:func:`filtered_page`'s records of one page and the next page's token, for a handler
    that checks another parameter after paging before it shapes the page."""
    clauses = parse_filter(filters, any_case) if filters is not None else []
    if isinstance(records, Indexed):
        matches = _indexed_matches(records, clauses, orders)
    else:
        matches = _in_order(_matching(records, clauses, test), orders, default_order)
    return v2_window(matches, default_size=page_size, max_size=page_size)


def _matching(
    records: Iterable[T] | Callable[[list[Clause]], Iterable[T]],
    clauses: list[Clause],
    test: Callable[[Clause], Callable[[T], bool]] | None,
) -> Sequence[T]:
    if callable(records):
        found = records(clauses)
        return found if isinstance(found, Sequence) else list(found)
    if not clauses:
        return records if isinstance(records, Sequence) else list(records)
    if test is None:  # a wiring mistake (the operation lists its filters without a test)
        raise TypeError("a filter over plain records needs a clause test")
    tests = [test(clause) for clause in clauses]
    # One clause (the usual filter) is its own test: no all() generator per record, which
    # costs about as much as a simple test itself.
    keep = tests[0] if len(tests) == 1 else (lambda record: all(t(record) for t in tests))
    return list(filter(keep, records))


def _in_order(matches: Sequence[T], orders: Orders[T] | None, default: str) -> Sequence[T]:
    if orders is None:
        return matches
    return ordered(matches, orders, default)


def _indexed_matches(
    source: Indexed[T], clauses: list[Clause], orders: Orders[T] | None
) -> Sequence[T]:
    """The matches in the requested order; ``orders`` (when given) names every order the
    operation takes, indexed or not, in the order a 400 lists them."""
    query = source.query(clauses)
    requested = order_by(orders if orders is not None else source.order_indexes)
    if requested is None:  # id order: the table's own, no sort
        return source.select(query)
    name, descending = requested
    if orders is None or name in source.order_indexes:  # without orders, only indexed names
        index = source.order_indexes[name]
        return source.select(replace(query, order=index, descending=descending))
    return ordered(source.select(query), orders)


A = TypeVar("A")
B = TypeVar("B")


def on_pairs(
    test: Callable[[Clause], Callable[[A, B], bool]],
) -> Callable[[Clause], Callable[[tuple[A, B]], bool]]:
    """A clause test taking two values (a record and the time it was linked) as a test of the
    pair, the records of a list of links."""

    def pair_test(clause: Clause) -> Callable[[tuple[A, B]], bool]:
        check = test(clause)  # built once per clause: a malformed value is a 400 here
        return lambda pair: check(*pair)

    return pair_test

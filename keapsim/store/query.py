"""What a list operation asks of a table: :class:`Lookup` (one index) and :class:`Query`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Generic, Literal, Protocol, TypeVar

from ..datarecord import record_class


class HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)


@record_class(frozen=True)
class Lookup:
    """A candidate set from one index: ``eq`` (a key), ``prefix`` (text keys starting with
    ``value``) or ``range`` (``low <= key <= high``, either bound optional)."""

    index: str
    op: Literal["eq", "prefix", "range"]
    value: Any = None
    low: Any = None
    high: Any = None


@record_class(frozen=True)
class Query(Generic[R]):
    """What a list operation asks of a table.

    ``lookups`` and ``ids`` narrow the candidates through indexes (each must hold);
    ``predicate`` is checked on each candidate; ``order`` names a sorted ordering index
    (``None``: id order). Records without an ordering key come last, or, with ``nulls_low``,
    count as the lowest value. Ties keep id order in both directions.
    """

    lookups: Sequence[Lookup] = ()
    ids: Collection[int] | None = None
    predicate: Callable[[R], bool] | None = None
    order: str | None = None
    descending: bool = False
    nulls_low: bool = False

    @property
    def narrows(self) -> bool:
        return bool(self.lookups) or self.ids is not None or self.predicate is not None

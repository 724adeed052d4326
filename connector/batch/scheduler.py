"""Which lead goes next: file order, but never two leads with the same e-mail in flight.

Two concurrent upserts of one address can race into two contacts in Keap, and the later row of
the file should be the one whose values win. So a lead whose address is in flight (or already
waiting) is *held*, in file order, and handed out as soon as no lead with its address is in
flight. Leads without an address never wait: nothing matches them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

_Item = TypeVar("_Item")


class EmailScheduler(Generic[_Item]):
    """Hands out ``items`` in order, keeping those whose key is busy until it is free.

    ``key`` gives an item's match key (the lower-cased e-mail, "" for none). The caller says
    :meth:`started` when it sends an item and :meth:`finished` when its delivery is over.
    """

    def __init__(self, items: Sequence[_Item], key: Callable[[_Item], str]) -> None:
        self._items = items
        self._key = key
        self._next = 0
        self._busy: Counter[str] = Counter()
        self._held: list[_Item] = []
        self._held_keys: Counter[str] = Counter()

    def take(self) -> _Item | None:
        """The next item that may be sent now, or None (all sent, or all waiting)."""
        held = self._take_held()
        return held if held is not None else self._take_next()

    def started(self, item: _Item) -> None:
        self._busy[self._key(item)] += 1

    def finished(self, item: _Item) -> None:
        self._busy[self._key(item)] -= 1

    def remaining(self) -> list[_Item]:
        """Items never handed out: the held ones, then the rest of the file."""
        return [*self._held, *self._items[self._next :]]

    def _take_held(self) -> _Item | None:
        for i, item in enumerate(self._held):
            key = self._key(item)
            if not self._busy[key]:
                self._held.pop(i)
                self._held_keys[key] -= 1
                return item
        return None

    def _take_next(self) -> _Item | None:
        while self._next < len(self._items):
            item = self._items[self._next]
            self._next += 1
            key = self._key(item)
            if key and (self._busy[key] or self._held_keys[key]):
                self._held.append(item)
                self._held_keys[key] += 1
                continue
            return item
        return None

"""Timestamped many-to-many links between records (a contact's tags, a sequence's members),
indexed both ways so that either side's list is one lookup."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Generic, TypeVar

L = TypeVar("L")
Rt = TypeVar("Rt")


class Links(Generic[L, Rt]):
    """``left`` ↔ ``right`` pairs, each with the time it was made. Callers hold the tenant
    lock; empty sides are dropped so that a contact without links costs nothing."""

    def __init__(self) -> None:
        self._by_left: dict[L, dict[Rt, datetime]] = {}
        self._by_right: dict[Rt, dict[L, datetime]] = {}
        # Counts changes, so that a watcher (the change log of ``--durability log``) learns
        # that the links changed without comparing them.
        self.version = 0

    def __len__(self) -> int:
        return sum(len(rights) for rights in self._by_left.values())

    def has(self, left: L, right: Rt) -> bool:
        return right in self._by_left.get(left, ())

    def link(self, left: L, right: Rt, when: datetime) -> bool:
        """Make the link; ``False`` when it exists already (its time stays)."""
        rights = self._by_left.setdefault(left, {})
        if right in rights:
            return False
        rights[right] = when
        self._by_right.setdefault(right, {})[left] = when
        self.version += 1
        return True

    def unlink(self, left: L, right: Rt) -> bool:
        rights = self._by_left.get(left)
        if rights is None or right not in rights:
            return False
        del rights[right]
        if not rights:
            del self._by_left[left]
        lefts = self._by_right[right]
        del lefts[left]
        if not lefts:
            del self._by_right[right]
        self.version += 1
        return True

    def rights_of(self, left: L) -> dict[Rt, datetime]:
        return dict(self._by_left.get(left, {}))

    def rights_view(self, left: L) -> Collection[Rt]:
        """The rights linked to ``left``, without copying its links (read under the lock)."""
        return self._by_left.get(left, {}).keys()

    def lefts_of(self, right: Rt) -> dict[L, datetime]:
        return dict(self._by_right.get(right, {}))

    def lefts(self) -> list[L]:
        return list(self._by_left)

    def count_lefts_of(self, right: Rt) -> int:
        return len(self._by_right.get(right, ()))

    def forget_left(self, left: L) -> list[Rt]:
        rights = list(self._by_left.get(left, ()))
        for right in rights:
            self.unlink(left, right)
        return rights

    def forget_right(self, right: Rt) -> list[L]:
        lefts = list(self._by_right.get(right, ()))
        for left in lefts:
            self.unlink(left, right)
        return lefts

    def pairs(self) -> list[tuple[L, Rt, datetime]]:
        return [
            (left, right, when)
            for left, rights in self._by_left.items()
            for right, when in rights.items()
        ]

    def clear(self) -> None:
        self._by_left.clear()
        self._by_right.clear()
        self.version += 1

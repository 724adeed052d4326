"""The state all resource stores of one tenant share (lock discipline: ``base.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime

from .events import ChangeEvent, EventBus

LAST = 1 << 62  # a rank after every store's (core.attaching outside any attach)


class StoreCore:
    """What all resource stores of one tenant share: the lock, the clock, id sequences and
    the change-event queue."""

    def __init__(self, now: Callable[[], datetime], events: EventBus) -> None:
        self.lock = threading.RLock()
        self.now = now
        self.events = events
        self.next_ids: dict[str, int] = {}
        self._pending: list[ChangeEvent] = []
        self._depth = 0
        # Outermost writes completed: a watcher (the change log of ``--durability log``)
        # compares it with the count it last saw to skip tenants nothing was written to.
        self.writes = 0
        # (writes, UTC date) at which keapsim.store.due.catch_up last found nothing due: what
        # is due depends only on the records and the date, and records change only in writes,
        # so the same pair means nothing is due still (an O(1) check before every request).
        self.nothing_due: tuple[int, date] | None = None
        # The registry rank of the store whose ``attach`` runs (``Tenant._build_store``): the
        # cascades it adds take that place in their table's ``on_remove`` (base.Cascades).
        # Outside an attach, a cascade goes last.
        self.attaching = LAST

    def next_id(self, kind: str) -> int:
        """Ids grow per tenant and per kind, as Keap's do."""
        with self.lock:
            value = self.next_ids.get(kind, 1)
            self.next_ids[kind] = value + 1
            return value

    def write(self) -> StoreCore:
        """Hold the lock for a write (``with core.write():``); the events it records are
        emitted once the outermost write has released the lock (also when it failed
        part-way: what was committed was)."""
        return self

    def __enter__(self) -> None:
        self.lock.acquire()
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        events: list[ChangeEvent] = []
        if self._depth == 0:
            self.writes += 1
            if self._pending:
                events, self._pending = self._pending, []
        self.lock.release()
        for event in events:
            self.events.emit(event)

    def record(self, event_key: str, object_type: str, object_id: int) -> None:
        """Queue an event of the current write (nothing is built when nobody listens)."""
        if self.events.active:
            self._pending.append(ChangeEvent(event_key, object_type, object_id, self.now()))

"""Change events: every committed write to a tenant's data, as Keap's ``noun.verb`` event keys.

The store knows nothing of REST hooks; it tells whoever listens on ``tenant.events`` what
changed (``contact.add``, ``contactGroup.applied`` ...) and when, after the change is committed.
:mod:`keapsim.hooks` subscribes to turn them into deliveries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One committed change: ``event_key`` is Keap's (``contact.edit``), ``object_type`` the
    changed object's kind (``contact``), ``time`` the simulator clock's time of the change."""

    event_key: str
    object_type: str
    object_id: int
    time: datetime


Listener = Callable[[ChangeEvent], None]


class EventBus:
    """Listeners of one tenant's change events, called in the writer's thread (so they must be
    quick: queue the event, do the work elsewhere)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A tuple replaced on every change: ``emit`` reads it without taking the lock.
        self._listeners: tuple[Listener, ...] = ()

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` with every event from now on; returns the function that stops it."""
        with self._lock:
            self._listeners = (*self._listeners, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = tuple(c for c in self._listeners if c is not callback)

        return unsubscribe

    def emit(self, event: ChangeEvent) -> None:
        for listener in self._listeners:
            listener(event)

"""Change events: every committed write to a tenant's store, for REST hooks (issue 14).

Event keys are Keap's ``noun.verb`` (``contact.add``, ``contactGroup.applied`` …). The v1
document names ``contact.add`` and ``invoice.delete`` in its hook section; the other nouns and
verbs follow the same pattern and are listed with their sources in ``docs/design/store.md``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from ..datarecord import record_class

ADD, EDIT, DELETE = "add", "edit", "delete"
_log = logging.getLogger(__name__)


@record_class(frozen=True)
class ChangeEvent:
    event_key: str
    object_type: str
    object_id: int
    time: datetime


Subscriber = Callable[[ChangeEvent], None]


class EventBus:
    """Fan-out of change events to subscribers, in subscription order.

    A subscriber runs on the writer's thread after the write has been committed and the tenant
    lock released, so it may read the store; it should hand slow work (HTTP delivery) to a
    queue of its own. A subscriber that raises is logged and does not stop the others.
    """

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add ``callback``; the returned function removes it again (idempotent)."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    @property
    def active(self) -> bool:
        """Whether anyone listens (writers skip building events when nobody does)."""
        return bool(self._subscribers)

    def emit(self, event: ChangeEvent) -> None:
        for subscriber in self._subscribers:  # a tuple: safe against (un)subscribing meanwhile
            try:
                subscriber(event)
            except Exception:
                # The write is committed: a failing subscriber is logged, never turned into an
                # error answer for the client that made the change.
                _log.exception("change event subscriber failed on %s", event.event_key)

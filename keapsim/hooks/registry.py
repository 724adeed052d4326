"""One tenant's hook subscriptions and the deliveries waiting for them.

The registry listens on the tenant's change events (:mod:`keapsim.store.events`) and files
each change into an open delivery of every Verified subscription to its event key: Keap
batches changes of one event type, at most 1,000 per delivery (keap-facts.md §3.7). The
listener runs in the writer's thread once the write is committed, so it only appends; posting is
the dispatcher's work (:mod:`keapsim.hooks.service`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..store.events import ChangeEvent
from .catalogue import (
    FIRST_ATTEMPT_WINDOW,
    MAX_OBJECTS_PER_DELIVERY,
    RETRY_WINDOWS,
    SLOW_EVENT_KEYS,
    SLOW_FIRST_ATTEMPT_WINDOW,
)
from .models import Delivery, HookStatus, Subscription

if TYPE_CHECKING:
    from ..config import HookSettings
    from ..store import Tenant


class Dispatcher(Protocol):
    """What a registry needs from the service that owns it."""

    def next_seq(self) -> int: ...
    def wake(self) -> None: ...


class TenantHooks:
    """Subscriptions by key (keys are per tenant, as Keap's are), and pending deliveries."""

    def __init__(self, tenant: Tenant, dispatcher: Dispatcher) -> None:
        self.tenant = tenant
        self.dispatcher = dispatcher
        self.lock = threading.Lock()
        self.subscriptions: dict[str, Subscription] = {}
        self.next_key = 1
        self.pending: list[Delivery] = []
        self._open: dict[str, Delivery] = {}  # subscription key -> the delivery still filling
        self._listening: dict[str, tuple[Subscription, ...]] = {}  # event key -> Verified subs
        # Keap's 30-60 s windows: a seeded generator keeps a run reproducible.
        self.random = random.Random(tenant.id)
        self._unsubscribe: Callable[[], None] = tenant.events.subscribe(self.on_change)

    @property
    def settings(self) -> HookSettings:
        return self.tenant.settings.hooks

    def close(self) -> None:
        """Stop listening and forget everything pending."""
        self._unsubscribe()
        with self.lock:
            self.pending.clear()
            self._open.clear()

    # -- subscriptions -----------------------------------------------------------------------
    def add(self, event_key: str, hook_url: str) -> Subscription:
        with self.lock:
            subscription = Subscription(str(self.next_key), event_key, hook_url)
            self.next_key += 1
            self.subscriptions[subscription.key] = subscription
            return subscription

    def set_status(self, subscription: Subscription, status: HookStatus) -> None:
        """Change a subscription's status; one that stops being Verified loses what was
        waiting for it (Keap sends events only to Verified subscriptions)."""
        with self.lock:
            subscription.status = status
            if status is not HookStatus.VERIFIED:
                self._drop_pending(subscription.key)
            self._reindex()

    def update(self, subscription: Subscription, event_key: str, hook_url: str) -> None:
        with self.lock:
            if event_key != subscription.event_key:
                self._drop_pending(subscription.key)
            subscription.event_key = event_key
            subscription.hook_url = hook_url
            self._reindex()

    def remove(self, key: str) -> None:
        with self.lock:
            self.subscriptions.pop(key, None)
            self._drop_pending(key)
            self._reindex()

    def restore(self, subscriptions: list[Subscription], next_key: int) -> None:
        with self.lock:
            self.subscriptions = {s.key: s for s in subscriptions}
            numbers = [int(s.key) for s in subscriptions if s.key.isdecimal()]
            self.next_key = max([next_key, *(n + 1 for n in numbers)])
            self._reindex()

    def _drop_pending(self, key: str) -> None:
        self.pending = [d for d in self.pending if d.subscription_key != key]
        self._open.pop(key, None)

    def _reindex(self) -> None:
        listening: dict[str, list[Subscription]] = {}
        for subscription in self.subscriptions.values():
            if subscription.status is HookStatus.VERIFIED:
                listening.setdefault(subscription.event_key, []).append(subscription)
        self._listening = {key: tuple(subs) for key, subs in listening.items()}

    # -- events ------------------------------------------------------------------------------
    def on_change(self, event: ChangeEvent) -> None:
        """File a committed change for every Verified subscription to its key."""
        if event.event_key not in self._listening:  # the common case: nobody listens
            return
        change = (event.object_id, event.time)
        changed_at = event.time.timestamp()
        due_now = False
        with self.lock:
            for subscription in self._listening.get(event.event_key, ()):
                delivery = self._open.get(subscription.key)
                if delivery is None:
                    delivery = self._new_delivery(subscription, event, changed_at)
                    due_now = due_now or delivery.due <= changed_at
                delivery.changes.append(change)
                if len(delivery.changes) >= MAX_OBJECTS_PER_DELIVERY:
                    self._close(delivery)
        if due_now:
            self.dispatcher.wake()

    def _new_delivery(
        self, subscription: Subscription, event: ChangeEvent, changed_at: float
    ) -> Delivery:
        delivery = Delivery(
            seq=self.dispatcher.next_seq(),
            tenant_id=self.tenant.id,
            subscription_key=subscription.key,
            event_key=event.event_key,
            object_type=event.object_type,
            due=changed_at + self.first_delay(event.event_key),
        )
        self._open[subscription.key] = delivery
        self.pending.append(delivery)
        return delivery

    # -- timing (keap-facts.md §3.7) ---------------------------------------------------------
    def first_delay(self, event_key: str) -> float:
        delay = self.settings.delay
        if delay == "immediate":
            return 0.0
        if delay != "keap":
            return float(delay)
        window = SLOW_FIRST_ATTEMPT_WINDOW if event_key in SLOW_EVENT_KEYS else FIRST_ATTEMPT_WINDOW
        return self.random.uniform(*window)

    def retry_delay(self, next_attempt: int) -> float:
        return self.random.uniform(*RETRY_WINDOWS[next_attempt])

    # -- the dispatcher's side ---------------------------------------------------------------
    def _close(self, delivery: Delivery) -> None:
        delivery.open = False
        if self._open.get(delivery.subscription_key) is delivery:
            del self._open[delivery.subscription_key]

    def take_due(self, now: float) -> list[Delivery]:
        """The deliveries due by ``now``, out of the pending list and closed to new objects."""
        with self.lock:
            due = [d for d in self.pending if _is_due(d, now)]
            if due:
                taken = {id(d) for d in due}
                self.pending = [d for d in self.pending if id(d) not in taken]
                for delivery in due:
                    self._close(delivery)
            return due

    def requeue(self, delivery: Delivery) -> None:
        """Put a delivery back (a retry, or one a QA control delayed or held)."""
        with self.lock:
            subscription = self.subscriptions.get(delivery.subscription_key)
            if subscription is not None and subscription.status is HookStatus.VERIFIED:
                self.pending.append(delivery)

    def release_held(self, now: float) -> None:
        """Deliveries held back to arrive out of order go right after the one just posted."""
        with self.lock:
            for delivery in self.pending:
                if delivery.held_until is not None:
                    delivery.held_until = now

    def next_due(self) -> float | None:
        with self.lock:
            times = [d.held_until if d.held_until is not None else d.due for d in self.pending]
            return min(times, default=None)

    def subscription(self, key: str) -> Subscription | None:
        return self.subscriptions.get(key)


# A change's time is a datetime (microseconds, rounded to the nearest) made from the clock's
# float: a delivery due "at once" may be due a fraction of a microsecond after the frozen now.
DUE_TOLERANCE = 1e-3


def _is_due(delivery: Delivery, now: float) -> bool:
    due = delivery.held_until if delivery.held_until is not None else delivery.due
    return due <= now + DUE_TOLERANCE

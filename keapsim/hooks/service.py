"""The simulator's REST hooks: subscriptions per tenant, the verification handshake, and the
dispatcher that posts due deliveries on the simulator's clock.

Keap's policy (keap-facts.md §3.7), all of which this module follows:

- events go only to Verified subscriptions, batched, at most 1,000 objects per delivery;
- four attempts: the first 30-60 s after the change (5-10 min for contactGroup.applied and
  contactGroup.delete), then 30-60 s, 5 min and 30 min after each failure;
- a failure is no answer within 30 s, or a status below 200 or from 400 up other than 410;
- after the fourth failure the subscription is Inactive until re-verified; a 410 makes it
  Inactive at once.

Nothing posts by itself in-process: ``sim.hooks.flush()`` posts what is due now on the
simulator's clock (advance the clock to make later attempts due), deterministically, in the
caller's thread. ``start()`` runs the same in a background thread every ``interval`` seconds
(``keapsim serve`` does), so advancing the clock through the admin API delivers what is due.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..store import Invalid, NotFound
from .catalogue import GONE, KNOWN_EVENT_KEYS, MAX_ATTEMPTS, is_failure
from .delivery import AttemptJournal, HookPoster, Post, PostOutcome
from .faults import HookFaultRule, HookFaultRules
from .models import Delivery, HookStatus, Subscription
from .registry import TenantHooks
from .safety import HostPolicy, RefusedHookUrl

if TYPE_CHECKING:
    import httpx

    from ..clock import Clock
    from ..store import Tenant

log = logging.getLogger("keapsim.hooks")

# A receiver that writes back to keapsim on every delivery (with ``delay: immediate``) would
# keep a flush going for ever; one flush makes at most this many rounds.
MAX_FLUSH_ROUNDS = 100
DEFAULT_INTERVAL = 0.1
UNKNOWN_EVENT_KEY = "eventKey must be one of the keys GET /v1/hooks/event_keys lists"


class HookService:
    """REST hooks of every tenant of one simulator.

    ``base_url`` gives the simulator's current base URL (for each object's ``apiUrl``);
    ``allowed_hosts`` are hosts that may be posted to besides loopback and private addresses
    (``--hook-hosts``).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        journal: AttemptJournal | None = None,
        base_url: Callable[[], str] = lambda: "http://keapsim.local",
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.clock = clock
        self.policy = HostPolicy(allowed_hosts)
        self.poster = HookPoster(self.policy, journal, now=clock.time)
        self.faults = HookFaultRules()
        self._base_url = base_url
        self._tenants: dict[str, TenantHooks] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._dispatching = threading.Lock()
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the registry's callbacks ------------------------------------------------------------
    def next_seq(self) -> int:
        return next(self._seq)

    def base_url(self) -> str:
        return self._base_url().rstrip("/")

    def wake(self) -> None:
        self._wakeup.set()

    # -- tenants -----------------------------------------------------------------------------
    def of(self, tenant: Tenant) -> TenantHooks:
        """The tenant's hooks, listening on this Tenant object's events (a snapshot load puts
        a new object in place under the same id)."""
        with self._lock:
            hooks = self._tenants.get(tenant.id)
            if hooks is not None and hooks.tenant is tenant:
                return hooks
            fresh = TenantHooks(tenant, self)
            if hooks is not None:
                hooks.close()
                fresh.restore(list(hooks.subscriptions.values()), hooks.next_key)
            self._tenants[tenant.id] = fresh
            return fresh

    def registry(self, tenant_id: str) -> TenantHooks | None:
        """The tenant's hooks if it has any (None otherwise; nothing is created)."""
        with self._lock:
            return self._tenants.get(tenant_id)

    def tenant_ids(self) -> list[str]:
        """The ids of the tenants that have hooks (a registry)."""
        with self._lock:
            return list(self._tenants)

    def forget(self, tenant_id: str) -> None:
        """Drop a tenant's subscriptions and pending deliveries (tenant reset or deletion)."""
        with self._lock:
            hooks = self._tenants.pop(tenant_id, None)
        if hooks is not None:
            hooks.close()

    def forget_all_but(self, tenant_ids: Iterable[str]) -> None:
        keep = set(tenant_ids)
        with self._lock:
            gone = [t for t in self._tenants if t not in keep]
        for tenant_id in gone:
            self.forget(tenant_id)

    # -- the v1 operations -------------------------------------------------------------------
    def subscribe(self, tenant: Tenant, event_key: str, hook_url: str) -> Subscription:
        """``POST /v1/hooks``: a new subscription, verified at once if the receiver echoes."""
        self._check(event_key, hook_url)
        hooks = self.of(tenant)
        subscription = hooks.add(event_key, hook_url)
        self._handshake(hooks, subscription)
        return subscription

    def subscriptions(self, tenant: Tenant) -> list[Subscription]:
        hooks = self.registry(tenant.id)
        if hooks is None:
            return []
        with hooks.lock:
            return list(hooks.subscriptions.values())

    def get(self, tenant: Tenant, key: str) -> Subscription:
        hooks = self.registry(tenant.id)
        subscription = hooks.subscription(key) if hooks else None
        if subscription is None:
            # Keap's 404 text for an unknown hook key is not documented.
            raise NotFound("Hook", key)
        return subscription

    def update(
        self, tenant: Tenant, key: str, event_key: str | None, hook_url: str | None
    ) -> Subscription:
        """``PUT /v1/hooks/{key}``. Keap does not say whether a new URL must be verified again;
        keapsim verifies it (the secret goes to the new URL), as a create would."""
        subscription = self.get(tenant, key)
        event_key = event_key if event_key is not None else subscription.event_key
        hook_url = hook_url if hook_url is not None else subscription.hook_url
        self._check(event_key, hook_url)
        hooks = self.of(tenant)
        moved = hook_url != subscription.hook_url
        hooks.update(subscription, event_key, hook_url)
        if moved:
            hooks.set_status(subscription, HookStatus.UNVERIFIED)
            self._handshake(hooks, subscription)
        return subscription

    def delete(self, tenant: Tenant, key: str) -> None:
        self.get(tenant, key)
        self.of(tenant).remove(key)

    def verify(self, tenant: Tenant, key: str) -> Subscription:
        """``POST /v1/hooks/{key}/verify``: a new handshake; success (re)activates."""
        subscription = self.get(tenant, key)
        self._handshake(self.of(tenant), subscription)
        return subscription

    def delayed_verify(self, tenant: Tenant, key: str, secret: str | None) -> Subscription:
        """``POST /v1/hooks/{key}/delayedVerify``: the receiver brings back the last secret.
        Keap does not document the answer to a wrong or missing secret; keapsim says 400."""
        subscription = self.get(tenant, key)
        if not secret:
            raise Invalid("The X-Hook-Secret header is required", field="X-Hook-Secret")
        hooks = self.of(tenant)
        with hooks.lock:
            expected = subscription.secret
        if expected is None:
            raise Invalid(
                f"Hook {key} has no verification pending; POST /v1/hooks/{key}/verify sends "
                "a new X-Hook-Secret to its hookUrl",
                field="X-Hook-Secret",
            )
        if not secrets.compare_digest(secret.encode(), expected.encode()):
            raise Invalid(
                f"X-Hook-Secret does not match the secret sent to hook {key}'s hookUrl",
                field="X-Hook-Secret",
            )
        self._verified(hooks, subscription)
        return subscription

    def _check(self, event_key: str, hook_url: str) -> None:
        if event_key not in KNOWN_EVENT_KEYS:
            raise Invalid(UNKNOWN_EVENT_KEY, field="eventKey")
        try:
            self.policy.check(hook_url)
        except RefusedHookUrl as err:
            raise Invalid(str(err), field="hookUrl") from None

    def _handshake(self, hooks: TenantHooks, subscription: Subscription) -> None:
        """Immediate confirmation: POST the hook URL with a fresh ``X-Hook-Secret``; a 200
        that echoes the same header and value verifies the subscription. A failed handshake
        leaves the status as it was, and the secret open for ``delayedVerify``."""
        secret = secrets.token_hex(32)
        with hooks.lock:
            subscription.secret = secret
        outcome = self.poster.send(
            Post(
                url=subscription.hook_url,
                body=b"",
                timeout=hooks.settings.timeout,
                kind="hook.verify",
                attempt=1,
                tenant_id=hooks.tenant.id,
                secret=secret,
            )
        )
        if outcome.status == 200 and outcome.echoed_secret == secret:
            self._verified(hooks, subscription)

    @staticmethod
    def _verified(hooks: TenantHooks, subscription: Subscription) -> None:
        with hooks.lock:
            subscription.secret = None
        hooks.set_status(subscription, HookStatus.VERIFIED)

    # -- delivery ----------------------------------------------------------------------------
    def flush(self) -> int:
        """Post every delivery due now on the simulator clock, oldest first; returns the
        number of posts made. Attempts scheduled later (retries, keap-timed first attempts)
        stay pending: advance the clock and flush again."""
        posts = 0
        with self._dispatching:
            for _ in range(MAX_FLUSH_ROUNDS):
                due = self._take_due()
                if not due:
                    break
                for hooks, delivery in due:
                    posts += self._dispatch(hooks, delivery)
        return posts

    def _take_due(self) -> list[tuple[TenantHooks, Delivery]]:
        now = self.clock.time()
        with self._lock:
            registries = list(self._tenants.values())
        due = [(hooks, d) for hooks in registries for d in hooks.take_due(now)]
        due.sort(key=lambda pair: (_due_time(pair[1]), pair[1].seq))
        return due

    def _dispatch(self, hooks: TenantHooks, delivery: Delivery) -> int:
        subscription = hooks.subscription(delivery.subscription_key)
        if subscription is None or subscription.status is not HookStatus.VERIFIED:
            return 0  # deleted or deactivated since: Keap sends only to Verified ones
        rule = None
        if delivery.held_until is not None:
            delivery.held_until = None  # released: post it now, the control has acted
        elif delivery.ruled_attempt != delivery.attempt:
            delivery.ruled_attempt = delivery.attempt
            rule = self.faults.select(delivery, subscription.hook_url)
        now = self.clock.time()
        if rule is not None and self._postpone(hooks, delivery, rule, now):
            return 0
        post = Post(
            url=subscription.hook_url,
            body=json.dumps(delivery.payload(self.base_url())).encode(),
            timeout=hooks.settings.timeout,
            kind="hook.delivery",
            attempt=delivery.attempt,
            tenant_id=hooks.tenant.id,
            fault=rule.id if rule else None,
        )
        hooks.release_held(now)
        if rule is not None and rule.spec.effect == "drop":
            self.poster.record_dropped(post)
            return 0
        outcome = self.poster.send(post)
        if rule is not None and rule.spec.effect == "duplicate":
            self.poster.send(post)
            self._settle(hooks, subscription, delivery, outcome)
            return 2
        self._settle(hooks, subscription, delivery, outcome)
        return 1

    @staticmethod
    def _postpone(hooks: TenantHooks, delivery: Delivery, rule: HookFaultRule, now: float) -> bool:
        """``delay`` and ``reorder`` put the delivery back for later; True if they did."""
        effect = rule.spec.effect
        if effect == "delay":
            delivery.due = now + (rule.spec.seconds or 0.0)
        elif effect == "reorder":
            delivery.held_until = now + rule.longest_hold
        else:
            return False
        hooks.requeue(delivery)
        return True

    def _settle(
        self,
        hooks: TenantHooks,
        subscription: Subscription,
        delivery: Delivery,
        outcome: PostOutcome,
    ) -> None:
        """Keap's retry and deactivation rules after one attempt."""
        if outcome.status == GONE:
            hooks.set_status(subscription, HookStatus.INACTIVE)
        elif outcome.status is not None and not is_failure(outcome.status):
            return
        elif delivery.attempt >= MAX_ATTEMPTS:
            hooks.set_status(subscription, HookStatus.INACTIVE)
        else:
            delivery.attempt += 1
            # From when the attempt ended, read before it was journaled: a clock advance made
            # once the journal shows the failure does not move the retry as well.
            delivery.due = outcome.ended + hooks.retry_delay(delivery.attempt)
            hooks.requeue(delivery)

    def pending(self, tenant_id: str | None = None) -> list[Delivery]:
        """Deliveries not yet posted (or waiting for a retry), in the order they fall due."""
        with self._lock:
            registries = [
                h for t, h in self._tenants.items() if tenant_id is None or t == tenant_id
            ]
        found = []
        for hooks in registries:
            with hooks.lock:
                found.extend(hooks.pending)
        return sorted(found, key=lambda d: (_due_time(d), d.seq))

    def next_due(self) -> float | None:
        """When the next pending attempt falls due (simulator epoch seconds), if any."""
        with self._lock:
            registries = list(self._tenants.values())
        times = [t for hooks in registries if (t := hooks.next_due()) is not None]
        return min(times, default=None)

    # -- transports and the background dispatcher --------------------------------------------
    def deliver_to(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        wsgi_app: Callable[..., Any] | None = None,
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
    ) -> None:
        """Post hooks without a socket: to a transport, a WSGI app, or a callable taking an
        ``httpx.Request`` and returning an ``httpx.Response``. With no argument, to the
        network again."""
        import httpx  # only a test that redirects hooks needs it here

        given = [t for t in (transport, wsgi_app, handler) if t is not None]
        if len(given) > 1:
            raise ValueError("give one of transport, wsgi_app or handler")
        if wsgi_app is not None:
            transport = httpx.WSGITransport(app=wsgi_app)
        elif handler is not None:
            transport = httpx.MockTransport(handler)
        self.poster.transport = transport

    def start(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Flush in a background thread: at once when a change is due at once, and every
        ``interval`` seconds (wall time) to catch attempts the clock has made due."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="keapsim-hooks", daemon=True
        )
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            try:
                self.flush()
            except Exception:  # the dispatcher must outlive one bad delivery
                log.exception("hook dispatcher: flush failed")
            self._wakeup.wait(interval)
            self._wakeup.clear()

    def stop(self) -> None:
        """Stop the background dispatcher (if running) and close the HTTP client."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._wakeup.set()
            thread.join(timeout=10)
        self.poster.close()

    @property
    def running(self) -> bool:
        return self._thread is not None


def _due_time(delivery: Delivery) -> float:
    return delivery.held_until if delivery.held_until is not None else delivery.due

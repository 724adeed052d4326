"""Keap's quotas and throttles (keap-facts.md §6).

Every authenticated ``/crm/rest`` request is counted against two buckets: its credential's
("product": the OAuth app for bearer tokens, the key itself for a PAT/SAK) and its tenant's.
Each bucket has up to three windows, all read from the tenant's ``TenantSettings.limits``:

- a rolling second (the spike limit; keys only by default),
- a rolling minute ("throttle"; Keap moved from QPS to a rolling per-minute window in 2020),
- a calendar day ("quota") that resets at 00:00 UTC of the simulated clock.

Counting choices where Keap is silent:

- A rejected request consumes nothing, in any window (Keap's documents do not say whether a 429
  counts). A client that backs off regains allowance as the minute rolls; one that hammers a
  429 does not push its own recovery further away.
- A request is admitted only if every window of both buckets has room, and then counted in all
  of them, atomically under one lock, so counts are exact under concurrent requests.
- Apigee's SpikeArrest smooths ``10ps`` into sub-second slots; keapsim counts a rolling second.

Over the limit the ``keap`` profile answers 429 with Keap's current body (facts §5.1), plus
``Retry-After`` only when ``TenantSettings.retry_after`` is on (Keap sends none, facts §6.3). The
``guide`` profile answers 503 with ``Retry-After`` as the integration guide says.
``throttle=False`` makes this stage a pass-through: no counting, no headers, no rejections.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .auth import PRINCIPAL, Principal
from .pipeline import Handler
from .quota_headers import (
    PRODUCT_QUOTA,
    PRODUCT_THROTTLE,
    SPIKE_LIMIT,
    TENANT_ID,
    TENANT_THROTTLE,
)
from .responses import THROTTLED, json_response

if TYPE_CHECKING:
    from ..config import TenantSettings, Window

DAY = 86_400
MINUTE = 60.0
SECOND = 1.0

# The guide gives no body for its 503. keapsim mirrors Keap's 429 body so that one parser
# handles both; only ``code``/``message`` differ.
GUIDE_THROTTLED = {
    "code": "503",
    "message": "Service Unavailable",
    "status": "Request Throttled",
    "details": None,
}


class Bucket:
    """One credential's or one tenant's allowance. Rolling windows keep the timestamps of the
    admitted requests (at most ``limit`` of them); the day is a counter."""

    __slots__ = ("second", "minute", "day", "day_used")

    def __init__(self) -> None:
        self.second: deque[float] = deque()
        self.minute: deque[float] = deque()
        self.day = -1
        self.day_used = 0

    def roll(self, now: float, day: int) -> None:
        _drop_older(self.second, now - SECOND)
        _drop_older(self.minute, now - MINUTE)
        if day != self.day:
            self.day, self.day_used = day, 0

    def wait(self, window: Window, now: float) -> float:
        """Seconds until this bucket can admit one more request (0: now). Call after roll."""
        waits = [0.0]
        if window.per_second is not None and len(self.second) >= window.per_second:
            waits.append(_rolling_wait(self.second, window.per_second, SECOND, now))
        if window.per_minute is not None and len(self.minute) >= window.per_minute:
            waits.append(_rolling_wait(self.minute, window.per_minute, MINUTE, now))
        if window.per_day is not None and self.day_used >= window.per_day:
            waits.append((self.day + 1) * DAY - now)
        return max(waits)

    def admit(self, window: Window, now: float) -> None:
        # Only limited windows keep timestamps, so memory is bounded by the limits.
        if window.per_second is not None:
            self.second.append(now)
        if window.per_minute is not None:
            self.minute.append(now)
        self.day_used += 1


def _drop_older(stamps: deque[float], cutoff: float) -> None:
    while stamps and stamps[0] <= cutoff:
        stamps.popleft()


def _rolling_wait(stamps: deque[float], limit: int, length: float, now: float) -> float:
    """When enough of the oldest stamps leave the window for one more request to fit."""
    if limit <= 0:
        return length
    return stamps[len(stamps) - limit] + length - now


class Throttle:
    """Gateway stage: counts requests per app/key and per tenant, adds Keap's quota headers and
    answers 429 (``guide``: 503) over a limit.

    ``now`` is the simulated time in seconds; ``tenant_host`` names a tenant's account host for
    ``x-keap-tenant-id``.
    """

    def __init__(self, now: Callable[[], float], tenant_host: Callable[[str], str]) -> None:
        self.now = now
        self.tenant_host = tenant_host
        self._lock = threading.Lock()
        # tenant id → bucket key (("tenant", id), ("oauth", client id), ("SAK", key)…) → bucket
        self._buckets: dict[str, dict[tuple[str, str], Bucket]] = {}

    def reset(self, tenant_id: str | None = None) -> None:
        """Forget the counters of one tenant (its credentials' and its own), or of all."""
        with self._lock:
            if tenant_id is None:
                self._buckets.clear()
            else:
                self._buckets.pop(tenant_id, None)

    def usage(self, tenant_id: str) -> dict[str, dict[str, int]]:
        """A tenant's current counts, by bucket (``"tenant"``, ``"SAK:<key>"``,
        ``"oauth:<client id>"``): requests in the rolling second and minute and the UTC day."""
        now = self.now()
        day = int(now // DAY)
        result = {}
        with self._lock:
            for (kind, ident), bucket in self._buckets.get(tenant_id, {}).items():
                bucket.roll(now, day)
                name = "tenant" if kind == "tenant" else f"{kind}:{ident}"
                result[name] = {
                    "second": len(bucket.second),
                    "minute": len(bucket.minute),
                    "day": bucket.day_used,
                }
        return result

    def _bucket(self, tenant_id: str, key: tuple[str, str]) -> Bucket:
        buckets = self._buckets.get(tenant_id)
        if buckets is None:
            buckets = self._buckets[tenant_id] = {}
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = Bucket()
        return bucket

    def __call__(self, request: Request, call_next: Handler) -> Response:
        principal: Principal | None = request.environ.get(PRINCIPAL)
        if principal is None:
            return call_next(request)
        tenant = principal.tenant
        settings = tenant.settings
        if not settings.throttle:
            return call_next(request)
        limits = settings.limits
        product_window = limits.oauth_app if principal.kind == "oauth" else limits.api_key
        now = self.now()
        day = int(now // DAY)
        with self._lock:
            product = self._bucket(tenant.id, (principal.kind, principal.quota_key))
            shared = self._bucket(tenant.id, ("tenant", tenant.id))
            product.roll(now, day)
            shared.roll(now, day)
            wait = max(product.wait(product_window, now), shared.wait(limits.tenant, now))
            if wait <= 0:
                product.admit(product_window, now)
                shared.admit(limits.tenant, now)
            headers = self._headers(principal, product, product_window, shared, limits.tenant)
        if wait > 0:
            response = self._rejection(settings, wait)
        else:
            response = call_next(request)
        response.headers.extend(headers)
        return response

    def _rejection(self, settings: TenantSettings, wait: float) -> Response:
        retry_after = {"Retry-After": str(max(1, math.ceil(wait)))}
        if settings.profile == "guide":
            return json_response(GUIDE_THROTTLED, 503, retry_after)
        return json_response(THROTTLED, 429, retry_after if settings.retry_after else None)

    def _headers(
        self,
        principal: Principal,
        product: Bucket,
        product_window: Window,
        shared: Bucket,
        tenant_window: Window,
    ) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        if principal.kind != "oauth" and product_window.per_second is not None:
            headers.append((SPIKE_LIMIT, f"{product_window.per_second}ps"))
        if product_window.per_minute is not None:
            headers += _family(
                PRODUCT_THROTTLE, [(product_window.per_minute, "minute", len(product.minute))]
            )
        if product_window.per_day is not None:
            headers += _family(PRODUCT_QUOTA, [(product_window.per_day, "day", product.day_used)])
            headers.append((f"{PRODUCT_QUOTA}expiry-time", str((product.day + 1) * DAY * 1000)))
        headers.append((TENANT_ID, self.tenant_host(principal.tenant.id)))
        # Since the per-tenant daily limit (2026-06) the tenant headers carry both windows,
        # pipe-delimited: "minute|day" (facts §6.3).
        windows = []
        if tenant_window.per_minute is not None:
            windows.append((tenant_window.per_minute, "minute", len(shared.minute)))
        if tenant_window.per_day is not None:
            windows.append((tenant_window.per_day, "day", shared.day_used))
        if windows:
            headers += _family(TENANT_THROTTLE, windows)
        return headers


def _family(prefix: str, windows: list[tuple[int, str, int]]) -> list[tuple[str, str]]:
    """One header family from (limit, time unit, used) per window; several windows are joined
    with ``|``. On the hot path, hence the plain loop."""
    limits, units, intervals, availables, useds = [], [], [], [], []
    for limit, unit, used in windows:
        limits.append(str(limit))
        units.append(unit)
        intervals.append("1")
        availables.append(str(limit - used if used < limit else 0))
        useds.append(str(used))
    return [
        (prefix + "limit", "|".join(limits)),
        (prefix + "time-unit", "|".join(units)),
        (prefix + "interval", "|".join(intervals)),
        (prefix + "available", "|".join(availables)),
        (prefix + "used", "|".join(useds)),
    ]

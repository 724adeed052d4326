"""Client-side pacing: a token bucket shared by all threads, plus Keap's quota headers.

The bucket keeps the connector under Keap's per-second limits (PAT/SAK keys get 10/s, every
key a 25/s spike arrest). The ``QuotaGovernor`` reads the ``x-keap-*`` headers on every response
and slows down *before* a window runs out, because a 429 costs a round trip and, on the daily
quota, cannot be waited out within a lead delivery.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


class RateBucket(Protocol):
    """What the client paces requests with: ``acquire`` blocks until a request may go and
    returns the seconds it waited (a local :class:`TokenBucket`, or serve's Redis-shared one)."""

    def acquire(self) -> float: ...


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def try_acquire(self) -> float:
        """Take a token and return 0, or return the seconds to wait before one is available."""
        with self._lock:
            self._refill(self._clock())
            # The epsilon absorbs float rounding: without it a deficit of 1e-12 tokens could ask
            # for a sleep too small to move a large clock value, and spin forever.
            if self._tokens >= 1 - 1e-9:
                self._tokens = max(0.0, self._tokens - 1)
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self) -> float:
        """Block until a token is available; returns the total time waited."""
        waited = 0.0
        while (wait := self.try_acquire()) > 0:
            # Sleep outside the lock so other threads can refill/measure meanwhile.
            self._sleep(wait)
            waited += wait
        return waited


@dataclass(frozen=True)
class QuotaSnapshot:
    spike_per_second: int | None = None
    throttle_available: int | None = None
    throttle_limit: int | None = None
    quota_available: int | None = None
    quota_expiry_ms: int | None = None
    tenant_available: int | None = None
    tenant_limit: int | None = None


def _int(headers: Mapping[str, str], name: str) -> int | None:
    # The tenant headers may carry two windows ("4999|249999"); the first is the per-minute one.
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return int(raw.split("|")[0].strip())
    except ValueError:
        return None


def _spike(headers: Mapping[str, str]) -> int | None:
    # "x-keap-product-spike-limit: 10ps" (PAT/SAK keys)
    m = re.fullmatch(r"\s*(\d+)\s*ps\s*", headers.get("x-keap-product-spike-limit") or "")
    return int(m.group(1)) if m else None


def read_quota_headers(headers: Mapping[str, str]) -> QuotaSnapshot:
    return QuotaSnapshot(
        spike_per_second=_spike(headers),
        throttle_available=_int(headers, "x-keap-product-throttle-available"),
        throttle_limit=_int(headers, "x-keap-product-throttle-limit"),
        quota_available=_int(headers, "x-keap-product-quota-available"),
        quota_expiry_ms=_int(headers, "x-keap-product-quota-expiry-time"),
        tenant_available=_int(headers, "x-keap-tenant-throttle-available"),
        tenant_limit=_int(headers, "x-keap-tenant-throttle-limit"),
    )


SPIKE_WINDOW = 1.0  # seconds: Keap's per-second window; see QuotaGovernor.wait
# How often a thread re-checks when only requests still in flight hold the spike window full.
IN_FLIGHT_POLL = 0.005


class QuotaExhausted(Exception):
    """The daily quota is used up; waiting for it inside a delivery is pointless."""


class QuotaGovernor:
    """Spaces requests out when Keap's headers say a window is nearly used up.

    * per-minute windows (product throttle, tenant throttle) at or below ``low_water``: pace at
      the window's sustainable rate (limit / 60 s), which cannot exhaust a rolling minute;
    * daily quota at or below ``low_water``: spread the remainder until the expiry time; at zero,
      refuse immediately with ``QuotaExhausted`` instead of collecting 429s;
    * a spike limit (``x-keap-product-spike-limit: 10ps``): never more than that many requests
      in any rolling second *as Keap counts them*, on arrival. A token bucket alone cannot
      promise this (its burst plus a second of refill exceeds the limit).

    The spike rule counts a request from the moment ``wait`` lets it go until one second after
    ``done`` reports its response (or its failure): Keap stamped it somewhere in between, so
    any request Keap still holds in the window of a new one is counted, whatever the latency.
    A fixed margin on send times (1.1 s before) costs 10% of the limit on a fast network and
    is still too small on a slow one. Callers of ``wait`` must call ``done`` once per request.
    """

    def __init__(
        self,
        low_water: int = 10,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.low_water = low_water
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._interval = 0.0
        self._next_at = 0.0
        self._quota_zero_until: float | None = None
        self._spike: int | None = None
        self._in_flight = 0
        self._answered: deque[float] = deque()  # response times within the last spike window
        self.last: QuotaSnapshot = QuotaSnapshot()

    @property
    def interval(self) -> float:
        """Current minimum spacing between requests (0 = not pacing)."""
        return self._interval

    @property
    def in_flight(self) -> int:
        """Requests let go by ``wait`` whose ``done`` has not come yet."""
        return self._in_flight

    def observe(self, headers: Mapping[str, str]) -> None:
        snap = read_quota_headers(headers)
        if snap == QuotaSnapshot():
            return
        now = self._clock()
        interval = 0.0
        for available, limit in (
            (snap.throttle_available, snap.throttle_limit),
            (snap.tenant_available, snap.tenant_limit),
        ):
            if available is not None and available <= self.low_water:
                interval = max(interval, 60.0 / max(limit or 60, 1))
        zero_until = None
        if snap.quota_available is not None and snap.quota_available <= self.low_water:
            expiry = (snap.quota_expiry_ms or 0) / 1000
            remaining = max(expiry - now, 60.0)
            if snap.quota_available <= 0:
                zero_until = now + remaining
            else:
                interval = max(interval, remaining / snap.quota_available)
        with self._lock:
            self.last = snap
            if snap.spike_per_second:
                self._spike = snap.spike_per_second
            self._interval = interval
            self._quota_zero_until = zero_until

    def wait(self) -> float:
        """Block while pacing is needed; raise QuotaExhausted at a zero daily quota."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                if self._quota_zero_until is not None and now < self._quota_zero_until:
                    raise QuotaExhausted("Keap's daily API quota is used up")
                delay = max(self._next_at - now, 0.0) if self._interval > 0 else 0.0
                if delay == 0 and self._spike:
                    self._forget_answered(now)
                    if self._in_flight + len(self._answered) >= self._spike:
                        delay = (
                            self._answered[0] + SPIKE_WINDOW - now
                            if self._answered
                            else IN_FLIGHT_POLL
                        )
                if delay <= 0:
                    if self._interval > 0:
                        self._next_at = now + self._interval
                    self._in_flight += 1
                    return waited
            self._sleep(delay)
            waited += delay

    def done(self) -> None:
        """A request let go by ``wait`` was answered, or failed: Keap has seen it if it ever
        will, so it leaves the spike window one second from now."""
        with self._lock:
            now = self._clock()
            self._in_flight = max(0, self._in_flight - 1)
            self._answered.append(now)
            self._forget_answered(now)

    def _forget_answered(self, now: float) -> None:
        # Keap's window is (t - 1 s, t]: a request stamped exactly one second ago has left it.
        # Written as ``wait`` computes its delay (stamp + window - now): with ``now - window``
        # here, float rounding could leave a stamp in the deque whose delay is already 0.0,
        # and ``wait`` would let a request through over the limit.
        while self._answered and self._answered[0] + SPIKE_WINDOW <= now:
            self._answered.popleft()

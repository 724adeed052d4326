"""Retry decisions: which answers are worth another attempt, and how long to wait.

Retried: 429, any 5xx, timeouts and connection errors (the request may never have reached Keap,
or Keap asked us to come back). Never retried: 400/404/409 and other 4xx, because the same
request gets the same answer. Waits grow exponentially with "equal jitter" (half fixed, half
random) so that many threads backing off at once do not return in lock-step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


@dataclass
class RetryPolicy:
    attempts: int = 3
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 30.0
    honour_retry_after: bool = True
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt number ``attempt`` (1-based), jittered."""
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (attempt - 1))
        return base / 2 + self.rng.uniform(0, base / 2)

    def should_retry_status(self, status: int) -> bool:
        return status in RETRY_STATUSES

    @staticmethod
    def should_retry_exception(exc: BaseException) -> bool:
        return isinstance(exc, httpx.TimeoutException | httpx.TransportError)

    def delay_for(self, attempt: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self.attempts:
            return None
        if response is not None and self.honour_retry_after:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                if retry_after > self.max_retry_after:
                    return None
                return retry_after
        delay = self.backoff(attempt)
        if response is not None and response.status_code == 429:
            # A 429 means a window is full, and Keap's smallest window is one second: coming
            # back sooner only collects another 429.
            delay = max(delay, 1.0)
        return delay


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or HTTP-date form); None when absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())

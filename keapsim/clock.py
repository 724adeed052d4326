"""The one clock the simulator reads time from.

Tokens expire, quotas roll over and daily limits reset at midnight UTC; a test must be able to
make a day pass in a millisecond, so every component asks this object for the time instead of
calling ``time.time()`` itself.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

LATEST = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
"""The latest instant the clock may show. Python's datetime ends at year 9999 and every
timestamp keapsim writes goes through one: a clock moved past it would answer 500 to
everything. The margin leaves room for dates computed ahead of now (token lifetimes)."""


class Clock:
    """Wall-clock time plus an offset that tests and QA engineers can advance."""

    def __init__(self, offset_seconds: float = 0.0, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = offset_seconds
        self._frozen_at = frozen_at

    def time(self) -> float:
        """Seconds since the epoch, as the simulator sees it."""
        base = self._frozen_at if self._frozen_at is not None else time.time()
        return base + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> float:
        """Move simulated time forward (never backwards: expiry must stay monotonic)."""
        if not seconds >= 0:  # NaN fails too
            raise ValueError("the clock only moves forward; seconds must be >= 0")
        with self._lock:
            if self.time() + seconds > LATEST:
                raise ValueError("that would move the clock past 9000-01-01T00:00:00Z")
            self._offset += seconds
        return self.time()

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock (at ``at`` or now) so that only ``advance`` moves it."""
        with self._lock:
            self._frozen_at = (at if at is not None else time.time() + self._offset) - self._offset

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset += self._frozen_at - time.time()
                self._frozen_at = None

    def restore(self, offset_seconds: float, frozen_at: float | None = None) -> None:
        """Put back a saved offset (and frozen instant, without the offset) from a snapshot.

        Unlike ``advance`` this may move time backwards: loading a snapshot replaces all
        state, the tokens' expiry times included, so nothing is left to stay monotonic with.
        """
        with self._lock:
            self._offset = offset_seconds
            self._frozen_at = frozen_at

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset(self) -> float:
        return self._offset

    def to_dict(self) -> dict:
        return {
            "now": self.now().isoformat(),
            "epoch": self.time(),
            "offset_seconds": self._offset,
            "frozen": self.frozen,
        }


def iso(dt: datetime) -> str:
    """Keap's timestamp format: ISO 8601 in UTC with milliseconds and a trailing Z."""
    # isoformat pads the year to four digits (RFC 3339) and cuts microseconds down to
    # milliseconds, as Keap shows them; in UTC it ends in "+00:00", which becomes "Z". About a
    # third of strftime's cost, and every shape writes two or more times (issue 18).
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"

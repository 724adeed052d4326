"""A fixed instant for tests that freeze the clock."""

from __future__ import annotations

from datetime import UTC, datetime

# A fixed instant, mid-morning UTC, so that minute-window tests never cross a day boundary.
T0 = datetime(2026, 3, 10, 9, 0, 0, tzinfo=UTC).timestamp()

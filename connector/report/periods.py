"""The report's time: ``--since``, and the period each delivery is grouped into."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from connector.report.log import LogEntry

GROUP_CHOICES: tuple[str, ...] = ("hour", "day", "week", "month", "run", "all")

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, now: datetime | None = None) -> datetime | None:
    """``30d``, ``12h``, ``2w``, ``90m``, an ISO date/time, or ``all`` (no lower bound)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    if text.lower() in {"all", ""}:
        return None
    match = _SINCE.match(text)
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"cannot read --since {value!r}: use 30d, 12h, 2w, 90m, a date (2026-11-01) or all"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def period_of(entry: LogEntry, group_by: str) -> str:
    when = entry.when
    if group_by == "hour":
        return when.strftime("%Y-%m-%d %H:00")
    if group_by == "day":
        return when.strftime("%Y-%m-%d")
    if group_by == "week":
        year, week, _ = when.isocalendar()
        return f"{year}-W{week:02d}"
    if group_by == "month":
        return when.strftime("%Y-%m")
    if group_by == "run":
        return entry.run_id or "(no run)"
    return "all"


def period_label(group_by: str) -> str:
    """The first column's name: the guide's "date" for daily reports, else the grouping."""
    return "date" if group_by == "day" else group_by

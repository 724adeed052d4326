"""The delivery report: per-period counts, success rate, response times and alerts.

Definitions (also in docs/connector/report.md):

* **total**: deliveries in the period (one per ``deliver`` call, so a lead retried on a later
  ``--resume`` counts again); an unreadable input line counts as one failure (logged once,
  not again on ``--resume``).
* **success rate**: successes / (total - skips), in percent. Skips (a lead without e-mail or
  phone, an existing contact with ``skip_existing``) are deliberate, not failures.
* **average / p95 response time**: over deliveries that sent Keap at least one request, in ms
  (p95 by the nearest-rank method). It is the time spent waiting for Keap: the delivery's wall
  time minus the connector's own rate-limit pacing and retry back-off sleeps.
* **duplicate percentage**: deliveries that matched an existing contact / total, in percent.

Alerts use these thresholds unless the flow's ``monitoring.alerts`` or the report's flags say
otherwise: success rate below 90 %, average response time above 1000 ms, duplicates above 50 %.
Targets (``monitoring.targets``; the guide's: success above 95 %, responses under 500 ms) are
shown as met or missed beside the alerts.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.report.log import DeliveryLog, LogEntry

GROUP_CHOICES: tuple[str, ...] = ("hour", "day", "week", "month", "run", "all")

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Thresholds:
    min_success_rate: float = 90.0
    max_avg_response_ms: float = 1000.0
    max_duplicate_pct: float = 50.0


@dataclass(frozen=True)
class Targets:
    """What the integration aims for; the guide's: more than 95 % success, under 500 ms."""

    min_success_rate: float | None = 95.0
    max_avg_response_ms: float | None = 500.0
    max_duplicate_pct: float | None = None


def target_status(row: ReportRow, targets: Targets) -> list[dict[str, Any]]:
    """Each target with the period's value and whether it was met (None: no data)."""
    checks = [
        ("success rate", row.success_rate, targets.min_success_rate, "%", True),
        ("avg response", row.avg_response_ms, targets.max_avg_response_ms, " ms", False),
        ("duplicates", row.duplicate_pct, targets.max_duplicate_pct, "%", False),
    ]
    out = []
    for name, value, target, unit, at_least in checks:
        if target is None:
            continue
        met = None if value is None else (value >= target if at_least else value <= target)
        bound = ">=" if at_least else "<="
        out.append(
            {"name": name, "target": f"{bound} {target:g}{unit}", "value": value, "met": met}
        )
    return out


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


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(0.95 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class ReportRow:
    period: str
    total: int = 0
    successes: int = 0
    failures: int = 0
    errors: int = 0
    skips: int = 0
    duplicates: int = 0
    success_rate: float | None = None
    avg_response_ms: float | None = None
    p95_response_ms: float | None = None
    duplicate_pct: float | None = None
    alerts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


COLUMNS = (
    "period",
    "total",
    "successes",
    "failures",
    "errors",
    "skips",
    "success_rate",
    "avg_response_ms",
    "p95_response_ms",
    "duplicate_pct",
    "alerts",
)


def summarise(period: str, entries: list[LogEntry], thresholds: Thresholds) -> ReportRow:
    row = ReportRow(period=period, total=len(entries))
    latencies: list[float] = []
    for e in entries:
        if e.outcome == "success":
            row.successes += 1
        elif e.outcome == "failure":
            row.failures += 1
        elif e.outcome == "error":
            row.errors += 1
        elif e.outcome == "skip":
            row.skips += 1
        if e.duplicate:
            row.duplicates += 1
        # Only deliveries that asked Keap something have a response time: a lead refused by
        # validation or skipped before any request would pull the average towards 0 ms.
        if e.attempts and e.response_time_ms is not None:
            latencies.append(e.response_time_ms)
    attempted = row.total - row.skips
    if attempted:
        row.success_rate = round(100.0 * row.successes / attempted, 1)
    if latencies:
        row.avg_response_ms = round(sum(latencies) / len(latencies), 1)
        row.p95_response_ms = round(p95(latencies) or 0.0, 1)
    if row.total:
        row.duplicate_pct = round(100.0 * row.duplicates / row.total, 1)
    if row.success_rate is not None and row.success_rate < thresholds.min_success_rate:
        row.alerts.append(f"success rate {row.success_rate}% < {thresholds.min_success_rate:g}%")
    if row.avg_response_ms is not None and row.avg_response_ms > thresholds.max_avg_response_ms:
        row.alerts.append(
            f"response time {row.avg_response_ms:g} ms > {thresholds.max_avg_response_ms:g} ms"
        )
    if row.duplicate_pct is not None and row.duplicate_pct > thresholds.max_duplicate_pct:
        row.alerts.append(f"duplicates {row.duplicate_pct}% > {thresholds.max_duplicate_pct:g}%")
    return row


@dataclass
class Report:
    since: datetime | None
    until: datetime
    group_by: str
    thresholds: Thresholds
    rows: list[ReportRow]
    total: ReportRow
    targets: Targets = field(default_factory=Targets)

    @property
    def target_status(self) -> list[dict[str, Any]]:
        return target_status(self.total, self.targets)

    @property
    def alerts(self) -> list[str]:
        out = [f"{r.period}: {a}" for r in self.rows for a in r.alerts]
        out += [f"overall: {a}" for a in self.total.alerts]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "group_by": self.group_by,
            "thresholds": asdict(self.thresholds),
            "targets": self.target_status,
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total.as_dict(),
            "alerts": self.alerts,
        }


def build_report(
    entries: Iterable[LogEntry],
    *,
    since: datetime | None,
    until: datetime,
    group_by: str = "day",
    thresholds: Thresholds | None = None,
    targets: Targets | None = None,
) -> Report:
    thresholds = thresholds or Thresholds()
    if group_by not in GROUP_CHOICES:
        raise ValueError(f"group-by must be one of {', '.join(GROUP_CHOICES)}")
    all_entries = list(entries)
    groups: dict[str, list[LogEntry]] = {}
    first_seen: dict[str, float] = {}
    for e in all_entries:
        key = period_of(e, group_by)
        groups.setdefault(key, []).append(e)
        first_seen.setdefault(key, e.ts)
    order = sorted(groups, key=lambda k: (first_seen[k], k))
    rows = [summarise(k, groups[k], thresholds) for k in order]
    return Report(
        since=since,
        until=until,
        group_by=group_by,
        thresholds=thresholds,
        rows=rows,
        total=summarise("total", all_entries, thresholds),
        targets=targets or Targets(),
    )


def report_from_log(
    log: DeliveryLog,
    *,
    since: str = "30d",
    group_by: str = "day",
    now: datetime | None = None,
    thresholds: Thresholds | None = None,
    targets: Targets | None = None,
) -> Report:
    now = now or datetime.now(UTC)
    start = parse_since(since, now)
    return build_report(
        log.entries(since=start, until=now + timedelta(seconds=1)),
        since=start,
        until=now,
        group_by=group_by,
        thresholds=thresholds,
        targets=targets,
    )


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def to_csv(report: Report) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([period_label(report.group_by), *COLUMNS[1:]])
    for row in [*report.rows, report.total]:
        data = row.as_dict()
        writer.writerow([_fmt(data[c]) for c in COLUMNS])
    return buf.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2)

"""One period's figures: counts, success rate, response times, duplicates, and the alerts
and targets they are held against (definitions in ``report.py`` and docs/connector/report.md)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from connector.report.log import LogEntry


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
    latencies = _count(row, entries)
    attempted = row.total - row.skips
    if attempted:
        row.success_rate = round(100.0 * row.successes / attempted, 1)
    if latencies:
        row.avg_response_ms = round(sum(latencies) / len(latencies), 1)
        row.p95_response_ms = round(p95(latencies) or 0.0, 1)
    if row.total:
        row.duplicate_pct = round(100.0 * row.duplicates / row.total, 1)
    row.alerts.extend(_alerts(row, thresholds))
    return row


def _count(row: ReportRow, entries: list[LogEntry]) -> list[float]:
    """Count the outcomes and duplicates into ``row``; the response times that count."""
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
    return latencies


def _alerts(row: ReportRow, thresholds: Thresholds) -> list[str]:
    alerts = []
    if row.success_rate is not None and row.success_rate < thresholds.min_success_rate:
        alerts.append(f"success rate {row.success_rate}% < {thresholds.min_success_rate:g}%")
    if row.avg_response_ms is not None and row.avg_response_ms > thresholds.max_avg_response_ms:
        alerts.append(
            f"response time {row.avg_response_ms:g} ms > {thresholds.max_avg_response_ms:g} ms"
        )
    if row.duplicate_pct is not None and row.duplicate_pct > thresholds.max_duplicate_pct:
        alerts.append(f"duplicates {row.duplicate_pct}% > {thresholds.max_duplicate_pct:g}%")
    return alerts

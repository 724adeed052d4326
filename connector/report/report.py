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

``periods.py`` reads ``--since`` and names each delivery's period; ``figures.py`` sums one
period up (:class:`ReportRow`, thresholds, targets); ``exports.py`` writes CSV and JSON. This
module groups the deliveries and builds the :class:`Report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.report.exports import to_csv, to_json
from connector.report.figures import (
    COLUMNS,
    ReportRow,
    Targets,
    Thresholds,
    p95,
    summarise,
    target_status,
)
from connector.report.log import DeliveryLog, LogEntry
from connector.report.periods import GROUP_CHOICES, parse_since, period_label, period_of

#: What this module held before periods.py, figures.py and exports.py: still importable here.
__all__ = [
    "COLUMNS",
    "GROUP_CHOICES",
    "Report",
    "ReportRow",
    "Targets",
    "Thresholds",
    "build_report",
    "p95",
    "parse_since",
    "period_label",
    "period_of",
    "report_from_log",
    "summarise",
    "target_status",
    "to_csv",
    "to_json",
]


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

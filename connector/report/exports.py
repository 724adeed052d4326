"""The report as CSV (one row per period, then the total) or as JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from connector.report.figures import COLUMNS
from connector.report.periods import period_label

if TYPE_CHECKING:
    from connector.report.report import Report


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

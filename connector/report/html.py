"""A self-contained HTML page for the delivery report.

Charts are inline SVG drawn here in Python: the page has no scripts, fonts, images or style
sheets from anywhere else, and its Content-Security-Policy forbids fetching any, so it opens
the same way offline, from an e-mail attachment or from a file share.
"""

from __future__ import annotations

from html import escape

from connector.report.chart import Series, line_chart
from connector.report.report import COLUMNS, Report, ReportRow, period_label

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2933}
h1{font-size:22px;margin:0 0 4px}.meta{color:#52606d;margin-bottom:16px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #d9e2ec;border-radius:8px;
padding:12px;background:#fff}.card h2{font-size:15px;margin:0 0 8px}
svg .grid{stroke:#e4e7eb;stroke-width:1}svg .axis{stroke:#7b8794;stroke-width:1}
svg .tick,svg .legend{font-size:11px;fill:#52606d}
svg .threshold{stroke:#d64545;stroke-dasharray:6 4;stroke-width:1.5}
svg .threshold-label{font-size:11px;fill:#d64545}
table{border-collapse:collapse;margin-top:16px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 10px;text-align:right}
th:first-child,td:first-child,td.alerts,th:last-child{text-align:left}tr.total{font-weight:600}
td.alert{background:#ffe3e3;color:#a61b1b;font-weight:600}.alerts{color:#a61b1b}
.ok{color:#207227}ul.alerts{padding-left:20px}
"""

_HEADINGS = {
    "period": "Period",
    "total": "Total",
    "successes": "Successes",
    "failures": "Failures",
    "errors": "Errors",
    "skips": "Skips",
    "success_rate": "Success rate %",
    "avg_response_ms": "Avg response ms",
    "p95_response_ms": "p95 response ms",
    "duplicate_pct": "Duplicates %",
    "alerts": "Alerts",
}


def _cell(row: ReportRow, column: str, report: Report) -> str:
    value = getattr(row, column)
    t = report.thresholds
    flagged = (
        (column == "success_rate" and value is not None and value < t.min_success_rate)
        or (column == "avg_response_ms" and value is not None and value > t.max_avg_response_ms)
        or (column == "duplicate_pct" and value is not None and value > t.max_duplicate_pct)
    )
    if column == "alerts":
        return f'<td class="alerts">{escape("; ".join(value))}</td>'
    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    cls = ' class="alert"' if flagged else ""
    return f"<td{cls}>{escape(text)}</td>"


def render_html(report: Report, *, title: str = "Keap lead delivery report") -> str:
    success_chart, response_chart = _charts(report)
    since = report.since.strftime("%Y-%m-%d %H:%M UTC") if report.since else "the beginning"
    until = report.until.strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<div class="meta">From {escape(since)} to {escape(until)}, grouped by {escape(report.group_by)}.
{report.total.total} deliveries.</div>
{_period_note(report)}
<div class="charts">
<div class="card"><h2>Success rate</h2>{success_chart}</div>
<div class="card"><h2>Response time</h2>{response_chart}</div>
</div>
<h2>Alerts</h2>
{_alerts_html(report)}
<table id="report-table">{_table_html(report)}</table>
</body>
</html>
"""


def _charts(report: Report) -> tuple[str, str]:
    """The success-rate chart and the response-time chart, each with its alert threshold."""
    labels = [r.period for r in report.rows]
    t = report.thresholds
    success_chart = line_chart(
        "success-rate",
        "Success rate over time",
        labels,
        [Series("success rate", [r.success_rate for r in report.rows], "#2f8132")],
        unit="%",
        y_max=100.0,
        threshold=(t.min_success_rate, f"alert below {t.min_success_rate:g}%"),
    )
    response_chart = line_chart(
        "response-time",
        "Response time over time",
        labels,
        [
            Series("average", [r.avg_response_ms for r in report.rows], "#2563eb"),
            # dashed: when p95 is close to the average the average still shows through
            Series("p95", [r.p95_response_ms for r in report.rows], "#9333ea", dash="7 5"),
        ],
        unit=" ms",
        threshold=(t.max_avg_response_ms, f"alert above {t.max_avg_response_ms:g} ms"),
    )
    return success_chart, response_chart


def _table_html(report: Report) -> str:
    """The table's head and body: one row per period, then the total."""
    headings = {**_HEADINGS, "period": period_label(report.group_by).capitalize()}
    head = "".join(f"<th>{headings[c]}</th>" for c in COLUMNS)
    body = "".join(
        f'<tr class="{"total" if r is report.total else "row"}">'
        + "".join(_cell(r, c, report) for c in COLUMNS)
        + "</tr>"
        for r in [*report.rows, report.total]
    )
    return f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"


def _alerts_html(report: Report) -> str:
    alerts = report.alerts
    alert_html = (
        '<ul class="alerts">' + "".join(f"<li>{escape(a)}</li>" for a in alerts) + "</ul>"
        if alerts
        else '<p class="ok">No alerts: all periods within the thresholds.</p>'
    )
    return alert_html + _targets_html(report)


def _period_note(report: Report) -> str:
    """Why the charts are empty or a single point, when they are."""
    if len(report.rows) == 1 and report.group_by != "all":
        return (
            f'<p class="meta">One {escape(report.group_by)} of data, so each chart has a single '
            "point: <code>--group-by hour</code> or <code>--group-by run</code> (one point per "
            "batch) draws a curve.</p>"
        )
    return "" if report.rows else "<p>No deliveries in this period.</p>"


def _targets_html(report: Report) -> str:
    items = "".join(
        f"<li>{escape(t['name'])} {escape(t['target'])}: "
        f"{escape(_target_word(t['met']))} ({escape(str(t['value']))})</li>"
        for t in report.target_status
    )
    return f'<h2>Targets</h2><ul class="targets">{items}</ul>' if items else ""


def _target_word(met: bool | None) -> str:
    return "no data" if met is None else ("met" if met else "missed")

"""A self-contained HTML page for the delivery report.

Charts are inline SVG drawn here in Python: the page has no scripts, fonts, images or style
sheets from anywhere else, and its Content-Security-Policy forbids fetching any, so it opens
the same way offline, from an e-mail attachment or from a file share.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from connector.report.report import COLUMNS, Report, ReportRow, period_label

WIDTH, HEIGHT = 720, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 20, 48


@dataclass
class Series:
    name: str
    values: list[float | None]
    color: str
    #: an SVG stroke-dasharray: a dashed series drawn over another lets the one below show
    dash: str | None = None


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value)))
    for step in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[Series],
    *,
    unit: str,
    y_max: float | None = None,
    threshold: tuple[float, str] | None = None,
) -> str:
    """An SVG line chart with axes, gridlines, point markers and an optional threshold line."""
    values = [v for s in series for v in s.values if v is not None]
    data_max = max(values, default=0.0)
    # Show the threshold on the scale unless it would squash the data against the axis.
    show_threshold = threshold is not None and (
        y_max is not None or data_max == 0 or threshold[0] <= 2.5 * data_max
    )
    ceiling = max(data_max, threshold[0] if threshold and show_threshold else 0.0)
    top = y_max if y_max is not None else _nice_max(ceiling)
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = len(labels)

    def x(i: int) -> float:
        return PAD_L + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    parts = [
        f'<svg class="chart" id="{chart_id}" data-chart="{chart_id}" data-points="{n}" '
        f'role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        gv = top * k / 4
        gy = y(gv)
        parts.append(
            f'<line class="grid" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{PAD_L - 6}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{gv:g}{escape(unit)}</text>"
        )
    stride = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % stride == 0 or i == n - 1:
            anchor = (
                "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
            )
            parts.append(
                f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - PAD_B + 18}" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}"/>'
        f'<line class="axis" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{HEIGHT - PAD_B}" '
        f'y2="{HEIGHT - PAD_B}"/>'
    )
    if threshold is not None and not show_threshold:
        parts.append(
            f'<text class="threshold-label" x="{WIDTH - PAD_R - 4}" y="{PAD_T + 10}" '
            f'text-anchor="end">{escape(threshold[1])} (off scale, far above)</text>'
        )
    elif threshold is not None:
        tv, tlabel = threshold
        ty = y(tv)
        parts.append(
            f'<line class="threshold" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{ty:.1f}" '
            f'y2="{ty:.1f}"/><text class="threshold-label" x="{WIDTH - PAD_R - 4}" '
            f'y="{ty - 4:.1f}" text-anchor="end">{escape(tlabel)}</text>'
        )
    legend_x = PAD_L
    for s in series:
        pts = [(x(i), y(v), v, labels[i]) for i, v in enumerate(s.values) if v is not None]
        if pts:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts)
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            parts.append(
                f'<polyline class="series" data-series="{escape(s.name)}" fill="none" '
                f'stroke="{s.color}" stroke-width="2.5"{dash} points="{coords}"/>'
            )
            for px, py, v, label in pts:
                parts.append(
                    f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="3.5" '
                    f'fill="{s.color}"><title>{escape(label)}: {v:g}{escape(unit)}</title>'
                    "</circle>"
                )
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 16}" width="12" height="4" fill="{s.color}"/>'
            f'<text class="legend" x="{legend_x + 16}" y="{HEIGHT - 11}">{escape(s.name)}</text>'
        )
        legend_x += 24 + 8 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)


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
    headings = {**_HEADINGS, "period": period_label(report.group_by).capitalize()}
    head = "".join(f"<th>{headings[c]}</th>" for c in COLUMNS)
    body = "".join(
        f'<tr class="{"total" if r is report.total else "row"}">'
        + "".join(_cell(r, c, report) for c in COLUMNS)
        + "</tr>"
        for r in [*report.rows, report.total]
    )
    alerts = report.alerts
    alert_html = (
        '<ul class="alerts">' + "".join(f"<li>{escape(a)}</li>" for a in alerts) + "</ul>"
        if alerts
        else '<p class="ok">No alerts: all periods within the thresholds.</p>'
    )
    alert_html += _targets_html(report)
    since = report.since.strftime("%Y-%m-%d %H:%M UTC") if report.since else "the beginning"
    until = report.until.strftime("%Y-%m-%d %H:%M UTC")
    empty = "" if report.rows else "<p>No deliveries in this period.</p>"
    if len(report.rows) == 1 and report.group_by != "all":
        empty = (
            f'<p class="meta">One {escape(report.group_by)} of data, so each chart has a single '
            "point: <code>--group-by hour</code> or <code>--group-by run</code> (one point per "
            "batch) draws a curve.</p>"
        )
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
{empty}
<div class="charts">
<div class="card"><h2>Success rate</h2>{success_chart}</div>
<div class="card"><h2>Response time</h2>{response_chart}</div>
</div>
<h2>Alerts</h2>
{alert_html}
<table id="report-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
</body>
</html>
"""


def _targets_html(report: Report) -> str:
    items = "".join(
        f"<li>{escape(t['name'])} {escape(t['target'])}: "
        f"{escape(_target_word(t['met']))} ({escape(str(t['value']))})</li>"
        for t in report.target_status
    )
    return f'<h2>Targets</h2><ul class="targets">{items}</ul>' if items else ""


def _target_word(met: bool | None) -> str:
    return "no data" if met is None else ("met" if met else "missed")

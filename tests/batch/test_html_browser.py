"""Open the HTML report in headless Chromium and check that its charts rendered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.report import build_report, render_html
from connector.report.log import LogEntry

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing (apt-get install -y chromium; CI installs it)",
    ),
]


def write_report(path: Path, days: int = 7) -> Path:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    entries = []
    for d in range(days):
        ts = (now - timedelta(days=d, hours=2)).timestamp()
        for i in range(10):
            outcome = "success" if i < 10 - d % 3 else "error"
            entries.append(
                LogEntry(
                    ts=ts + i, outcome=outcome, latency_ms=200.0 + 150 * d + i, duplicate=i < 2
                )
            )
    report = build_report(entries, since=now - timedelta(days=30), until=now, group_by="day")
    path.write_text(render_html(report), encoding="utf-8")
    return path


def open_page(url: str, screenshot: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            page.wait_for_load_state("load")
            charts = {}
            for chart_id in ("success-rate", "response-time"):
                svg = page.locator(f"svg[data-chart='{chart_id}']")
                box = svg.bounding_box()
                lines = svg.locator("polyline.series")
                line_boxes = [lines.nth(i).bounding_box() for i in range(lines.count())]
                charts[chart_id] = {
                    "box": box,
                    "lines": line_boxes,
                    "points": svg.locator("circle.point").count(),
                    "threshold": svg.locator("line.threshold").count(),
                    "path_length": page.evaluate(
                        "id => Array.from(document.querySelectorAll("
                        "`svg[data-chart='${id}'] polyline.series`))"
                        ".map(p => p.getTotalLength())",
                        chart_id,
                    ),
                }
            # every point as the browser placed it: (its tooltip value, centre y on screen)
            placed = page.evaluate(
                "() => Array.from(document.querySelectorAll("
                "`svg[data-chart='success-rate'] circle.point`)).map(c => {"
                " const r = c.getBoundingClientRect();"
                " return [parseFloat(c.querySelector('title').textContent.split(': ')[1]),"
                " r.top + r.height / 2]; })"
            )
            threshold_y = page.locator("svg[data-chart='success-rate'] line.threshold")
            threshold_box = threshold_y.bounding_box()
            table_rows = page.locator("#report-table tbody tr").count()
            flagged = page.locator("#report-table td.alert").count()
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            return {
                "charts": charts,
                "requests": requests,
                "errors": errors,
                "rows": table_rows,
                "flagged": flagged,
                "success_points": placed,
                "threshold_y": threshold_box["y"] + threshold_box["height"] / 2,
            }
        finally:
            browser.close()


def test_html_report_charts_render_offline(tmp_path: Path) -> None:
    html = write_report(tmp_path / "report.html")
    seen = open_page(html.as_uri(), tmp_path / "report.png")
    # the page loaded nothing but itself (no CDN, no fonts, no scripts)
    assert seen["requests"] == [html.as_uri()]
    assert seen["errors"] == []
    for chart_id, series in (("success-rate", 1), ("response-time", 2)):
        chart = seen["charts"][chart_id]
        assert chart["box"]["width"] > 300 and chart["box"]["height"] > 150
        assert len(chart["lines"]) == series
        for line in chart["lines"]:
            assert line["width"] > 200  # spans the 7 days
        assert all(length > 200 for length in chart["path_length"])
        assert chart["points"] == 7 * series
        assert chart["threshold"] == 1
    # the points sit where their values say: a day below 90 % is drawn below the alert line
    points = seen["success_points"]
    assert sorted(v for v, _ in points) == [80.0, 80.0, 90.0, 90.0, 100.0, 100.0, 100.0]
    for value, y in points:
        below = y > seen["threshold_y"] + 1
        assert below == (value < 90), (value, y, seen["threshold_y"])
    by_value = sorted(points)
    assert all(a[1] >= b[1] for a, b in zip(by_value, by_value[1:], strict=False))
    assert seen["rows"] == 8  # 7 days + total
    assert seen["flagged"] > 0  # response times past 1000 ms are highlighted
    assert (tmp_path / "report.png").stat().st_size > 10_000

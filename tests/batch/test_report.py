from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.report import DeliveryLog, build_report, parse_since, render_html, to_csv, to_json
from connector.report.log import LogEntry
from connector.report.report import p95, report_from_log

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def entry(day: int, outcome: str, ms: float | None = 100.0, dup: bool = False) -> LogEntry:
    ts = (NOW - timedelta(days=day, hours=1)).timestamp()
    return LogEntry(ts=ts, outcome=outcome, latency_ms=ms, duplicate=dup)


def sample_entries() -> list[LogEntry]:
    healthy = [entry(2, "success", 100.0 + i) for i in range(19)] + [entry(2, "failure", 120.0)]
    unhealthy = [entry(1, "success", 1500.0, dup=True) for _ in range(3)] + [
        entry(1, "error", 2000.0),
        entry(1, "skip", None),
        entry(1, "failure", 900.0),
    ]
    return healthy + unhealthy


def test_p95_nearest_rank() -> None:
    assert p95([]) is None
    assert p95([5.0]) == 5.0
    assert p95([float(i) for i in range(1, 101)]) == 95.0
    assert p95([float(i) for i in range(1, 21)]) == 19.0


def test_parse_since() -> None:
    assert parse_since("30d", NOW) == NOW - timedelta(days=30)
    assert parse_since("12h", NOW) == NOW - timedelta(hours=12)
    assert parse_since("2w", NOW) == NOW - timedelta(weeks=2)
    assert parse_since("all", NOW) is None
    assert parse_since("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="30d"):
        parse_since("yesterday", NOW)


def test_daily_rows_metrics_and_alerts() -> None:
    rep = build_report(sample_entries(), since=None, until=NOW, group_by="day")
    assert [r.period for r in rep.rows] == ["2026-11-24", "2026-11-25"]
    good, bad = rep.rows
    assert (good.total, good.successes, good.failures, good.errors, good.skips) == (20, 19, 1, 0, 0)
    assert good.success_rate == 95.0
    assert good.avg_response_ms == pytest.approx(
        round((sum(100 + i for i in range(19)) + 120) / 20, 1)
    )
    assert good.p95_response_ms == 118.0
    assert good.duplicate_pct == 0.0
    assert good.alerts == []
    assert (bad.total, bad.successes, bad.failures, bad.errors, bad.skips) == (6, 3, 1, 1, 1)
    assert bad.success_rate == 60.0  # 3 of the 5 that were not skipped
    assert bad.avg_response_ms == pytest.approx((1500 * 3 + 2000 + 900) / 5)
    assert bad.p95_response_ms == 2000.0
    assert bad.duplicate_pct == 50.0  # exactly 50 % is not "above 50 %"
    assert bad.alerts == ["success rate 60.0% < 90%", "response time 1480 ms > 1000 ms"]
    assert rep.total.total == 26
    assert any(a.startswith("2026-11-25: success rate") for a in rep.alerts)


def test_duplicate_alert_and_grouping() -> None:
    entries = [entry(0, "success", 50.0, dup=True) for _ in range(3)] + [entry(0, "success", 50.0)]
    rep = build_report(entries, since=None, until=NOW, group_by="month")
    assert rep.rows[0].period == "2026-11"
    assert rep.rows[0].alerts == ["duplicates 75.0% > 50%"]
    assert (
        build_report(entries, since=None, until=NOW, group_by="week").rows[0].period == "2026-W48"
    )
    assert build_report(entries, since=None, until=NOW, group_by="all").rows[0].total == 4


def test_csv_and_json_outputs() -> None:
    rep = build_report(sample_entries(), since=NOW - timedelta(days=30), until=NOW)
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert [r["date"] for r in rows] == ["2026-11-24", "2026-11-25", "total"]
    assert rows[1]["success_rate"] == "60" and rows[1]["errors"] == "1"
    assert "response time 1480 ms > 1000 ms" in rows[1]["alerts"]
    data = json.loads(to_json(rep))
    assert data["group_by"] == "day" and data["thresholds"]["min_success_rate"] == 90.0
    assert data["rows"][0]["p95_response_ms"] == 118.0
    assert data["total"]["total"] == 26 and len(data["alerts"]) >= 2


def test_report_from_sqlite_log_respects_since(tmp_path: Path) -> None:
    with DeliveryLog(tmp_path / "log.db") as log:
        for e in sample_entries():
            log.record(outcome=e.outcome, latency_ms=e.latency_ms, duplicate=e.duplicate, ts=e.ts)
        log.record(outcome="success", latency_ms=10.0, ts=(NOW - timedelta(days=40)).timestamp())
        assert log.count() == 27
        rep = report_from_log(log, since="30d", group_by="day", now=NOW)
        assert rep.total.total == 26
        rep_all = report_from_log(log, since="all", group_by="day", now=NOW)
        assert rep_all.total.total == 27 and len(rep_all.rows) == 3


def test_html_is_self_contained() -> None:
    rep = build_report(sample_entries(), since=None, until=NOW)
    page = render_html(rep)
    assert page.count("<svg") == 2 and page.count("<polyline") == 3
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page and "<link" not in page
    assert "default-src 'none'" in page
    assert 'class="alert"' in page  # flagged cells


def test_html_threshold_far_above_the_data_is_noted_not_drawn() -> None:
    entries = [entry(1, "success", 20.0), entry(0, "success", 30.0)]
    page = render_html(build_report(entries, since=None, until=NOW))
    response_chart = page[page.index('data-chart="response-time"') :]
    assert "alert above 1000 ms (off scale, far above)" in response_chart
    assert '<line class="threshold"' not in response_chart
    assert page.count('<line class="threshold"') == 1  # the success-rate chart keeps its line


def test_response_time_only_counts_deliveries_that_asked_keap() -> None:
    asked = [
        LogEntry(ts=NOW.timestamp() - 60, outcome="success", latency_ms=400.0, duplicate=False)
    ]
    # refused by validation or skipped before any request: no response time to speak of
    local = [
        LogEntry(ts=NOW.timestamp() - 50, outcome=o, latency_ms=0.2, duplicate=False, attempts=0)
        for o in ("failure", "skip", "failure")
    ]
    row = build_report(asked + local, since=None, until=NOW).total
    assert (row.total, row.failures, row.skips) == (4, 2, 1)
    assert row.avg_response_ms == 400.0 and row.p95_response_ms == 400.0


def test_first_column_is_the_guides_date_for_daily_reports() -> None:
    rep = build_report(sample_entries(), since=None, until=NOW, group_by="day")
    assert to_csv(rep).splitlines()[0].split(",")[:2] == ["date", "total"]
    assert "<th>Date</th>" in render_html(rep)
    weekly = build_report(sample_entries(), since=None, until=NOW, group_by="week")
    assert to_csv(weekly).startswith("week,total,")


def test_html_says_why_a_chart_has_a_single_point() -> None:
    page = render_html(build_report([entry(0, "success")], since=None, until=NOW))
    assert "One day of data, so each chart has a single point" in page
    assert "--group-by run</code> (one point per batch)" in page
    two_days = render_html(
        build_report([entry(0, "success"), entry(1, "success")], since=None, until=NOW)
    )
    assert "single point" not in two_days

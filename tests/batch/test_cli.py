"""The CLI over a fake connector (click's CliRunner, in-process)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.lead_files import lead, write_csv

from connector import cli
from connector.batch import load_results
from connector.report import DeliveryLog

from .fakes import FakeConnector


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeConnector:
    connector = FakeConnector()
    monkeypatch.setattr(cli, "load_connector", lambda path: connector)
    return connector


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_deliver_then_report(tmp_path: Path, fake: FakeConnector) -> None:
    rows = [lead(i) for i in range(12)]
    rows[2]["email"] = "error2@example.com"
    rows[4]["email"] = "lead1@example.com"
    path = write_csv(tmp_path / "leads.csv", rows)
    db = tmp_path / "log.sqlite3"
    res = invoke("deliver", "-c", "flow.yaml", str(path), "--log-db", str(db), "--no-progress")
    assert res.exit_code == 1, res.output  # one lead ended in error
    assert "Delivery summary" in res.output and "leads.dead-letter.csv" in res.output
    results = load_results(tmp_path / "leads.results.jsonl")
    assert len(results) == 12
    dead = (tmp_path / "leads.dead-letter.csv").read_text().splitlines()
    assert dead[0].startswith("first_name,") and len(dead) == 2 and "error2@" in dead[1]

    out = invoke("report", "--since", "30d", "--group-by", "day", "--log-db", str(db))
    assert out.exit_code == 0
    assert "Deliveries by day" in out.output and "total" in out.output

    out = invoke("report", "--format", "csv", "--log-db", str(db))
    rows_csv = list(csv.DictReader(io.StringIO(out.output)))
    assert rows_csv[-1]["date"] == "total" and rows_csv[-1]["total"] == "12"
    assert rows_csv[-1]["errors"] == "1" and rows_csv[-1]["successes"] == "11"

    html = tmp_path / "report.html"
    out = invoke("report", "--format", "json", "--log-db", str(db), "--html", str(html))
    data = json.loads(out.output.split("\nHTML report written")[0])
    assert data["total"]["duplicate_pct"] == pytest.approx(8.3)
    assert html.read_text().count("<svg") == 2

    out = invoke("report", "--log-db", str(db), "--fail-on-alert")
    assert out.exit_code == 0  # 91.7 % success, fast, few duplicates


def test_existing_results_need_resume_or_overwrite(tmp_path: Path, fake: FakeConnector) -> None:
    path = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(3)])
    args = ["deliver", "-c", "f.yaml", str(path), "--no-log", "--no-progress"]
    assert invoke(*args).exit_code == 0
    again = invoke(*args)
    assert again.exit_code == 2 and "--resume" in again.output
    resumed = invoke(*args, "--resume")
    assert resumed.exit_code == 0 and "3 lead(s) were already delivered" in resumed.output
    assert sum(fake.calls.values()) == 3
    assert invoke(*args, "--overwrite").exit_code == 0
    assert sum(fake.calls.values()) == 6


def test_on_error_stop_prints_a_clear_summary(tmp_path: Path, fake: FakeConnector) -> None:
    rows = [lead(i) for i in range(10)]
    rows[3]["email"] = "error3@example.com"
    path = write_csv(tmp_path / "leads.csv", rows)
    res = invoke(
        "deliver",
        "-c",
        "f.yaml",
        str(path),
        "--no-log",
        "--no-progress",
        "--workers",
        "1",
        "--on-error",
        "stop",
    )
    assert res.exit_code == 3
    assert "stopped at the first error (on_error: stop): line 5" in res.output
    assert "--resume" in res.output
    out = load_results(tmp_path / "leads.results.jsonl")
    assert [r.outcome for r in out].count("not_delivered") == 6


def test_on_error_from_the_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connector = FakeConnector(on_error="stop")
    monkeypatch.setattr(cli, "load_connector", lambda path: connector)
    rows = [lead(i) for i in range(5)]
    rows[0]["email"] = "bad-address"
    path = write_csv(tmp_path / "leads.csv", rows)
    res = invoke("deliver", "-c", "f.yaml", str(path), "--no-log", "--no-progress", "-j1")
    assert res.exit_code == 3 and "first failure" in res.output


def test_invalid_input_file_errors(tmp_path: Path, fake: FakeConnector) -> None:
    headerless = tmp_path / "nohead.csv"
    headerless.write_text("Ada,ada@example.com\n")
    res = invoke("deliver", "-c", "f.yaml", str(headerless), "--no-log", "--no-progress")
    assert res.exit_code == 2 and "line 1: missing or invalid header" in res.output
    assert sum(fake.calls.values()) == 0

    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(b"email,first_name\na@example.com,A\nb\xff@example.com,B\nc@example.com\n")
    res = invoke("deliver", "-c", "f.yaml", str(mixed), "--no-log", "--no-progress")
    assert res.exit_code == 0, res.output
    assert "mixed.csv: line 3: not valid utf-8 text" in res.output
    assert "line 4: expected 2 fields" in res.output
    assert sorted(fake.calls) == ["a@example.com"]
    strict = invoke(
        "deliver",
        "-c",
        "f.yaml",
        str(mixed),
        "--no-log",
        "--no-progress",
        "--strict-input",
        "--overwrite",
    )
    assert strict.exit_code == 2 and "nothing was sent" in strict.output
    assert sum(fake.calls.values()) == 1


def test_report_without_log(tmp_path: Path) -> None:
    res = invoke("report", "--log-db", str(tmp_path / "none.sqlite3"))
    assert res.exit_code == 2 and "no delivery log" in res.output


def test_progress_bar_renders(tmp_path: Path, fake: FakeConnector) -> None:
    path = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(5)])
    res = invoke("deliver", "-c", "f.yaml", str(path), "--no-log")
    assert res.exit_code == 0
    assert "delivering" in res.output and "5/5" in res.output and "success 5" in res.output
    assert "failure 0" in res.output and "error 0" in res.output and "skip 0" in res.output
    assert re.search(r"\d+\.\d leads/s", res.output)  # the current rate


def test_report_table_flags_the_guides_thresholds(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with DeliveryLog(db) as log:
        for i in range(10):  # 70 % success, 1.5 s responses, 60 % duplicates
            outcome = "success" if i < 7 else "error"
            log.record(outcome=outcome, latency_ms=1500.0, duplicate=i < 6, attempts=1)
    out = invoke("report", "--log-db", str(db))
    assert out.exit_code == 0
    header = next(line for line in out.output.splitlines() if "total" in line and "dup %" in line)
    assert header.split()[1] == "date"
    assert "70 !" in out.output and "1500 !" in out.output and "60 !" in out.output
    assert "Alerts" in out.output
    for alert in ("success rate 70.0% < 90%", "response time 1500 ms > 1000 ms"):
        assert f"overall: {alert}" in out.output
    assert "duplicates 60.0% > 50%" in out.output
    assert invoke("report", "--log-db", str(db), "--fail-on-alert").exit_code == 1


def test_bad_flow_file_is_reported(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("keap:\n  base_url: not-a-url\n  dupliactes: {}\n")
    path = write_csv(tmp_path / "leads.csv", [lead(1)])
    res = invoke("deliver", "-c", str(flow), str(path), "--no-log", "--no-progress")
    assert res.exit_code == 2
    assert "invalid connector configuration" in res.output and "keap.base_url" in res.output
    assert not (tmp_path / "leads.results.jsonl").exists()


def test_report_rejects_a_bad_since(tmp_path: Path, fake: FakeConnector) -> None:
    path = write_csv(tmp_path / "leads.csv", [lead(1)])
    db = tmp_path / "log.sqlite3"
    invoke("deliver", "-c", "f.yaml", str(path), "--log-db", str(db), "--no-progress")
    res = invoke("report", "--since", "yesterday", "--log-db", str(db))
    assert res.exit_code == 2 and "cannot read --since 'yesterday'" in res.output


@pytest.mark.slow
def test_sigterm_stops_like_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connector = FakeConnector(delay=0.02)
    monkeypatch.setattr(cli, "load_connector", lambda path: connector)
    # A signal landing after the batch must not end pytest: the CLI restores this no-op.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        path = write_csv(tmp_path / "leads.csv", [lead(i) for i in range(100)])
        threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
        res = invoke("deliver", "-c", "f.yaml", str(path), "--no-log", "--no-progress", "-j2")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert res.exit_code == 130, res.output
    assert "SIGTERM: finishing the leads in flight" in res.output
    results = load_results(tmp_path / "leads.results.jsonl")
    outcomes = [r.outcome for r in results]
    assert len(results) == 100 and set(outcomes) == {"success", "not_delivered"}
    # the leads in flight finished and were recorded; nothing else was sent
    assert sum(connector.calls.values()) == outcomes.count("success")

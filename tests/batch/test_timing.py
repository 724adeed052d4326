from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from support.lead_files import lead, write_csv

from connector.batch import BatchRunner, read_leads
from connector.batch.timing import WaitMeter
from connector.report import DeliveryLog
from connector.result import DeliveryResult, Outcome


def test_wait_meter_counts_sleeps_per_thread_and_sets_waited() -> None:
    slept: list[float] = []
    meter = WaitMeter(sleep=slept.append)  # a fake sleep: instant

    def deliver(lead_: dict[str, str]) -> DeliveryResult:
        for _ in range(int(lead_["n"])):
            meter.sleep(0.5)
        return DeliveryResult(Outcome.SUCCESS, elapsed=2.0)

    measured = meter.wrap(deliver)
    out: dict[str, float] = {}

    def worker(n: int) -> None:
        out[str(n)] = measured({"n": str(n)}).waited

    threads = [threading.Thread(target=worker, args=(n,)) for n in (0, 1, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slept) == 4
    # each thread sees only its own sleeps (a fake sleep takes ~0 s of real time)
    assert out["0"] == 0.0 and 0 <= out["1"] < 0.05 and 0 <= out["3"] < 0.05


def test_response_time_excludes_waiting(tmp_path: Path) -> None:
    def deliver(lead_: dict[str, str]) -> DeliveryResult:
        result = DeliveryResult(Outcome.SUCCESS, contact_id="1", elapsed=1.5, attempts=2)
        result.waited = 1.2  # type: ignore[attr-defined]
        return result

    path = write_csv(tmp_path / "in.csv", [lead(1)])
    with DeliveryLog(tmp_path / "log.db") as log:
        BatchRunner(
            deliver,
            read_leads(path),
            results_path=tmp_path / "r.jsonl",
            dead_letter_path=tmp_path / "d.csv",
            log=log,
        ).run()
        (entry,) = list(log.entries())
    assert entry.latency_ms == 1500.0
    assert entry.response_ms == 300.0 and entry.response_time_ms == 300.0


def test_old_log_without_response_column_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, "
        "run_id TEXT, source TEXT, line INTEGER, lead_key TEXT, email TEXT, outcome TEXT NOT "
        "NULL, reason TEXT, contact_id TEXT, duplicate INTEGER, attempts INTEGER, "
        "latency_ms REAL, details TEXT)"
    )
    con.execute("INSERT INTO deliveries (ts, outcome, latency_ms) VALUES (1.0, 'success', 80)")
    con.commit()
    con.close()
    with DeliveryLog(db) as log:
        log.record(outcome="error", latency_ms=900.0, response_ms=100.0, ts=2.0)
        entries = list(log.entries())
    assert [(e.outcome, e.response_time_ms) for e in entries] == [("success", 80), ("error", 100)]

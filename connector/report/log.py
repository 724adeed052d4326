"""Delivery log: every delivery attempt of a lead, in an embedded SQLite database.

One row per call of ``Connector.deliver`` (a lead retried on a later ``--resume`` gets another
row). The report is computed from this table. Lead data other than the e-mail address is not
stored; the full per-step details are kept as JSON for troubleshooting.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: One row of ``deliveries``, in the order :meth:`DeliveryLog.record` builds it.
_INSERT_DELIVERY = (
    "INSERT INTO deliveries (ts, run_id, source, line, lead_key, email, outcome, "
    "reason, contact_id, duplicate, attempts, latency_ms, response_ms, details) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

#: Where the log lives unless ``--log-db`` or ``KEAP_CONNECTOR_LOG`` says otherwise.
DEFAULT_LOG_PATH = "keap-delivery-log.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ts          REAL    NOT NULL,           -- unix time (UTC) when the delivery finished
    run_id      TEXT,
    source      TEXT,                       -- input file, or 'send-test-lead'
    line        INTEGER,
    lead_key    TEXT,
    email       TEXT,
    outcome     TEXT    NOT NULL,           -- success | failure | error | skip
    reason      TEXT,
    contact_id  TEXT,
    duplicate   INTEGER,
    attempts    INTEGER,
    latency_ms  REAL,                       -- wall time of the delivery
    response_ms REAL,                       -- minus the connector's pacing/back-off sleeps
    details     TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_ts ON deliveries (ts);
"""


def default_log_path() -> Path:
    return Path(os.environ.get("KEAP_CONNECTOR_LOG") or DEFAULT_LOG_PATH)


@dataclass(frozen=True)
class LogEntry:
    ts: float
    outcome: str
    latency_ms: float | None
    duplicate: bool
    attempts: int = 1
    response_ms: float | None = None
    reason: str | None = None
    email: str | None = None
    contact_id: str | None = None
    source: str | None = None
    line: int | None = None
    run_id: str | None = None

    @property
    def response_time_ms(self) -> float | None:
        """Keap's response time when known, else the delivery's wall time."""
        return self.response_ms if self.response_ms is not None else self.latency_ms

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.ts, tz=UTC)


class DeliveryLog:
    """A thread-safe handle on the SQLite delivery log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}
        if "response_ms" not in columns:  # a log written before response_ms existed
            self._db.execute("ALTER TABLE deliveries ADD COLUMN response_ms REAL")
        self._db.commit()

    def record(
        self,
        *,
        outcome: str,
        latency_ms: float | None,
        response_ms: float | None = None,
        duplicate: bool | None = None,
        attempts: int | None = None,
        reason: str | None = None,
        contact_id: str | int | None = None,
        email: str | None = None,
        source: str | None = None,
        line: int | None = None,
        lead_key: str | None = None,
        run_id: str | None = None,
        details: dict[str, Any] | None = None,
        ts: float | None = None,
    ) -> None:
        row = (
            ts if ts is not None else datetime.now(UTC).timestamp(),
            run_id,
            source,
            line,
            lead_key,
            email,
            outcome,
            reason,
            None if contact_id is None else str(contact_id),
            None if duplicate is None else int(bool(duplicate)),
            attempts,
            latency_ms,
            response_ms,
            json.dumps(details, default=str) if details else None,
        )
        self._insert(row)

    def _insert(self, row: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(_INSERT_DELIVERY, row)
            self._db.commit()

    def entries(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[LogEntry]:
        query = (
            "SELECT ts, outcome, latency_ms, duplicate, attempts, reason, email, contact_id, "
            "source, line, run_id, response_ms FROM deliveries WHERE ts >= ? AND ts < ? ORDER BY ts"
        )
        lo = since.timestamp() if since else float("-inf")
        hi = until.timestamp() if until else float("inf")
        with self._lock:
            rows = self._db.execute(query, (lo, hi)).fetchall()
        for r in rows:
            yield LogEntry(
                ts=r[0],
                outcome=r[1],
                latency_ms=r[2],
                duplicate=bool(r[3]),
                attempts=r[4] or 0,
                reason=r[5],
                email=r[6],
                contact_id=r[7],
                source=r[8],
                line=r[9],
                run_id=r[10],
                response_ms=r[11],
            )

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> DeliveryLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

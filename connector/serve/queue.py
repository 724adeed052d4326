"""The durable queue of queue mode, in an embedded SQLite file.

A lead's life is ``queued`` → ``in_flight`` → ``done``, one committed row update per step:

* ``POST /leads`` answers 202 only after the row is committed (``synchronous=FULL``: it
  survives a crash of the process and of the machine);
* a worker marks the lead ``in_flight`` and stamps its first start (UTC) *before* the first
  request to Keap: the in-flight journal of batch delivery (connector/batch/ledger.py);
* the result is written when the delivery ends, and the lead's data is then dropped from the
  queue (the outcome stays for ``GET /leads/{id}``).

After a crash the rows still ``in_flight`` are exactly the leads that may or may not have
reached Keap; :meth:`SqliteQueue.recover` puts them back as *in doubt*, and the workers apply
``--resume``'s rules to them (connector/serve/worker.py). Finished rows are never delivered
again. One instance owns a queue file (an exclusive ``flock`` on ``<file>.lock``): two
processes claiming from one file would each think the other's in-flight leads were crashed.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from connector.batch.ledger import LeadResult

DEFAULT_QUEUE_PATH = "keap-serve-queue.sqlite3"
#: How long finished leads stay answerable at ``GET /leads/{id}``.
KEEP_FINISHED_SECONDS = 7 * 24 * 3600
#: How many waiting leads one claim looks at for one whose address is not busy.
CLAIM_WINDOW = 256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS leads (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    idempotency_key TEXT    UNIQUE,
    received        REAL    NOT NULL,          -- unix time the lead was accepted
    lead            TEXT,                      -- JSON; NULL once delivered
    address         TEXT    NOT NULL,          -- lower-cased e-mail, '' without one
    state           TEXT    NOT NULL,          -- queued | in_flight | done
    first_started   TEXT,                      -- ISO UTC: first hand-over to the connector
    in_doubt        INTEGER NOT NULL DEFAULT 0,
    finished        REAL,
    outcome         TEXT,
    reason          TEXT,
    contact_id      TEXT,
    duplicate       INTEGER
);
CREATE INDEX IF NOT EXISTS leads_state ON leads (state, seq);
CREATE INDEX IF NOT EXISTS leads_address ON leads (address, finished);
"""


class QueueBusy(RuntimeError):
    """Another process serves from this queue file."""


@dataclass(frozen=True)
class Job:
    """A claimed lead."""

    id: str
    lead: dict[str, Any]
    address: str
    #: when an earlier attempt started (set for leads in doubt after a crash)
    first_started: datetime | None
    in_doubt: bool


@dataclass(frozen=True)
class Accepted:
    id: str
    #: False when an ``Idempotency-Key`` named a lead accepted before
    new: bool


class LeadQueue(Protocol):
    """What the app and the workers need from a queue backend."""

    def enqueue(self, lead: dict[str, Any], address: str, key: str | None = None) -> Accepted: ...

    def claim(self, busy: Collection[str]) -> Job | None: ...

    def finish(self, job: Job, result: LeadResult) -> None: ...

    def status(self, lead_id: str) -> dict[str, Any] | None: ...

    def depth(self) -> int: ...

    def recover(self) -> int: ...

    def finished_since(self, address: str, since: float, other_than: str) -> bool: ...

    def close(self) -> None: ...


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SqliteQueue:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lockfile = self._own(self.path.with_name(self.path.name + ".lock"))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before 202 is sent, even if the machine loses power.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    @staticmethod
    def _own(lock_path: Path) -> Any:
        handle = lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise QueueBusy(
                f"another keap-connector serve uses the queue {lock_path.with_suffix('')}; "
                "give each instance its own --queue-db (or share a Redis queue)"
            ) from None
        return handle

    # -- writes ----------------------------------------------------------------------------------
    def enqueue(self, lead: dict[str, Any], address: str, key: str | None = None) -> Accepted:
        lead_id = uuid.uuid4().hex
        with self._lock:
            if key is not None:
                row = self._db.execute(
                    "SELECT id FROM leads WHERE idempotency_key = ?", (key,)
                ).fetchone()
                if row is not None:
                    return Accepted(row["id"], new=False)
            self._db.execute(
                "INSERT INTO leads (id, idempotency_key, received, lead, address, state) "
                "VALUES (?, ?, ?, ?, ?, 'queued')",
                (lead_id, key, time.time(), json.dumps(lead), address),
            )
            self._db.commit()
        return Accepted(lead_id, new=True)

    def claim(self, busy: Collection[str]) -> Job | None:
        """The oldest waiting lead whose address is not in ``busy``, now marked in flight."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, lead, address, first_started, in_doubt FROM leads "
                "WHERE state = 'queued' ORDER BY seq LIMIT ?",
                (CLAIM_WINDOW,),
            ).fetchall()
            skipped: set[str] = set()
            for row in rows:
                address = row["address"]
                if address and (address in busy or address in skipped):
                    skipped.add(address)  # later leads of a busy address wait their turn
                    continue
                started = row["first_started"] or _now_iso()
                self._db.execute(
                    "UPDATE leads SET state = 'in_flight', first_started = ? WHERE id = ?",
                    (started, row["id"]),
                )
                self._db.commit()
                return Job(
                    id=row["id"],
                    lead=json.loads(row["lead"]),
                    address=address,
                    first_started=datetime.fromisoformat(started) if row["in_doubt"] else None,
                    in_doubt=bool(row["in_doubt"]),
                )
        return None

    def finish(self, job: Job, result: LeadResult) -> None:
        duplicate = None if result.duplicate is None else int(bool(result.duplicate))
        with self._lock:
            self._db.execute(
                "UPDATE leads SET state = 'done', finished = ?, outcome = ?, reason = ?, "
                "contact_id = ?, duplicate = ?, lead = NULL WHERE id = ?",
                (time.time(), result.outcome, result.reason, result.contact_id, duplicate, job.id),
            )
            self._db.commit()

    def recover(self) -> int:
        """Put the leads a crash left in flight back in line, marked in doubt."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE leads SET state = 'queued', in_doubt = 1 WHERE state = 'in_flight'"
            )
            self._db.commit()
            return cursor.rowcount

    def forget_finished(self, older_than: float = KEEP_FINISHED_SECONDS) -> int:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM leads WHERE state = 'done' AND finished < ?",
                (time.time() - older_than,),
            )
            self._db.commit()
            return cursor.rowcount

    # -- reads -----------------------------------------------------------------------------------
    def status(self, lead_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, received, state, in_doubt, finished, outcome, reason, contact_id, "
                "duplicate FROM leads WHERE id = ?",
                (lead_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            "id": row["id"],
            "status": row["state"],
            "received_at": _iso(row["received"]),
            "finished_at": _iso(row["finished"]),
            "outcome": row["outcome"],
            "reason": row["reason"],
            "contact_id": row["contact_id"],
            "duplicate": None if row["duplicate"] is None else bool(row["duplicate"]),
        }

    def depth(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM leads WHERE state IN ('queued', 'in_flight')"
            ).fetchone()
        return int(row[0])

    def finished_since(self, address: str, since: float, other_than: str) -> bool:
        """Whether another lead with this address finished at or after ``since``."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM leads WHERE address = ? AND state = 'done' AND finished >= ? "
                "AND id != ? LIMIT 1",
                (address, since, other_than),
            ).fetchone()
        return row is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._lockfile.close()


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=UTC).isoformat(timespec="milliseconds")

"""Results file, resume ledger and dead-letter file of a batch.

The results file is the ledger. While a batch runs, every finished lead is appended to it as
one JSON line and fsync'd before the next result is taken, so a crash (even SIGKILL) loses at
most the leads that were in flight. Before a lead is handed to the connector its key is
appended (and fsync'd) to a small *in-flight journal* next to the results file, with the time
it started (this machine's clock, UTC); on resume a key that was started but never finished is
"in doubt": it may or may not have reached Keap. Its earliest start time is kept so that the
runner can ask Keap whether the contact was written since (see triage.py).

At the end of a run (finished, stopped or interrupted) the results file is rewritten atomically
with exactly one line per input lead, in input order, and the journal is removed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.batch.readers import InputRecord, LeadFile

#: Reason prefix of a lead that was in flight when a run died (see triage.py).
IN_DOUBT = "in doubt:"


@dataclass
class LeadResult:
    """One line of the results file."""

    line: int
    key: str
    outcome: str
    reason: str | None = None
    contact_id: str | None = None
    duplicate: bool | None = None
    attempts: int = 0
    #: wall time of the delivery
    latency_ms: float | None = None
    #: time spent waiting for Keap: latency minus the connector's pacing and back-off sleeps
    response_ms: float | None = None
    ts: str | None = None
    run: str | None = None
    #: failure/error: the step that failed (see ``DeliveryResult.failed_step``)
    failed_step: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        for optional in ("details", "failed_step"):
            if not data[optional]:
                data.pop(optional)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeadResult:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def _fsync_append(handle: io.TextIOWrapper, text: str) -> None:
    handle.write(text)
    handle.flush()
    os.fsync(handle.fileno())


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read JSON lines, ignoring a torn last line (a crash mid-write)."""
    out: list[dict[str, Any]] = []
    if not path.exists():
        return out
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for text in handle:
            text = text.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                out.append(value)
    return out


def _parse_stamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class ResultsLedger:
    """Append-only results file with an in-flight journal, compacted at the end of a run."""

    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".inflight")
        self.previous: dict[str, LeadResult] = {}
        self.in_doubt: set[str] = set()
        #: Earliest recorded start of each in-doubt key (absent for journals without stamps).
        self.started_at: dict[str, datetime] = {}
        if resume:
            for data in _read_jsonl(self.path):
                if "key" in data and "outcome" in data:
                    self.previous[data["key"]] = LeadResult.from_dict(data)
            journal = [d for d in _read_jsonl(self.journal_path) if "key" in d]
            self.in_doubt = {d["key"] for d in journal} - set(self.previous)
            for entry in journal:
                stamp = _parse_stamp(entry.get("started"))
                key = entry["key"]
                # A lead started in several runs (killed again while re-sent): the first
                # attempt is the earliest that can have written its contact.
                if key in self.in_doubt and stamp is not None:
                    self.started_at[key] = min(stamp, self.started_at.get(key, stamp))
            # A lead already reported "in doubt" stays so until a person re-sends it from the
            # dead-letter file; a second --resume must not quietly re-send it either.
            self.in_doubt |= {
                k
                for k, r in self.previous.items()
                if r.outcome == "error" and (r.reason or "").startswith(IN_DOUBT)
            }
        else:
            for p in (self.path, self.journal_path):
                if p.exists():
                    p.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._results = self.path.open("a", encoding="utf-8")
        self._journal = self.journal_path.open("a", encoding="utf-8")

    def delivered(self, key: str) -> LeadResult | None:
        """The earlier successful result of this lead, if any (resume)."""
        prev = self.previous.get(key)
        return prev if prev is not None and prev.outcome == "success" else None

    def mark_started(self, record: InputRecord) -> None:
        started = datetime.now(UTC).isoformat(timespec="milliseconds")
        entry = {"key": record.key, "line": record.line, "started": started}
        _fsync_append(self._journal, json.dumps(entry) + "\n")

    def append(self, result: LeadResult) -> None:
        _fsync_append(self._results, result.to_json() + "\n")

    def finalize(self, final: Iterable[LeadResult]) -> None:
        """Rewrite the results file with one line per lead, then drop the journal."""
        self.close()
        ordered = sorted(final, key=lambda r: r.line)
        _atomic_write(self.path, "".join(r.to_json() + "\n" for r in ordered))
        if self.journal_path.exists():
            self.journal_path.unlink()

    def close(self) -> None:
        for handle in (self._results, self._journal):
            if not handle.closed:
                handle.close()


def write_dead_letter(path: str | Path, source: LeadFile, keys: set[str]) -> int:
    """Write the leads whose key is in ``keys`` to ``path`` in the input's own format.

    A CSV dead-letter file has the input's header row, so it can be fed back to ``deliver``
    unchanged. Returns the number of leads written; an empty set removes a stale file.
    """
    path = Path(path)
    chosen = [r for r in source.records if r.key in keys and r.lead is not None]
    if not chosen:
        if path.exists():
            path.unlink()
        return 0
    buf = io.StringIO(newline="")
    if source.format == "csv":
        assert source.header is not None
        writer = csv.DictWriter(
            buf, fieldnames=source.header, lineterminator="\n", delimiter=source.delimiter
        )
        writer.writeheader()
        for rec in chosen:
            writer.writerow(rec.lead or {})
    else:
        for rec in chosen:
            buf.write(rec.raw.rstrip("\r\n") + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, buf.getvalue())
    return len(chosen)


def load_results(path: str | Path) -> list[LeadResult]:
    """Read a results file (the last record of each key wins)."""
    latest: dict[str, LeadResult] = {}
    for data in _read_jsonl(Path(path)):
        if "key" in data:
            latest[data["key"]] = LeadResult.from_dict(data)
    return sorted(latest.values(), key=lambda r: r.line)

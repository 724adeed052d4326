"""What a batch run is told and what it keeps: options, live counters, the run's state and
the summary it ends with (and the exit code that summary means)."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from connector.batch.ledger import LeadResult, ResultsLedger
from connector.result import RECONCILED

#: Exit codes of ``keap-connector deliver`` (see docs/connector/batch.md).
EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_STOPPED = 3
EXIT_INTERRUPTED = 130


@dataclass
class BatchOptions:
    workers: int = 4
    #: Optional cap on leads started per second (the connector paces HTTP requests itself).
    max_rate: float | None = None
    #: ``on_error: stop``: stop at the first delivered lead that ends in failure or error.
    stop_on_error: bool = False
    resume: bool = False
    #: Re-send in-doubt leads that cannot be checked in Keap first (safe with upserts only).
    redeliver_in_doubt: bool = True
    run_id: str | None = None


@dataclass
class BatchStats:
    """Live counters, passed to the progress callback after every lead."""

    total: int
    counts: Counter[str] = field(default_factory=Counter)
    already_delivered: int = 0
    in_doubt_redelivered: int = 0
    in_doubt_reconciled: int = 0
    finished: int = 0
    started_at: float = field(default_factory=time.monotonic)
    _recent: deque[float] = field(default_factory=lambda: deque(maxlen=2000))

    def note(self, outcome: str) -> None:
        self.counts[outcome] += 1
        self.finished += 1
        self._recent.append(time.monotonic())

    @property
    def rate(self) -> float:
        """Leads finished per second over the last five seconds."""
        now = time.monotonic()
        window = min(5.0, max(now - self.started_at, 1e-6))
        return sum(1 for t in self._recent if now - t <= window) / window


@dataclass
class BatchSummary:
    total: int
    counts: dict[str, int]
    already_delivered: int
    in_doubt_redelivered: int
    stopped: str | None
    first_error: LeadResult | None
    results_path: Path
    dead_letter_path: Path
    dead_letter_count: int
    elapsed: float
    interrupted: bool = False
    #: in-doubt leads found already in Keap and recorded as delivered without a second write
    in_doubt_reconciled: int = 0
    #: readable leads that ended in ``failure``, written in the input's format (re-deliverable
    #: once fixed); None when the runner was given no failures file
    failures_path: Path | None = None
    failures_count: int = 0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.stopped:
            return EXIT_STOPPED
        if self.counts.get("error"):
            return EXIT_ERRORS
        return EXIT_OK


@dataclass
class RunState:
    """What one ``run`` accumulates: the ledger, live counters and each lead's final result."""

    ledger: ResultsLedger
    stats: BatchStats
    final: dict[str, LeadResult] = field(default_factory=dict)
    first_error: LeadResult | None = None

    def count(self, res: LeadResult, checked: bool) -> None:
        self.stats.note(res.outcome)
        if checked:
            if res.outcome == "success" and res.reason == RECONCILED:
                self.stats.in_doubt_reconciled += 1
            else:
                self.stats.in_doubt_redelivered += 1
        if res.outcome == "error" and self.first_error is None:
            self.first_error = res

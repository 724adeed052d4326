"""Concurrent batch delivery with resume, dead-lettering and a clean stop.

The runner knows nothing about Keap: it calls ``deliver(lead) -> result`` (normally
``Connector.deliver``, which is thread-safe and paces its own HTTP requests to the configured
rate limit) from a small thread pool, and records every outcome.

Exactly-once accounting
-----------------------
* Every input record ends with exactly one line in the results file: ``success``, ``failure``
  (including unreadable input lines), ``error``, ``skip`` or ``not_delivered`` (a lead never
  handed to the connector because the batch was interrupted or stopped).
* The dead-letter file holds exactly the leads whose final outcome is ``error``.
* Results are appended and fsync'd one lead at a time (see :mod:`connector.batch.ledger`), so
  after SIGKILL the results file still lists every lead that finished.

Its parts: :mod:`~connector.batch.triage` sorts the file before sending (earlier successes,
unreadable lines, and the leads in flight when an earlier run died: its docstring has the
``--resume`` rules); :mod:`~connector.batch.recording` records each lead once;
:mod:`~connector.batch.results` turns a connector's result into a results line and a log row;
:mod:`~connector.batch.state` holds the options, live counters and the summary.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.batch.ledger import LeadResult, ResultsLedger
from connector.batch.readers import InputRecord, LeadFile
from connector.batch.recording import Recorder
from connector.batch.results import (
    DeliveryLogLike,
    record_result,
    result_from_connector,
)
from connector.batch.scheduler import EmailScheduler
from connector.batch.state import (
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STOPPED,
    BatchOptions,
    BatchStats,
    BatchSummary,
    RunState,
)
from connector.batch.triage import Triage, match_key

# The names this module had before its parts moved out; importers keep working.
__all__ = [
    "EXIT_ERRORS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_STOPPED",
    "BatchOptions",
    "BatchRunner",
    "BatchStats",
    "BatchSummary",
    "DeliverFn",
    "DeliverInDoubtFn",
    "DeliveryLogLike",
    "record_result",
    "result_from_connector",
]

DeliverFn = Callable[[dict[str, Any]], Any]
#: ``(lead, started_at) -> result``: look the in-doubt lead up in Keap, deliver it if not there.
DeliverInDoubtFn = Callable[[dict[str, Any], datetime], Any]


class BatchRunner:
    """Deliver every lead of a :class:`LeadFile` once, recording each outcome."""

    def __init__(
        self,
        deliver: DeliverFn,
        source: LeadFile,
        *,
        results_path: str | Path,
        dead_letter_path: str | Path,
        options: BatchOptions | None = None,
        log: DeliveryLogLike | None = None,
        on_start: Callable[[BatchStats], None] | None = None,
        on_result: Callable[[LeadResult | None, BatchStats], None] | None = None,
        deliver_in_doubt: DeliverInDoubtFn | None = None,
        failures_path: str | Path | None = None,
    ) -> None:
        self.deliver = deliver
        self.failures_path = Path(failures_path) if failures_path is not None else None
        self.deliver_in_doubt = deliver_in_doubt
        #: in-doubt lead key -> its start time, for leads to check in Keap before sending.
        #: Filled before the worker threads start and only read by them.
        self._check_first: dict[str, datetime] = {}
        self.source = source
        self.results_path = Path(results_path)
        self.dead_letter_path = Path(dead_letter_path)
        self.options = options or BatchOptions()
        self.log = log
        self.on_start = on_start
        self.on_result = on_result
        self.run_id = self.options.run_id or uuid.uuid4().hex[:12]
        self._stop = threading.Event()
        self._stop_reason: str | None = None
        self._interrupted = False
        self._next_start = 0.0

    # -- control -----------------------------------------------------------------------------
    def request_stop(self, reason: str = "interrupted", *, interrupted: bool = True) -> None:
        """Stop handing out leads; in-flight leads finish and are recorded. Signal-safe."""
        if not self._stop.is_set():
            self._stop_reason = reason
            self._interrupted = interrupted
            self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- one lead ----------------------------------------------------------------------------
    def _deliver_one(self, record: InputRecord) -> LeadResult:
        t0 = time.monotonic()
        started = self._check_first.get(record.key)
        try:
            if started is not None and self.deliver_in_doubt is not None:
                value = self.deliver_in_doubt(dict(record.lead or {}), started)
            else:
                value = self.deliver(dict(record.lead or {}))
        except Exception as exc:  # a crash in one lead must not end the batch
            wall = time.monotonic() - t0
            return LeadResult(
                line=record.line,
                key=record.key,
                outcome="error",
                reason=f"unexpected {type(exc).__name__}: {exc}",
                attempts=1,
                latency_ms=round(wall * 1000, 1),
            )
        return result_from_connector(record, value, time.monotonic() - t0)

    def _pace(self) -> None:
        rate = self.options.max_rate
        if not rate:
            return
        now = time.monotonic()
        if self._next_start > now:
            # Sleep in small steps so that a stop request is honoured promptly.
            # (The clock is read once per step: read twice, the start time could pass between
            # the check and the sleep, and time.sleep refuses a negative length.)
            while not self._stop.is_set():
                remaining = self._next_start - time.monotonic()
                if remaining <= 0:
                    break
                time.sleep(min(0.05, remaining))
            now = time.monotonic()
        self._next_start = max(now, self._next_start) + 1.0 / rate

    # -- the batch ---------------------------------------------------------------------------
    def run(self) -> BatchSummary:
        t_start = time.monotonic()
        state = RunState(
            ledger=ResultsLedger(self.results_path, resume=self.options.resume),
            stats=BatchStats(total=len(self.source)),
        )
        recorder = self._recorder(state)
        if self.on_start is not None:
            self.on_start(state.stats)
        scheduler = EmailScheduler(self._triage(recorder)(state), lambda rec: match_key(rec.lead))
        if self.on_result is not None and state.stats.already_delivered:
            self.on_result(None, state.stats)  # refresh the display after resume skips
        try:
            self._deliver_all(recorder, scheduler)
        finally:
            recorder.not_delivered(scheduler.remaining(), self._stop_reason or "not delivered")
            dead = recorder.finalize(self.dead_letter_path)
            failed = recorder.write_failures(self.failures_path)
        summary = self._summary(state, dead, time.monotonic() - t_start)
        summary.failures_path, summary.failures_count = self.failures_path, failed
        return summary

    def _recorder(self, state: RunState) -> Recorder:
        return Recorder(
            state,
            source=self.source,
            options=self.options,
            run_id=self.run_id,
            log=self.log,
            on_result=self.on_result,
            checked_first=self._check_first.__contains__,
            stop=functools.partial(self.request_stop, interrupted=False),
        )

    def _triage(self, recorder: Recorder) -> Triage:
        return Triage(
            self.source,
            self.options,
            can_check=self.deliver_in_doubt is not None,
            check_first=self._check_first,
            finish=recorder.finish,
        )

    # -- sending -------------------------------------------------------------------------------
    def _deliver_all(self, recorder: Recorder, scheduler: EmailScheduler[InputRecord]) -> None:
        workers = max(1, self.options.workers)
        inflight: dict[Future[LeadResult], InputRecord] = {}
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver")
        try:
            while True:
                try:
                    self._fill(recorder.state, scheduler, executor, inflight, workers)
                    if not inflight:
                        break  # nothing left (held leads only ever wait on in-flight ones)
                    self._collect(recorder, scheduler, inflight)
                except KeyboardInterrupt:
                    # Only reached when the caller left Python's default SIGINT handler in
                    # place; the CLI installs its own that calls request_stop().
                    self.request_stop("interrupted (KeyboardInterrupt)")
        finally:
            executor.shutdown(wait=True)
            for fut, rec in list(inflight.items()):
                if fut.done() and rec.key not in recorder.state.final:
                    recorder.finish(rec, fut.result(), delivered=True)

    def _fill(
        self,
        state: RunState,
        scheduler: EmailScheduler[InputRecord],
        executor: ThreadPoolExecutor,
        inflight: dict[Future[LeadResult], InputRecord],
        workers: int,
    ) -> None:
        """Start leads until every worker is busy, the file is done or a stop is requested."""
        while not self._stop.is_set() and len(inflight) < workers:
            self._pace()
            if self._stop.is_set():
                return
            rec = scheduler.take()
            if rec is None:
                return
            state.ledger.mark_started(rec)
            scheduler.started(rec)
            inflight[executor.submit(self._deliver_one, rec)] = rec

    def _collect(
        self,
        recorder: Recorder,
        scheduler: EmailScheduler[InputRecord],
        inflight: dict[Future[LeadResult], InputRecord],
    ) -> None:
        done, _ = wait(list(inflight), timeout=0.2, return_when=FIRST_COMPLETED)
        for fut in done:
            rec = inflight.pop(fut)
            scheduler.finished(rec)
            recorder.finish(rec, fut.result(), delivered=True)

    # -- the summary ---------------------------------------------------------------------------
    def _summary(self, state: RunState, dead: int, elapsed: float) -> BatchSummary:
        stats = state.stats
        return BatchSummary(
            total=len(self.source),
            counts=dict(Counter(r.outcome for r in state.final.values())),
            already_delivered=stats.already_delivered,
            in_doubt_redelivered=stats.in_doubt_redelivered,
            in_doubt_reconciled=stats.in_doubt_reconciled,
            stopped=self._stop_reason,
            first_error=state.first_error,
            results_path=self.results_path,
            dead_letter_path=self.dead_letter_path,
            dead_letter_count=dead,
            elapsed=elapsed,
            interrupted=self._interrupted,
        )

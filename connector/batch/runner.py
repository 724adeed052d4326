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

Leads in flight when a run died (resume)
----------------------------------------
A lead that was *in flight* when the process died (SIGKILL, power loss) has no result line, but
its request may already have reached Keap. ``--resume`` skips every lead already recorded as
``success`` and delivers the rest, and handles these in-doubt leads as follows:

1. **Checked first** (``deliver_in_doubt``, normally ``Connector.deliver_in_doubt``): when the
   lead has an e-mail address that no other lead of the file shares and its start time is in
   the in-flight journal, Keap is asked for a contact with that address updated since the
   lead started. Found: the lead is recorded as ``success`` with reason "reconciled after an
   interrupted run" and its contact id, and the contact is not written again (tags and
   sequences are re-applied, which Keap answers as already done; the note and v1 UTM record
   are not re-sent, as they are not idempotent). Not found: the lead is delivered as usual.
   An address shared with another lead is not checked: that lead's own write, moments
   earlier, would look like this one's.
2. Otherwise **re-sent** when that is harmless: with ``duplicates.mode: update_existing`` the
   contact step is an upsert matched by e-mail, so a second delivery updates the contact the
   first one created (``skip_existing`` is idempotent too: the retry ends as ``skip``).
3. Otherwise (``create_new``, where a second delivery *would* create a second contact, so the
   runner is told ``redeliver_in_doubt=False``; or a lead without an e-mail address, which
   nothing can match) the lead ends as ``error`` with reason "in doubt" and goes to the
   dead-letter file for a person to check. A checked lead whose look-up or delivery ends in
   ``error`` is marked the same way when ``redeliver_in_doubt`` is off, so that a later
   ``--resume`` does not re-send it blindly either.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from connector.batch.ledger import IN_DOUBT, LeadResult, ResultsLedger, write_dead_letter
from connector.batch.readers import InputRecord, LeadFile
from connector.batch.scheduler import EmailScheduler
from connector.result import RECONCILED

DeliverFn = Callable[[dict[str, Any]], Any]
#: ``(lead, started_at) -> result``: look the in-doubt lead up in Keap, deliver it if not there.
DeliverInDoubtFn = Callable[[dict[str, Any], datetime], Any]

#: Exit codes of ``keap-connector deliver`` (see docs/connector/batch.md).
EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_STOPPED = 3
EXIT_INTERRUPTED = 130


class DeliveryLogLike(Protocol):
    # A property, so that any keyword signature (DeliveryLog.record's is keyword-only) fits.
    @property
    def record(self) -> Callable[..., None]: ...


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


def _text(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def result_from_connector(record: InputRecord, value: Any, wall: float) -> LeadResult:
    """Turn whatever ``deliver`` returned (a ``DeliveryResult`` or a dict) into a LeadResult."""

    def get(name: str, default: Any = None) -> Any:
        if isinstance(value, dict):
            return value.get(name, default)
        return getattr(value, name, default)

    outcome = str(_text(get("outcome", "error")) or "error").lower()
    elapsed = get("elapsed")
    latency = float(elapsed) * 1000 if isinstance(elapsed, int | float) else wall * 1000
    waited = get("waited")
    # Keap's share of the time: without the connector's own pacing and back-off sleeps.
    response = max(0.0, latency - float(waited) * 1000) if isinstance(waited, int | float) else None
    contact_id = get("contact_id")
    attempts = get("attempts")
    details: dict[str, Any] = {}
    steps = get("steps")
    if steps:
        details["steps"] = [_step_summary(s) for s in steps]
    for extra in ("warnings", "refused_tag_ids"):
        if get(extra):
            details[extra] = list(get(extra))
    return LeadResult(
        line=record.line,
        key=record.key,
        outcome=outcome,
        reason=get("reason"),
        contact_id=None if contact_id is None else str(contact_id),
        duplicate=get("duplicate"),
        attempts=1 if attempts is None else int(attempts),
        latency_ms=round(latency, 1),
        response_ms=None if response is None else round(response, 1),
        failed_step=get("failed_step"),
        details=details,
    )


def record_result(
    log: DeliveryLogLike,
    result: LeadResult,
    *,
    email: str | None,
    source: str,
    line: int | None,
    lead_key: str,
    run_id: str,
) -> None:
    """Write one delivery-log row for ``result``."""
    log.record(
        outcome=result.outcome,
        latency_ms=result.latency_ms,
        response_ms=result.response_ms,
        duplicate=result.duplicate,
        attempts=result.attempts,
        reason=result.reason,
        contact_id=result.contact_id,
        email=email,
        source=source,
        line=line,
        lead_key=lead_key,
        run_id=run_id,
        details=result.details or None,
    )


def _step_summary(step: Any) -> Any:
    if isinstance(step, dict):
        return step
    if is_dataclass(step) and not isinstance(step, type):
        return {k: _text(v) for k, v in asdict(step).items() if v not in (None, {}, [])}
    for attr in ("to_dict", "model_dump", "as_dict"):
        fn = getattr(step, attr, None)
        if callable(fn):
            try:
                return fn()
            except Exception:  # details are best effort
                break
    if hasattr(step, "__dict__"):
        return {k: _text(v) for k, v in vars(step).items() if not k.startswith("_")}
    return str(step)


def _lead_email(lead: dict[str, Any] | None) -> str | None:
    if not lead:
        return None
    for key in ("email", "Email", "email_address", "e-mail"):
        value = lead.get(key)
        if isinstance(value, str) and value:
            return value.strip()
    return None


def _match_key(lead: dict[str, Any] | None) -> str:
    email = _lead_email(lead)
    return email.lower() if email else ""


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
        state = _RunState(
            ledger=ResultsLedger(self.results_path, resume=self.options.resume),
            stats=BatchStats(total=len(self.source)),
        )
        if self.on_start is not None:
            self.on_start(state.stats)
        scheduler = EmailScheduler(self._triage(state), lambda rec: _match_key(rec.lead))
        if self.on_result is not None and state.stats.already_delivered:
            self.on_result(None, state.stats)  # refresh the display after resume skips
        try:
            self._deliver_all(state, scheduler)
        finally:
            self._record_not_delivered(state, scheduler.remaining())
            dead = self._finalize(state)
            failed = self._write_failures(state)
        summary = self._summary(state, dead, time.monotonic() - t_start)
        summary.failures_path, summary.failures_count = self.failures_path, failed
        return summary

    # -- before sending: what is already done, what is in doubt --------------------------------
    def _triage(self, state: _RunState) -> list[InputRecord]:
        """Record unreadable lines and earlier successes; the leads left to send, in order."""
        sharing = Counter(_match_key(rec.lead) for rec in self.source if rec.ok)
        queue = []
        for rec in self.source:
            if not rec.ok:
                self._record_invalid(state, rec)
            elif (earlier := state.ledger.delivered(rec.key)) is not None:
                self._record_earlier(state, rec, earlier)
            elif rec.key not in state.ledger.in_doubt or self._in_doubt_sendable(
                state, rec, sharing
            ):
                queue.append(rec)
        return queue

    def _record_invalid(self, state: _RunState, rec: InputRecord) -> None:
        res = LeadResult(
            line=rec.line,
            key=rec.key,
            outcome="failure",
            reason=f"invalid input on line {rec.line}: {rec.error}",
            attempts=0,
        )
        # Logged once per file: a resume reports the line again but sends nothing, so a second
        # log row would count one bad line as two failed deliveries.
        self._finish(state, rec, res, logged=rec.key not in state.ledger.previous)

    @staticmethod
    def _record_earlier(state: _RunState, rec: InputRecord, earlier: LeadResult) -> None:
        earlier.line = rec.line
        state.final[rec.key] = earlier
        state.stats.already_delivered += 1
        state.stats.counts["success"] += 1
        state.stats.finished += 1

    def _in_doubt_sendable(self, state: _RunState, rec: InputRecord, sharing: Counter[str]) -> bool:
        """Decide an in-doubt lead: check it in Keap first, re-send it, or report it."""
        email = _match_key(rec.lead)
        started = state.ledger.started_at.get(rec.key)
        if self.deliver_in_doubt and email and sharing[email] == 1 and started:
            self._check_first[rec.key] = started  # counted in _finish()
            return True
        # Matching is by e-mail: a lead without one is created, never upserted.
        if not (self.options.redeliver_in_doubt and email):
            res = LeadResult(
                line=rec.line,
                key=rec.key,
                outcome="error",
                reason=f"{IN_DOUBT} the lead was in flight when an earlier run died "
                "and may have reached Keap; check it before re-sending it "
                "(duplicates.mode is not an upsert)",
                attempts=0,
            )
            self._finish(state, rec, res, logged=False)
            return False
        state.stats.in_doubt_redelivered += 1
        return True

    # -- sending -------------------------------------------------------------------------------
    def _deliver_all(self, state: _RunState, scheduler: EmailScheduler[InputRecord]) -> None:
        workers = max(1, self.options.workers)
        inflight: dict[Future[LeadResult], InputRecord] = {}
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver")
        try:
            while True:
                try:
                    self._fill(state, scheduler, executor, inflight, workers)
                    if not inflight:
                        break  # nothing left (held leads only ever wait on in-flight ones)
                    self._collect(state, scheduler, inflight)
                except KeyboardInterrupt:
                    # Only reached when the caller left Python's default SIGINT handler in
                    # place; the CLI installs its own that calls request_stop().
                    self.request_stop("interrupted (KeyboardInterrupt)")
        finally:
            executor.shutdown(wait=True)
            for fut, rec in list(inflight.items()):
                if fut.done() and rec.key not in state.final:
                    self._finish(state, rec, fut.result(), delivered=True)

    def _fill(
        self,
        state: _RunState,
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
        state: _RunState,
        scheduler: EmailScheduler[InputRecord],
        inflight: dict[Future[LeadResult], InputRecord],
    ) -> None:
        done, _ = wait(list(inflight), timeout=0.2, return_when=FIRST_COMPLETED)
        for fut in done:
            rec = inflight.pop(fut)
            scheduler.finished(rec)
            self._finish(state, rec, fut.result(), delivered=True)

    # -- recording -----------------------------------------------------------------------------
    def _stamp(self, res: LeadResult) -> LeadResult:
        res.ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        res.run = self.run_id
        return res

    def _finish(
        self,
        state: _RunState,
        rec: InputRecord,
        res: LeadResult,
        *,
        logged: bool = True,
        delivered: bool = False,
    ) -> None:
        self._stamp(res)
        checked = rec.key in self._check_first
        if checked and res.outcome == "error" and not self.options.redeliver_in_doubt:
            # The look-up or the delivery after it failed: the lead is still in doubt, and with
            # create_new a later --resume must not re-send it blindly.
            res.reason = f"{IN_DOUBT} {res.reason}"
        # The log row goes first: if the process dies between the two writes the lead is "in
        # doubt" and re-sent (an idempotent upsert), so the log never misses a delivery that
        # happened; the other order could lose the log row of a recorded lead.
        if logged:
            self._log(rec, res)
        state.ledger.append(res)
        state.final[rec.key] = res
        state.count(res, checked)
        if delivered:
            self._stop_on_error(res)
        if self.on_result is not None:
            self.on_result(res, state.stats)

    def _log(self, rec: InputRecord, res: LeadResult) -> None:
        if self.log is None:
            return
        record_result(
            self.log,
            res,
            email=_lead_email(rec.lead),
            source=str(self.source.path),
            line=rec.line,
            lead_key=rec.key,
            run_id=self.run_id,
        )

    def _stop_on_error(self, res: LeadResult) -> None:
        """Same rule as Connector.deliver_many: on_error: stop ends the batch at the first lead
        Keap did not take (failure or error). Unreadable input lines are reported but do not
        stop the batch (use --strict-input for that)."""
        if not self.options.stop_on_error or res.outcome not in ("error", "failure"):
            return
        if not self._stop.is_set():
            self.request_stop(
                f"stopped at the first {res.outcome} (on_error: stop): line {res.line}: "
                f"{res.reason or res.outcome}",
                interrupted=False,
            )

    def _record_not_delivered(self, state: _RunState, records: list[InputRecord]) -> None:
        reason = self._stop_reason or "not delivered"
        for rec in records:
            if rec.key in state.final:
                continue
            state.final[rec.key] = self._stamp(
                LeadResult(
                    line=rec.line,
                    key=rec.key,
                    outcome="not_delivered",
                    reason=f"not sent: {reason}; run again with --resume",
                    attempts=0,
                )
            )
            state.stats.counts["not_delivered"] += 1

    def _finalize(self, state: _RunState) -> int:
        """Compact the results file and write the dead letters; their number."""
        state.ledger.finalize(state.final.values())
        errors = {k for k, r in state.final.items() if r.outcome == "error"}
        return write_dead_letter(self.dead_letter_path, self.source, errors)

    def _write_failures(self, state: _RunState) -> int:
        """Readable leads that ended in failure, to their own re-deliverable file."""
        if self.failures_path is None:
            return 0
        failed = {k for k, r in state.final.items() if r.outcome == "failure"}
        return write_dead_letter(self.failures_path, self.source, failed)

    def _summary(self, state: _RunState, dead: int, elapsed: float) -> BatchSummary:
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


@dataclass
class _RunState:
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

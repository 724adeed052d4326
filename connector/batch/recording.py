"""Recording each lead's final result exactly once: the delivery log, the results ledger, the
live counters and the display; at the end, the leads never sent, the dead letters and the
failures file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from connector.batch.ledger import IN_DOUBT, LeadResult, write_dead_letter
from connector.batch.readers import InputRecord, LeadFile
from connector.batch.results import DeliveryLogLike, lead_email, record_result
from connector.batch.state import BatchOptions, BatchStats, RunState


class Recorder:
    """Finishes the leads of one run, into its :class:`RunState`; called from one thread."""

    def __init__(
        self,
        state: RunState,
        *,
        source: LeadFile,
        options: BatchOptions,
        run_id: str,
        log: DeliveryLogLike | None,
        on_result: Callable[[LeadResult | None, BatchStats], None] | None,
        checked_first: Callable[[str], bool],
        stop: Callable[[str], None],
    ) -> None:
        self.state = state
        self.source = source
        self.options = options
        self.run_id = run_id
        self.log = log
        self.on_result = on_result
        #: Whether a lead (by key) was an in-doubt lead looked up in Keap first.
        self.checked_first = checked_first
        #: Ends the batch (``on_error: stop``) with the reason given.
        self.stop = stop

    def stamp(self, res: LeadResult) -> LeadResult:
        res.ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        res.run = self.run_id
        return res

    def finish(
        self,
        rec: InputRecord,
        res: LeadResult,
        *,
        logged: bool = True,
        delivered: bool = False,
    ) -> None:
        state = self.state
        self.stamp(res)
        checked = self.checked_first(rec.key)
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
            email=lead_email(rec.lead),
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
        self.stop(
            f"stopped at the first {res.outcome} (on_error: stop): line {res.line}: "
            f"{res.reason or res.outcome}"
        )

    def not_delivered(self, records: list[InputRecord], reason: str) -> None:
        """Leads never handed to the connector (the batch stopped): sent on a ``--resume``."""
        state = self.state
        for rec in records:
            if rec.key in state.final:
                continue
            state.final[rec.key] = self.stamp(
                LeadResult(
                    line=rec.line,
                    key=rec.key,
                    outcome="not_delivered",
                    reason=f"not sent: {reason}; run again with --resume",
                    attempts=0,
                )
            )
            state.stats.counts["not_delivered"] += 1

    def finalize(self, dead_letter_path: Path) -> int:
        """Compact the results file and write the dead letters; their number."""
        self.state.ledger.finalize(self.state.final.values())
        errors = {k for k, r in self.state.final.items() if r.outcome == "error"}
        return write_dead_letter(dead_letter_path, self.source, errors)

    def write_failures(self, failures_path: Path | None) -> int:
        """Readable leads that ended in failure, to their own re-deliverable file."""
        if failures_path is None:
            return 0
        failed = {k for k, r in self.state.final.items() if r.outcome == "failure"}
        return write_dead_letter(failures_path, self.source, failed)

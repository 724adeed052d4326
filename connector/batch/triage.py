"""Before sending: what is unreadable, what an earlier run delivered, and what is in doubt.

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

from collections import Counter
from datetime import datetime
from typing import Any, Protocol

from connector.batch.ledger import IN_DOUBT, LeadResult
from connector.batch.readers import InputRecord, LeadFile
from connector.batch.results import lead_email
from connector.batch.state import BatchOptions, RunState


def match_key(lead: dict[str, Any] | None) -> str:
    """What two leads are held apart by (never in flight together): the e-mail, lower-cased."""
    email = lead_email(lead)
    return email.lower() if email else ""


class FinishFn(Protocol):
    """Records a lead's final result (``Recorder.finish``)."""

    def __call__(self, rec: InputRecord, res: LeadResult, *, logged: bool = True) -> None: ...


class Triage:
    """Records the leads that need no sending and picks how each in-doubt lead is handled."""

    def __init__(
        self,
        source: LeadFile,
        options: BatchOptions,
        *,
        can_check: bool,
        check_first: dict[str, datetime],
        finish: FinishFn,
    ) -> None:
        self.source = source
        self.options = options
        #: Whether in-doubt leads can be looked up in Keap (a ``deliver_in_doubt`` was given).
        self.can_check = can_check
        #: Filled here with the in-doubt leads to look up first: lead key -> its start time.
        self.check_first = check_first
        self.finish = finish

    def __call__(self, state: RunState) -> list[InputRecord]:
        """Record unreadable lines and earlier successes; the leads left to send, in order."""
        sharing = Counter(match_key(rec.lead) for rec in self.source if rec.ok)
        queue = []
        for rec in self.source:
            if not rec.ok:
                self._record_invalid(state, rec)
            elif (earlier := state.ledger.delivered(rec.key)) is not None:
                _record_earlier(state, rec, earlier)
            elif rec.key not in state.ledger.in_doubt or self._in_doubt_sendable(
                state, rec, sharing
            ):
                queue.append(rec)
        return queue

    def _record_invalid(self, state: RunState, rec: InputRecord) -> None:
        res = LeadResult(
            line=rec.line,
            key=rec.key,
            outcome="failure",
            reason=f"invalid input on line {rec.line}: {rec.error}",
            attempts=0,
        )
        # Logged once per file: a resume reports the line again but sends nothing, so a second
        # log row would count one bad line as two failed deliveries.
        self.finish(rec, res, logged=rec.key not in state.ledger.previous)

    def _in_doubt_sendable(self, state: RunState, rec: InputRecord, sharing: Counter[str]) -> bool:
        """Decide an in-doubt lead: check it in Keap first, re-send it, or report it."""
        email = match_key(rec.lead)
        started = state.ledger.started_at.get(rec.key)
        if self.can_check and email and sharing[email] == 1 and started:
            self.check_first[rec.key] = started  # counted when the lead finishes
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
            self.finish(rec, res, logged=False)
            return False
        state.stats.in_doubt_redelivered += 1
        return True


def _record_earlier(state: RunState, rec: InputRecord, earlier: LeadResult) -> None:
    earlier.line = rec.line
    state.final[rec.key] = earlier
    state.stats.already_delivered += 1
    state.stats.counts["success"] += 1
    state.stats.finished += 1

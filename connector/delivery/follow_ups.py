"""The follow-up steps once the contact is saved: UTM, tags, sequences and the note."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from connector.client.auth import json_object
from connector.client.errors import (
    KeapAuthFailed,
    KeapRecovered,
    KeapRejected,
    KeapUnavailable,
)
from connector.client.keap import KeapClient
from connector.config import ConnectorConfig, ErrorBehaviour, When
from connector.delivery.run import Plan, Run
from connector.dialects import Dialect, NoteRequest
from connector.mapping import note_text, tags_allowed_on_existing
from connector.result import StepStatus

#: Tag statuses (v1 per-tag map and v2 ``results``) that mean "the contact has the tag".
TAG_OK = {"SUCCESS", "DUPLICATE", "ALREADY_APPLIED", "ALREADY_EXISTS"}
SEQUENCE_OK = {"SUCCESS", "ALREADY_IN_SEQUENCE"}

_T = TypeVar("_T")


class FollowUps:
    """Runs a saved contact's follow-up steps in order; each is one request (or two)."""

    def __init__(self, config: ConnectorConfig, client: KeapClient, dialect: Dialect) -> None:
        self.config = config
        self.client = client
        self.dialect = dialect

    def __call__(self, run: Run, plan: Plan, *, replay: bool = False) -> None:
        """Tags, sequences, UTM and note. ``replay``: the contact was written by an interrupted
        run that may or may not have got this far. Tags and sequences are re-applied (Keap
        answers DUPLICATE / ALREADY_IN_SEQUENCE for those already done, so nothing doubles);
        the v1 UTM record and the note are *not* re-sent, as each POST adds a new one: they may
        be missing on the contact, which the result's warnings say, but never doubled."""
        steps = self._steps(run, plan, replay)
        stop = self.config.on_error is ErrorBehaviour.STOP
        for i, step in enumerate(steps):
            try:
                ok = step()
            except (KeapAuthFailed, KeapUnavailable) as exc:
                # The contact is saved; say so, so whoever retries knows the retry is an upsert.
                exc.message = (
                    f"contact saved, but a follow-up step failed ({run.stage}): {exc.message}"
                )
                raise
            if not ok and stop and i < len(steps) - 1:
                run.step("follow_ups", StepStatus.SKIPPED, "stopped after a failed step")
                run.warnings.append("remaining follow-up steps skipped (on_error: stop)")
                return

    def _steps(self, run: Run, plan: Plan, replay: bool) -> list[Callable[[], bool]]:
        steps: list[Callable[[], bool]] = []
        utm = self.dialect.utm_body(plan.lead, self.config)
        if utm and replay:
            _not_replayed(
                run, "utm", "UTM parameters not re-sent (not idempotent); check the contact"
            )
        elif utm:
            steps.append(lambda: self._add_utm(run, utm))
        tag_ids = [t for t, when in plan.tags if _applies(when, run.duplicate)]
        if tag_ids and run.duplicate and not tags_allowed_on_existing(self.config):
            run.step("tags", StepStatus.SKIPPED, "tags preserved on existing contacts")
        elif tag_ids:
            steps.append(lambda: self._apply_tags(run, tag_ids))
        for seq in self.config.sequences:
            if _applies(seq.when, run.duplicate):
                steps.append(
                    functools.partial(self._add_to_sequence, run, seq.campaign_id, seq.sequence_id)
                )
        text = note_text(plan.lead, self.config, plan.note_body)
        if self.config.note.enabled and text and replay:
            _not_replayed(
                run, "note", "note not re-sent (not idempotent); check the contact has it"
            )
        elif self.config.note.enabled and text:
            steps.append(lambda: self._add_note(run, plan.note_title, text))
        return steps

    def _follow_up(self, run: Run, name: str, call: Callable[[], _T]) -> _T | None:
        """Run one follow-up request; a 4xx from Keap is recorded as a failed step (the contact
        is saved, so the lead still succeeds) and gives None."""
        run.stage = name
        try:
            return call()
        except KeapRejected as exc:
            run.step(name, StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"{name}: Keap rejected the request (HTTP {exc.status})")
            return None

    def _apply_tags(self, run: Run, tag_ids: list[int]) -> bool:
        contact_id = run.saved_contact_id()
        statuses = self._follow_up(
            run,
            "tags",
            lambda: self.dialect.tag_statuses(self.client, contact_id, tag_ids, run.stats),
        )
        if statuses is None:
            return False
        refused = [t for t, s in statuses.items() if s.upper() not in TAG_OK]
        run.refused_tags.extend(refused)
        status = StepStatus.OK if not refused else StepStatus.PARTIAL
        if refused and len(refused) == len(tag_ids):
            status = StepStatus.FAILED
        detail = f"{len(tag_ids) - len(refused)} applied"
        if refused:
            listed = ", ".join(map(str, refused))
            detail += f", Keap refused tag id(s) {listed}"
            run.warnings.append(f"Keap refused tag id(s) {listed}")
        statuses_out = {str(k): v for k, v in statuses.items()}
        run.step("tags", status, detail, data={"statuses": statuses_out})
        return not refused

    def _add_to_sequence(self, run: Run, campaign_id: int, sequence_id: int) -> bool:
        name = f"sequence {campaign_id}/{sequence_id}"
        contact_id = run.saved_contact_id()
        answer = self._follow_up(
            run,
            name,
            lambda: self.dialect.add_to_sequence(
                self.client, contact_id, campaign_id, sequence_id, run.stats
            ),
        )
        if answer is None:
            return False
        ok = answer.outcome.upper() in SEQUENCE_OK
        run.step(
            name,
            StepStatus.OK if ok else StepStatus.FAILED,
            answer.outcome,
            http_status=answer.response.status_code,
            data={"campaign_id": campaign_id, "sequence_id": sequence_id},
        )
        if not ok:
            run.warnings.append(f"{name}: {answer.outcome}")
        return ok

    def _add_utm(self, run: Run, body: dict[str, str]) -> bool:
        contact_id = run.saved_contact_id()
        response = self._follow_up(
            run, "utm", lambda: self.dialect.add_utm(self.client, contact_id, body, run.stats)
        )
        if response is None:
            return False
        run.step("utm", StepStatus.OK, "added", http_status=response.status_code)
        return True

    def _add_note(self, run: Run, title: str, text: str) -> bool:
        settings = self.config.note
        note = NoteRequest(
            contact_id=run.saved_contact_id(),
            title=title,
            text=text,
            type=settings.type,
            user_id=settings.user_id or self.config.contact.owner_id,
        )
        existing = self._existing_note(run, note)
        if existing is not None:
            # A re-delivered lead (its contact saved by an earlier attempt) posts no second note.
            run.step("note", StepStatus.OK, "already on the contact", data={"note_id": existing})
            return True
        return self._post_note(run, note)

    def _post_note(self, run: Run, note: NoteRequest) -> bool:
        def recover() -> str | None:  # a lost answer: look before posting the note again
            return self.dialect.find_note(self.client, note, run.stats)

        try:
            response = self._follow_up(
                run, "note", lambda: self.dialect.add_note(self.client, note, run.stats, recover)
            )
        except KeapRecovered as done:
            run.step(
                "note",
                StepStatus.OK,
                "added (response lost, found by look-up)",
                data={"note_id": str(done.value)},
            )
            return True
        if response is None:
            return False
        note_id = json_object(response).get("id")
        run.step(
            "note",
            StepStatus.OK,
            "added",
            http_status=response.status_code,
            data={"note_id": str(note_id) if note_id is not None else None},
        )
        return True

    def _existing_note(self, run: Run, note: NoteRequest) -> str | None:
        """The id of the lead's note when the contact already has it (same title and text).

        Only an existing contact is looked at: one this delivery created cannot have the note
        yet, and the look-up would cost every new lead a request."""
        if not run.duplicate:
            return None
        run.stage = "note"
        try:
            return self.dialect.find_note(self.client, note, run.stats)
        except KeapRejected:
            return None  # the look-up is a courtesy: post the note as before


def _not_replayed(run: Run, name: str, warning: str) -> None:
    run.step(name, StepStatus.SKIPPED, "not re-sent after an interrupted run")
    run.warnings.append(warning)


def _applies(when: When, duplicate: bool | None) -> bool:
    if when is When.ALWAYS:
        return True
    return (when is When.DUPLICATE) == bool(duplicate)

"""Delivering one lead: validate -> render -> resolve -> contact -> tags -> sequences -> note.

``Connector`` is the public entry point. It is safe to share between threads: the HTTP client,
the token bucket and the token store are shared and locked; each ``deliver`` call keeps its own
state in a ``_Run``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from connector.client.auth import json_object
from connector.client.errors import (
    KeapAuthFailed,
    KeapError,
    KeapRecovered,
    KeapRejected,
    KeapUnavailable,
)
from connector.client.keap import KeapClient, RequestStats
from connector.config import (
    Action,
    ConnectorConfig,
    DuplicateMode,
    ErrorBehaviour,
    MatchRule,
    When,
    load_config,
)
from connector.dialects import NoteRequest, dialect_for
from connector.fields import FieldMap
from connector.lookups import MISS_TTL, NameCache, name_key
from connector.mapping import (
    Resolved,
    contact_body,
    note_text,
    render_contact_fields,
    restrict_for_existing,
    tags_allowed_on_existing,
)
from connector.result import RECONCILED, DeliveryResult, Outcome, StepResult, StepStatus
from connector.templates import TemplateRenderError, is_template, lead_budget, render
from connector.validation import LeadInvalid, LeadSkipped, NormalisedLead, normalise_lead

#: Tag statuses (v1 per-tag map and v2 ``results``) that mean "the contact has the tag".
TAG_OK = {"SUCCESS", "DUPLICATE", "ALREADY_APPLIED", "ALREADY_EXISTS"}
SEQUENCE_OK = {"SUCCESS", "ALREADY_IN_SEQUENCE"}
__all__ = ["CLOCK_SKEW_MARGIN", "MISS_TTL", "Connector", "FlowProblem"]
#: Clock-skew allowance of ``deliver_in_doubt``. A lead's start stamp comes from this machine's
#: clock, the contact's ``last_updated``/``update_time`` from Keap's: if ours runs ahead, the
#: write our lead made carries a time *before* our stamp. 5 s covers a host without working NTP
#: drifting a few seconds and a server that keeps whole seconds only. It is kept small because
#: a larger one widens the other risk: a contact some other system updated in the seconds just
#: before the lead started would be taken for our write and the lead not sent (it is never sent
#: twice either way; a miss here only means the lead is delivered again, as an upsert).
CLOCK_SKEW_MARGIN = timedelta(seconds=5)


class FlowProblem(Exception):
    """A definite, lead-independent problem (unknown custom-field label, bad tag template...)."""


@dataclass
class _Run:
    """State of one delivery; lives only for one ``deliver`` call."""

    lead: Mapping[str, Any]
    stats: RequestStats = field(default_factory=RequestStats)
    steps: list[StepResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused_tags: list[int] = field(default_factory=list)
    contact_id: str | None = None
    duplicate: bool | None = None
    #: The step under way, named in a failure's or an error's ``failed_step``.
    stage: str = "validation"
    #: When the delivery began (the connector's clock): a contact created at or after it was
    #: created by this delivery, even if the answer saying so was lost.
    started_at: datetime | None = None

    def step(self, name: str, status: StepStatus, detail: str | None = None, **kw: Any) -> None:
        self.steps.append(StepResult(name, status, detail, **kw))


@dataclass
class _Plan:
    """Everything computed from the lead before the first request."""

    lead: NormalisedLead
    tags: list[tuple[int, When]]
    custom_values: list[tuple[int | str, str]]
    lead_source: int | str | None
    note_title: str
    note_body: str | None = None
    #: ``contact.fields``, rendered (Keap property -> value)
    contact_fields: dict[str, Any] = field(default_factory=dict)


class Connector:
    """Deliver leads to Keap as contacts.

    >>> connector = Connector.from_file("flow.yaml")          # doctest: +SKIP
    >>> result = connector.deliver({"email": "ada@example.com"})  # doctest: +SKIP
    >>> result.outcome, result.contact_id, result.duplicate   # doctest: +SKIP
    """

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        client: KeapClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._clock = clock
        self.client = client or KeapClient.from_settings(
            config.keap, transport=transport, sleep=sleep, clock=clock
        )
        self.dialect = dialect_for(config.keap.api_version)
        self.fields = FieldMap(config.fields)
        self._lead_sources = NameCache(self._fetch_lead_sources)
        self._custom_fields = NameCache(self._fetch_custom_fields)

    @classmethod
    def from_file(
        cls, path: str | Path, *, transport: httpx.BaseTransport | None = None, **kw: Any
    ) -> Connector:
        return cls(load_config(path), transport=transport, **kw)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API -----------------------------------------------------------------------------
    def test_connection(self) -> dict[str, Any]:
        """Check the credential and list the custom fields: ``{"ok": bool, ...}``."""
        try:
            info = self.client.test_connection()
        except KeapError as exc:
            kind = "error" if exc.transient else "failure"
            return {"ok": False, "outcome": kind, "reason": exc.message, "status": exc.status}
        self._custom_fields.invalidate()  # a fresh model was just fetched; re-resolve lazily
        return {"ok": True, **info}

    def deliver_many(self, leads: Iterable[Mapping[str, Any]]) -> list[DeliveryResult]:
        """Deliver in order; with ``on_error: stop`` stop after the first failure or error."""
        results = []
        for lead in leads:
            result = self.deliver(lead)
            results.append(result)
            if self.config.on_error is ErrorBehaviour.STOP and result.outcome in (
                Outcome.FAILURE,
                Outcome.ERROR,
            ):
                break
        return results

    def deliver(self, lead: Mapping[str, Any]) -> DeliveryResult:
        started_at = datetime.fromtimestamp(self._clock(), UTC)
        return self._attempt(_Run(lead=lead, started_at=started_at), self._deliver)

    def deliver_in_doubt(self, lead: Mapping[str, Any], started_at: datetime) -> DeliveryResult:
        """Deliver a lead that was in flight when an earlier run died, at ``started_at`` (UTC).

        Its contact write may have reached Keap with the answer lost, so Keap is asked first:
        a contact with the lead's e-mail updated at or after ``started_at`` (less
        :data:`CLOCK_SKEW_MARGIN`) is taken as that write, and the lead ends as ``success``
        (reason :data:`~connector.result.RECONCILED`) without a second contact write. Otherwise
        the lead is delivered as usual. The caller must not use this for a lead whose e-mail
        another lead of the batch shares: that lead's own write would look like this one's.
        """

        def body(run: _Run) -> DeliveryResult:
            found = self._reconcile(run, started_at)
            return found if found is not None else self._deliver(run)

        return self._attempt(_Run(lead=lead, started_at=started_at), body)

    def _attempt(self, run: _Run, body: Callable[[_Run], DeliveryResult]) -> DeliveryResult:
        started = time.monotonic()
        lead = run.lead
        try:
            result = body(run)
        except LeadSkipped as exc:
            result = self._result(run, Outcome.SKIP, exc.reason)
        except LeadInvalid as exc:
            result = self._result(run, Outcome.FAILURE, exc.reason)
        except TemplateRenderError as exc:
            run.stage = exc.template
            result = self._result(run, Outcome.FAILURE, str(exc))
        except FlowProblem as exc:
            result = self._result(run, Outcome.FAILURE, str(exc))
        except KeapRejected as exc:
            result = self._result(run, Outcome.FAILURE, _redact(exc.message, lead))
        except (KeapAuthFailed, KeapUnavailable) as exc:
            result = self._result(run, Outcome.ERROR, _redact(exc.message, lead))
        except Exception as exc:  # a lead must always end with an outcome
            # The type only: an arbitrary exception message could quote the lead.
            result = self._result(run, Outcome.ERROR, f"unexpected {type(exc).__name__}")
        if result.outcome in (Outcome.FAILURE, Outcome.ERROR):
            result.failed_step = run.stage
        result.attempts = run.stats.attempts
        result.elapsed = time.monotonic() - started
        return result

    # -- the request path -----------------------------------------------------------------------
    def _deliver(self, run: _Run) -> DeliveryResult:
        plan = self._plan(run)
        offline = self.config.action is Action.VALIDATE_ONLY
        run.stage = "lookups"
        resolved = Resolved(
            lead_source_id=self._resolve_lead_source(plan.lead_source, run, offline),
            custom_fields=self._resolve_custom_fields(plan.custom_values, run, offline),
            contact_fields=plan.contact_fields,
        )
        body = contact_body(plan.lead, self.config, resolved)
        if offline:
            result = self._result(run, Outcome.SUCCESS)
            result.payload = body
            return result
        run.stage = "contact"
        skipped = self._contact_step(run, plan, body)
        if skipped:
            return self._result(run, Outcome.SKIP, skipped)
        self._follow_ups(run, plan)
        return self._result(run, Outcome.SUCCESS)

    def _plan(self, run: _Run) -> _Plan:
        cfg = self.config
        run.stage = "validation"
        lead = self.fields.apply(run.lead)
        norm = normalise_lead(
            lead,
            default_region=cfg.contact.default_region,
            address_type=cfg.contact.address_type,
            truncate=cfg.truncate_long_values,
            phone_policy=cfg.phone_policy,
        )
        run.warnings.extend(norm.warnings)
        run.stage = "templates"
        with lead_budget():
            source = cfg.contact.lead_source
            if isinstance(source, str) and is_template(source):
                source = render(source, lead, name="contact.lead_source") or None
            return _Plan(
                lead=norm,
                tags=self._planned_tags(lead),
                custom_values=self._planned_custom_values(lead),
                lead_source=source,
                note_title=render(cfg.note.title, lead, name="note.title") or "Lead comments",
                note_body=render(cfg.note.body, lead, name="note.body") if cfg.note.body else None,
                contact_fields=render_contact_fields(cfg, lead),
            )

    def _planned_tags(self, lead: Mapping[str, Any]) -> list[tuple[int, When]]:
        tags: list[tuple[int, When]] = []
        for i, rule in enumerate(self.config.tags):
            for tag_id in _ids(rule.id, lead, f"tags[{i}]"):
                if (tag_id, rule.when) not in tags:
                    tags.append((tag_id, rule.when))
        return tags

    def _planned_custom_values(self, lead: Mapping[str, Any]) -> list[tuple[int | str, str]]:
        custom = []
        for i, rule in enumerate(self.config.custom_fields):
            content = render(rule.value, lead, name=f"custom_fields[{i}]")
            if content:
                custom.append((rule.field, content))
        return custom

    def _reconcile(self, run: _Run, started_at: datetime) -> DeliveryResult | None:
        """The in-doubt lead's result when Keap already has its contact write, else None."""
        if self.config.action is Action.VALIDATE_ONLY:
            return None
        plan = self._plan(run)
        if not plan.lead.email:
            return None
        since = started_at - CLOCK_SKEW_MARGIN
        found = self.client.find_contacts(
            plan.lead.email, fields="create_time,update_time", stats=run.stats
        )
        # No timestamp: nothing proves the write landed, so deliver (an upsert) rather than guess.
        ours = [
            c for c in found if (_contact_time(c, "last_updated", "update_time") or _NEVER) >= since
        ]
        if not ours:
            run.step("lookup", StepStatus.OK, "no contact updated since the interrupted attempt")
            return None
        contact = ours[0]
        created = _contact_time(contact, "date_created", "create_time")
        existed = created is None or created < since
        if existed and self.config.duplicates.mode is DuplicateMode.SKIP_EXISTING:
            return None  # skip_existing never updates a contact: deliver it (it ends as skip)
        run.contact_id, run.duplicate = str(contact["id"]), existed
        run.step("contact", StepStatus.OK, f"{RECONCILED}: found in Keap, not written again")
        self._follow_ups(run, plan, replay=True)
        return self._result(run, Outcome.SUCCESS, RECONCILED)

    # -- look-ups (cached per connector) --------------------------------------------------------
    def _resolve_lead_source(
        self, source: int | str | None, run: _Run, offline: bool
    ) -> int | None:
        if source is None:
            return None
        if isinstance(source, int) or str(source).strip().isdigit():
            return int(source)
        if offline:
            return None
        found = self._lead_sources.get(str(source), run.stats)
        if found is None:
            # Not fatal: the contact is still worth creating, just without a lead source.
            run.warnings.append("lead source name not found in Keap; contact sent without it")
            run.step("lead_source", StepStatus.FAILED, "lead source name not found")
        return found

    def _resolve_custom_fields(
        self, values: list[tuple[int | str, str]], run: _Run, offline: bool
    ) -> dict[int, str]:
        out: dict[int, str] = {}
        for ref, content in values:
            if isinstance(ref, int) or str(ref).strip().isdigit():
                out[int(ref)] = content
            elif not offline:
                out[self._custom_field_id(str(ref), run)] = content
        return out

    def _custom_field_ref(self, ref: str, run: _Run) -> int:
        return int(ref) if ref.strip().isdigit() else self._custom_field_id(ref, run)

    def _custom_field_id(self, label: str, run: _Run) -> int:
        found = self._custom_fields.get(label, run.stats)
        if found is None:
            raise FlowProblem(f"custom field label {label!r} does not exist in Keap")
        return found

    def _fetch_lead_sources(self, stats: RequestStats) -> dict[str, int]:
        return {
            name_key(str(s.get("name", ""))): int(s["id"])
            for s in self.client.iter_lead_sources(stats=stats)
            if s.get("id") is not None
        }

    def _fetch_custom_fields(self, stats: RequestStats) -> dict[str, int]:
        model = self.client.contact_model(stats=stats)
        return {
            name_key(str(f.get("label", ""))): int(f["id"])
            for f in model.get("custom_fields") or []
            if f.get("id") is not None
        }

    # -- contact --------------------------------------------------------------------------------
    def _contact_step(self, run: _Run, plan: _Plan, body: dict[str, Any]) -> str | None:
        """Create/update the contact; returns a skip reason, or None when the contact is set."""
        mode = self.config.duplicates.mode
        email = plan.lead.email
        if mode is DuplicateMode.SKIP_EXISTING:
            if email:
                existing = self._find(plan.lead, run)
                if existing:
                    run.contact_id, run.duplicate = str(existing[0]["id"]), True
                    run.step("contact", StepStatus.SKIPPED, "contact already exists")
                    return "contact already exists in Keap (skip_existing)"
            # The look-up just found no contact, so one found after a lost response is the one
            # this create made: re-sending the plain POST would make a second.
            created = self._create(run, plan, body, recover_by_lookup=bool(email))
            if created is None:
                run.duplicate = True
                return "contact already exists in Keap (skip_existing)"
            return None
        if mode is DuplicateMode.CREATE_NEW:
            if self._create(run, plan, body) is None:
                self._update_existing(run, plan, body)
            return None
        # update_existing
        if self.config.existing_contacts.restricted and email:
            existing = self._find(plan.lead, run)
            if existing:
                run.contact_id = str(existing[0]["id"])
                self._update_existing(run, plan, body)
                return None
        self._upsert(run, plan, body)
        return None

    def _find(self, lead: NormalisedLead, run: _Run) -> list[dict[str, Any]]:
        by_name = self.config.duplicates.match is MatchRule.EMAIL_AND_NAME
        assert lead.email
        found = self.client.find_contacts(
            lead.email,
            given_name=lead.first_name if by_name else None,
            family_name=lead.last_name if by_name else None,
            stats=run.stats,
        )
        run.step("lookup", StepStatus.OK, f"{len(found)} matching contact(s)")
        return found

    def _create(
        self, run: _Run, plan: _Plan, body: dict[str, Any], *, recover_by_lookup: bool = False
    ) -> str | None:
        """Plain POST. Returns the new id, or None after a 409 (run.contact_id then set).

        With ``recover_by_lookup`` (only when no contact had the email just before), a lost
        response is followed by a look-up by email instead of a blind re-send.
        """

        def recover() -> str | None:
            found = self._find(plan.lead, run)
            return str(found[0]["id"]) if found else None

        try:
            response = self.client.request(
                "POST",
                f"/{self.client.v}/contacts",
                json=body,
                allow=(409,),
                stats=run.stats,
                recover=recover if recover_by_lookup else None,
            )
        except KeapRecovered as done:
            run.contact_id, run.duplicate = str(done.value), False
            run.step("contact", StepStatus.OK, "created (response lost, found by look-up)")
            return run.contact_id
        if response.status_code == 409:
            run.contact_id = self._conflict_contact_id(response, run, plan.lead.email)
            run.step("contact", StepStatus.OK, "409: contact exists", http_status=409)
            return None
        run.contact_id, run.duplicate = _contact_id(response), False
        run.step("contact", StepStatus.OK, "created", http_status=response.status_code)
        return run.contact_id

    def _upsert(self, run: _Run, plan: _Plan, body: dict[str, Any]) -> None:
        if not plan.lead.email:
            # Duplicate matching is by email; a phone-only lead can only be created.
            if self._create(run, plan, body) is None:
                self._update_existing(run, plan, body)
            return
        lost: list[bool] = []

        def note_lost() -> None:  # a lost answer here needs no recovery: the upsert is re-sent
            lost.append(True)

        answer = self.dialect.upsert(
            self.client,
            body,
            self.config.duplicates.match.duplicate_option,
            run.stats,
            look_up=lambda: bool(self._find(plan.lead, run)),
            note_lost=note_lost,
        )
        response = answer.response
        if response.status_code == 409:
            run.contact_id = self._conflict_contact_id(response, run, plan.lead.email)
            self._update_existing(run, plan, body)
            return
        run.contact_id = _contact_id(response)
        run.duplicate = _upserted_existing(response.status_code, answer.existed)
        if lost and answer.existed is None and run.duplicate:
            self._decide_new_after_lost_answer(run, plan)
        detail = "updated existing" if run.duplicate else "created"
        run.step("contact", StepStatus.OK, detail, http_status=response.status_code)

    def _decide_new_after_lost_answer(self, run: _Run, plan: _Plan) -> None:
        """The re-sent upsert answered "existing", but the lost call may have created the
        contact: its creation time against the lead's start decides (as ``--resume`` does),
        so that ``when: new`` tags and sequences still run for a contact this lead made."""
        created = self._creation_time(run, plan)
        if created is not None and run.started_at is not None:
            if created >= run.started_at - CLOCK_SKEW_MARGIN:
                run.duplicate = False
                run.warnings.append(
                    "a response from Keap was lost and the upsert re-sent; the contact was "
                    "created after this lead started, so it is new (duplicate=false)"
                )
            return
        run.warnings.append(
            "a response from Keap was lost and the upsert re-sent; the contact may have "
            "been created by the lost call, so duplicate=true is uncertain"
        )

    def _creation_time(self, run: _Run, plan: _Plan) -> datetime | None:
        if not plan.lead.email:
            return None
        found = self.client.find_contacts(
            plan.lead.email, fields="create_time,update_time", stats=run.stats
        )
        for contact in found:
            if str(contact.get("id")) == run.contact_id:
                return _contact_time(contact, "date_created", "create_time")
        return None

    def _update_existing(self, run: _Run, plan: _Plan, body: dict[str, Any]) -> None:
        """PATCH the contact in ``run.contact_id`` honouring update/preserve rules."""
        assert run.contact_id
        existing = None
        if self.config.existing_contacts.restricted:
            existing = self.client.get_contact(run.contact_id, stats=run.stats)
        patch = restrict_for_existing(
            body, self.config, existing, lambda ref: str(self._custom_field_ref(ref, run))
        )
        if patch:
            response = self.client.request(
                "PATCH", f"/{self.client.v}/contacts/{run.contact_id}", json=patch, stats=run.stats
            )
            status = response.status_code
        else:
            status = None
        run.duplicate = True
        run.step("contact", StepStatus.OK, "updated existing", http_status=status)

    def _conflict_contact_id(self, response: httpx.Response, run: _Run, email: str | None) -> str:
        """The existing contact's id from a 409 body, or from a look-up by email."""
        try:
            body = response.json()
        except ValueError:
            body = None
        found = _find_existing_id(body)
        if found:
            return found
        if email:
            matches = self.client.find_contacts(email, stats=run.stats)
            if matches:
                return str(matches[0]["id"])
        raise KeapRejected(
            "Keap answered 409 (conflict) and the existing contact could not be found",
            status=409,
        )

    # -- follow-ups ------------------------------------------------------------------------------
    def _follow_ups(self, run: _Run, plan: _Plan, *, replay: bool = False) -> None:
        """Tags, sequences, UTM and note. ``replay``: the contact was written by an interrupted
        run that may or may not have got this far. Tags and sequences are re-applied (Keap
        answers DUPLICATE / ALREADY_IN_SEQUENCE for those already done, so nothing doubles);
        the v1 UTM record and the note are *not* re-sent, as each POST adds a new one: they may
        be missing on the contact, which the result's warnings say, but never doubled."""
        steps = self._follow_up_steps(run, plan, replay)
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

    def _follow_up_steps(self, run: _Run, plan: _Plan, replay: bool) -> list[Callable[[], bool]]:
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

    def _follow_up(self, run: _Run, name: str, call: Callable[[], _T]) -> _T | None:
        """Run one follow-up request; a 4xx from Keap is recorded as a failed step (the contact
        is saved, so the lead still succeeds) and gives None."""
        run.stage = name
        try:
            return call()
        except KeapRejected as exc:
            run.step(name, StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"{name}: Keap rejected the request (HTTP {exc.status})")
            return None

    def _apply_tags(self, run: _Run, tag_ids: list[int]) -> bool:
        contact_id = _saved(run)
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

    def _add_to_sequence(self, run: _Run, campaign_id: int, sequence_id: int) -> bool:
        name = f"sequence {campaign_id}/{sequence_id}"
        contact_id = _saved(run)
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

    def _add_utm(self, run: _Run, body: dict[str, str]) -> bool:
        contact_id = _saved(run)
        response = self._follow_up(
            run, "utm", lambda: self.dialect.add_utm(self.client, contact_id, body, run.stats)
        )
        if response is None:
            return False
        run.step("utm", StepStatus.OK, "added", http_status=response.status_code)
        return True

    def _add_note(self, run: _Run, title: str, text: str) -> bool:
        settings = self.config.note
        note = NoteRequest(
            contact_id=_saved(run),
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

    def _existing_note(self, run: _Run, note: NoteRequest) -> str | None:
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

    # -- result ---------------------------------------------------------------------------------
    @staticmethod
    def _result(run: _Run, outcome: Outcome, reason: str | None = None) -> DeliveryResult:
        return DeliveryResult(
            outcome=outcome,
            reason=reason,
            contact_id=run.contact_id,
            duplicate=run.duplicate,
            steps=run.steps,
            refused_tag_ids=run.refused_tags,
            warnings=run.warnings,
        )


# -- helpers --------------------------------------------------------------------------------------
_T = TypeVar("_T")


def _saved(run: _Run) -> str:
    """The contact id of a run whose contact step succeeded (follow-ups only run then)."""
    assert run.contact_id is not None
    return run.contact_id


def _not_replayed(run: _Run, name: str, warning: str) -> None:
    run.step(name, StepStatus.SKIPPED, "not re-sent after an interrupted run")
    run.warnings.append(warning)


def _upserted_existing(status: int, existed: bool | None) -> bool:
    """An upsert's ``duplicate`` flag: 201 is created; else what the version knew, else True."""
    if status == 201:
        return False
    return True if existed is None else existed


def _applies(when: When, duplicate: bool | None) -> bool:
    if when is When.ALWAYS:
        return True
    return (when is When.DUPLICATE) == bool(duplicate)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _contact_time(contact: Mapping[str, Any], v1_key: str, v2_key: str) -> datetime | None:
    """A contact's ISO 8601 timestamp (v1 or v2 name) as an aware datetime, None if absent."""
    value = contact.get(v1_key) or contact.get(v2_key)
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


_ID_SPLIT = re.compile(r"[\s,;]+")


def _ids(ref: int | str, lead: Mapping[str, Any], name: str) -> list[int]:
    if isinstance(ref, int):
        return [ref]
    text = render(ref, lead, name=name)
    ids = []
    for part in filter(None, _ID_SPLIT.split(text)):
        if not part.isdigit():
            # Do not quote the rendered text: it may come from the lead.
            raise FlowProblem(f"{name} rendered something that is not a numeric tag id")
        ids.append(int(part))
    return ids


def _contact_id(response: httpx.Response) -> str:
    cid = json_object(response).get("id")
    if cid is None:
        raise KeapUnavailable(f"Keap answered HTTP {response.status_code} without a contact id")
    return str(cid)


_ID_KEYS = ("existing_contact_id", "existingContactId", "contact_id", "contactId", "id")


def _find_existing_id(body: Any, depth: int = 0) -> str | None:
    """Dig the existing contact's id out of a 409 body of unknown shape."""
    if depth > 3 or body is None:
        return None
    if isinstance(body, dict):
        for key in _ID_KEYS:
            value = body.get(key)
            if isinstance(value, int | str) and str(value).isdigit():
                return str(value)
        # v2-style details: [{"domain": "Contact", "resource": "<id>"}]
        for detail in body.get("details") or []:
            if isinstance(detail, dict) and str(detail.get("domain", "")).lower() == "contact":
                resource = str(detail.get("resource", ""))
                if resource.isdigit():
                    return resource
        for value in body.values():
            if isinstance(value, dict | list):
                found = _find_existing_id(value, depth + 1)
                if found:
                    return found
        message = body.get("message")
        if isinstance(message, str):
            m = re.search(r"contact\D{0,20}?(\d+)", message, re.IGNORECASE)
            if m:
                return m.group(1)
    if isinstance(body, list):
        for item in body:
            found = _find_existing_id(item, depth + 1)
            if found:
                return found
    return None


def _redact(text: str, lead: Mapping[str, Any]) -> str:
    """Remove lead values that Keap might echo back in an error message."""
    for value in lead.values():
        if isinstance(value, str | int | float) and len(str(value).strip()) >= 3:
            text = text.replace(str(value).strip(), "[redacted]")
    return text

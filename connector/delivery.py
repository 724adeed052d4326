"""Delivering one lead: validate -> render -> resolve -> contact -> tags -> sequences -> note.

``Connector`` is the public entry point. It is safe to share between threads: the HTTP client,
the token bucket and the token store are shared and locked; each ``deliver`` call keeps its own
state in a ``_Run``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connector.client.auth import json_object
from connector.client.keap import (
    KeapAuthFailed,
    KeapClient,
    KeapError,
    KeapRecovered,
    KeapRejected,
    KeapUnavailable,
    RequestStats,
)
from connector.config import (
    Action,
    ApiVersion,
    ConnectorConfig,
    DuplicateMode,
    ErrorBehaviour,
    MatchRule,
    When,
    load_config,
)
from connector.mapping import (
    Resolved,
    contact_body,
    note_text,
    restrict_for_existing,
    v1_utm_body,
)
from connector.result import RECONCILED, DeliveryResult, Outcome, StepResult, StepStatus
from connector.templates import TemplateRenderError, is_template, render
from connector.validation import LeadInvalid, LeadSkipped, NormalisedLead, normalise_lead

#: Tag statuses (v1 per-tag map and v2 ``results``) that mean "the contact has the tag".
TAG_OK = {"SUCCESS", "DUPLICATE", "ALREADY_APPLIED", "ALREADY_EXISTS"}
SEQUENCE_OK = {"SUCCESS", "ALREADY_IN_SEQUENCE"}
#: How long a lead source name or custom-field label that Keap did not know stays "not found".
MISS_TTL = 300.0
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
        self.client = client or KeapClient.from_settings(
            config.keap, transport=transport, sleep=sleep, clock=clock
        )
        self._cache_lock = threading.Lock()
        self._custom_fields: dict[str, int] | None = None  # lower-cased label -> id
        self._lead_sources: dict[str, int] | None = None  # lower-cased name -> id
        # Names recently not found, so a templated name missing from Keap does not cost a full
        # re-fetch on every lead; a name created in Keap meanwhile is found after MISS_TTL.
        self._misses: dict[tuple[str, str], float] = {}

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

    @property
    def v2(self) -> bool:
        return self.config.keap.api_version is ApiVersion.V2

    # -- public API -----------------------------------------------------------------------------
    def test_connection(self) -> dict[str, Any]:
        """Check the credential and list the custom fields: ``{"ok": bool, ...}``."""
        try:
            info = self.client.test_connection()
        except KeapError as exc:
            kind = "error" if exc.transient else "failure"
            return {"ok": False, "outcome": kind, "reason": exc.message, "status": exc.status}
        with self._cache_lock:
            self._custom_fields = None  # a fresh model was just fetched; re-resolve lazily
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
        return self._attempt(_Run(lead=lead), self._deliver)

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

        return self._attempt(_Run(lead=lead), body)

    def _attempt(self, run: _Run, body: Callable[[_Run], DeliveryResult]) -> DeliveryResult:
        started = time.monotonic()
        lead = run.lead
        try:
            result = body(run)
        except LeadSkipped as exc:
            result = self._result(run, Outcome.SKIP, exc.reason)
        except LeadInvalid as exc:
            result = self._result(run, Outcome.FAILURE, exc.reason)
        except (TemplateRenderError, FlowProblem) as exc:
            result = self._result(run, Outcome.FAILURE, str(exc))
        except KeapRejected as exc:
            result = self._result(run, Outcome.FAILURE, _redact(exc.message, lead))
        except (KeapAuthFailed, KeapUnavailable) as exc:
            result = self._result(run, Outcome.ERROR, _redact(exc.message, lead))
        except Exception as exc:  # a lead must always end with an outcome
            # The type only: an arbitrary exception message could quote the lead.
            result = self._result(run, Outcome.ERROR, f"unexpected {type(exc).__name__}")
        result.attempts = run.stats.attempts
        result.elapsed = time.monotonic() - started
        return result

    # -- the request path -----------------------------------------------------------------------
    def _deliver(self, run: _Run) -> DeliveryResult:
        plan = self._plan(run.lead)
        offline = self.config.action is Action.VALIDATE_ONLY
        resolved = Resolved(
            lead_source_id=self._resolve_lead_source(plan.lead_source, run, offline),
            custom_fields=self._resolve_custom_fields(plan.custom_values, run, offline),
        )
        body = contact_body(plan.lead, self.config, resolved)
        if offline:
            result = self._result(run, Outcome.SUCCESS)
            result.payload = body
            return result

        skipped = self._contact_step(run, plan, body)
        if skipped:
            return self._result(run, Outcome.SKIP, skipped)
        self._follow_ups(run, plan)
        return self._result(run, Outcome.SUCCESS)

    def _plan(self, lead: Mapping[str, Any]) -> _Plan:
        cfg = self.config
        norm = normalise_lead(
            lead,
            default_region=cfg.contact.default_region,
            address_type=cfg.contact.address_type,
            truncate=cfg.truncate_long_values,
        )
        tags: list[tuple[int, When]] = []
        for i, rule in enumerate(cfg.tags):
            for tag_id in _ids(rule.id, lead, f"tags[{i}]"):
                if (tag_id, rule.when) not in tags:
                    tags.append((tag_id, rule.when))
        custom = []
        for i, rule in enumerate(cfg.custom_fields):
            content = render(rule.value, lead, name=f"custom_fields[{i}]")
            if content:
                custom.append((rule.field, content))
        source = cfg.contact.lead_source
        if isinstance(source, str) and is_template(source):
            source = render(source, lead, name="contact.lead_source") or None
        title = render(cfg.note.title, lead, name="note.title") or "Lead comments"
        return _Plan(norm, tags, custom, source, title)

    def _reconcile(self, run: _Run, started_at: datetime) -> DeliveryResult | None:
        """The in-doubt lead's result when Keap already has its contact write, else None."""
        if self.config.action is Action.VALIDATE_ONLY:
            return None
        plan = self._plan(run.lead)
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
        name = str(source).strip().lower()
        with self._cache_lock:
            refetch = self._lead_sources is None or self._should_refetch("lead_source", name)
            if refetch:
                # Refetch on a miss too: the source may have been created since the last fetch.
                self._lead_sources = {
                    str(s.get("name", "")).strip().lower(): int(s["id"])
                    for s in self.client.iter_lead_sources(stats=run.stats)
                    if s.get("id") is not None
                }
            found = self._lead_sources.get(name)
            self._note_miss("lead_source", name, found is None, refetch)
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

    def _custom_field_id(self, label: str, run: _Run) -> int:
        key = label.strip().lower()
        with self._cache_lock:
            refetch = self._custom_fields is None or self._should_refetch("custom_field", key)
            if refetch:
                model = self.client.contact_model(stats=run.stats)
                self._custom_fields = {
                    str(f.get("label", "")).strip().lower(): int(f["id"])
                    for f in model.get("custom_fields") or []
                    if f.get("id") is not None
                }
            found = self._custom_fields.get(key)
            self._note_miss("custom_field", key, found is None, refetch)
        if found is None:
            raise FlowProblem(f"custom field label {label!r} does not exist in Keap")
        return found

    def _should_refetch(self, kind: str, name: str) -> bool:
        """Caller holds the cache lock. Refetch for unknown names not missed recently."""
        cache = self._lead_sources if kind == "lead_source" else self._custom_fields
        if cache is not None and name in cache:
            return False
        missed_at = self._misses.get((kind, name))
        return missed_at is None or time.monotonic() - missed_at > MISS_TTL

    def _note_miss(self, kind: str, name: str, missed: bool, refetched: bool) -> None:
        if not missed:
            self._misses.pop((kind, name), None)
        elif refetched:  # the miss is confirmed by fresh data: start (or restart) its TTL
            self._misses[(kind, name)] = time.monotonic()

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
        option = self.config.duplicates.match.duplicate_option
        if not plan.lead.email:
            # Duplicate matching is by email; a phone-only lead can only be created.
            if self._create(run, plan, body) is None:
                self._update_existing(run, plan, body)
            return
        lost: list[bool] = []

        def note_lost() -> None:  # a lost answer here needs no recovery: the upsert is re-sent
            lost.append(True)

        if self.v2:
            # One race-free call: Keap answers 201 for created and 200 for updated. It is safe to
            # repeat after a lost response (it matches the contact the lost call made); the
            # recover hook only notes that the 200 may then be for our own contact.
            response = self.client.request(
                "POST",
                "/v2/contacts",
                params={"duplicate_option": option},
                json=body,
                allow=(409,),
                stats=run.stats,
                recover=note_lost,
            )
            existed = None
        else:
            # v1 PUT answers 200 for both outcomes (the spec declares only 200), so created vs
            # updated is told by a look-up just before. Chosen over comparing date_created with
            # last_updated, which breaks when both happen within one clock tick. The window
            # between look-up and PUT only affects the ``duplicate`` flag, never which contact
            # is written: the PUT itself de-duplicates.
            existed = bool(self._find(plan.lead, run))
            response = self.client.request(
                "PUT",
                "/v1/contacts",
                json={**body, "duplicate_option": option},
                allow=(409,),
                stats=run.stats,
            )
        if response.status_code == 409:
            run.contact_id = self._conflict_contact_id(response, run, plan.lead.email)
            self._update_existing(run, plan, body)
            return
        run.contact_id = _contact_id(response)
        if response.status_code == 201:
            run.duplicate = False
        elif existed is not None:
            run.duplicate = existed
        else:
            run.duplicate = True
            if lost:
                run.warnings.append(
                    "a response from Keap was lost and the upsert re-sent; the contact may have "
                    "been created by the lost call, so duplicate=true is uncertain"
                )
        detail = "updated existing" if run.duplicate else "created"
        run.step("contact", StepStatus.OK, detail, http_status=response.status_code)

    def _update_existing(self, run: _Run, plan: _Plan, body: dict[str, Any]) -> None:
        """PATCH the contact in ``run.contact_id`` honouring update/preserve rules."""
        assert run.contact_id
        existing = None
        if self.config.existing_contacts.restricted:
            existing = self.client.get_contact(run.contact_id, stats=run.stats)
        patch = restrict_for_existing(body, self.config, existing)
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
        steps: list[Callable[[], bool]] = []
        utm = v1_utm_body(plan.lead, self.config)
        if utm and replay:
            run.step("utm", StepStatus.SKIPPED, "not re-sent after an interrupted run")
            run.warnings.append("UTM parameters not re-sent (not idempotent); check the contact")
        elif utm:  # v2 carries them in the contact body already
            steps.append(lambda: self._add_utm(run, utm))
        tag_ids = [t for t, when in plan.tags if _applies(when, run.duplicate)]
        if tag_ids:
            steps.append(lambda: self._apply_tags(run, tag_ids))
        for seq in self.config.sequences:
            if _applies(seq.when, run.duplicate):
                steps.append(lambda s=seq: self._add_to_sequence(run, s.campaign_id, s.sequence_id))
        text = note_text(plan.lead, self.config)
        if self.config.note.enabled and text and replay:
            run.step("note", StepStatus.SKIPPED, "not re-sent after an interrupted run")
            run.warnings.append("note not re-sent (not idempotent); check the contact has it")
        elif self.config.note.enabled and text:
            steps.append(lambda: self._add_note(run, plan.note_title, text))
        stop = self.config.on_error is ErrorBehaviour.STOP
        for i, step in enumerate(steps):
            try:
                ok = step()
            except (KeapAuthFailed, KeapUnavailable) as exc:
                # The contact is saved; say so, so whoever retries knows the retry is an upsert.
                exc.message = f"contact saved, but a follow-up step failed: {exc.message}"
                raise
            if not ok and stop and i < len(steps) - 1:
                run.step("follow_ups", StepStatus.SKIPPED, "stopped after a failed step")
                run.warnings.append("remaining follow-up steps skipped (on_error: stop)")
                return

    def _apply_tags(self, run: _Run, tag_ids: list[int]) -> bool:
        try:
            statuses = self._tag_statuses(run, tag_ids)
        except KeapRejected as exc:
            run.step("tags", StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"tags: Keap rejected the request (HTTP {exc.status})")
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

    def _tag_statuses(self, run: _Run, tag_ids: list[int]) -> dict[int, str]:
        """Apply tags; Keap's per-tag status (SUCCESS, DUPLICATE, TAG_ID_NOT_FOUND...)."""
        statuses: dict[int, str] = {}
        if not self.v2:
            # v1 answers 200 even when tags are refused; the per-tag map says which.
            response = self.client.request(
                "POST",
                f"/v1/contacts/{run.contact_id}/tags",
                json={"tagIds": tag_ids},
                stats=run.stats,
            )
            body = json_object(response)
            return {t: str(body.get(str(t), "SUCCESS")) for t in tag_ids}
        # v2 has no "tags for one contact" call: one applyTags per tag, 404 for unknown tags.
        for tag_id in tag_ids:
            response = self.client.request(
                "POST",
                f"/v2/tags/{tag_id}/contacts:applyTags",
                json={"contact_ids": [run.contact_id]},
                allow=(400, 404),
                stats=run.stats,
            )
            if response.status_code in (400, 404):
                statuses[tag_id] = "TAG_ID_NOT_FOUND"
                continue
            results = json_object(response).get("results") or {}
            statuses[tag_id] = str(results.get(str(run.contact_id), "SUCCESS"))
        return statuses

    def _add_to_sequence(self, run: _Run, campaign_id: int, sequence_id: int) -> bool:
        name = f"sequence {campaign_id}/{sequence_id}"
        try:
            if self.v2:
                response = self.client.request(
                    "POST",
                    f"/v2/campaigns/{campaign_id}/sequences/{sequence_id}:addContacts",
                    json={"contact_ids": [run.contact_id]},
                    stats=run.stats,
                )
                results = json_object(response).get("add_to_sequence_results") or {}
                outcome = str(results.get(str(run.contact_id), "SUCCESS"))
            else:
                response = self.client.request(
                    "POST",
                    f"/v1/campaigns/{campaign_id}/sequences/{sequence_id}/contacts/{run.contact_id}",
                    stats=run.stats,
                )
                outcome = "SUCCESS"
        except KeapRejected as exc:
            run.step(name, StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"{name}: Keap rejected the request (HTTP {exc.status})")
            return False
        ok = outcome.upper() in SEQUENCE_OK
        run.step(
            name,
            StepStatus.OK if ok else StepStatus.FAILED,
            outcome,
            http_status=response.status_code,
            data={"campaign_id": campaign_id, "sequence_id": sequence_id},
        )
        if not ok:
            run.warnings.append(f"{name}: {outcome}")
        return ok

    def _add_utm(self, run: _Run, body: dict[str, str]) -> bool:
        try:
            response = self.client.request(
                "POST", f"/v1/contacts/{run.contact_id}/utm", json=body, stats=run.stats
            )
        except KeapRejected as exc:
            run.step("utm", StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"utm: Keap rejected the request (HTTP {exc.status})")
            return False
        run.step("utm", StepStatus.OK, "added", http_status=response.status_code)
        return True

    def _add_note(self, run: _Run, title: str, text: str) -> bool:
        note = self.config.note
        try:
            if self.v2:
                user_id = note.user_id or self.config.contact.owner_id
                if user_id is None:
                    user_id = self.client.current_user_id(stats=run.stats)
                body: dict[str, Any] = {"title": title, "text": text}
                if user_id is not None:
                    body["user_id"] = str(user_id)
                if note.type:
                    body["type"] = note.type
                response = self.client.request(
                    "POST", f"/v2/contacts/{run.contact_id}/notes", json=body, stats=run.stats
                )
            else:
                body = {"contact_id": int(run.contact_id or 0), "title": title, "body": text}
                if note.type:
                    body["type"] = note.type
                user_id = note.user_id or self.config.contact.owner_id
                if user_id is not None:
                    body["user_id"] = user_id
                response = self.client.request("POST", "/v1/notes", json=body, stats=run.stats)
        except KeapRejected as exc:
            run.step("note", StepStatus.FAILED, f"HTTP {exc.status}", http_status=exc.status)
            run.warnings.append(f"note: Keap rejected the request (HTTP {exc.status})")
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

"""``Connector``, the public entry point: one lead's delivery from plan to result.

It is safe to share between threads: the HTTP client, the token bucket and the token store are
shared and locked; each ``deliver`` call keeps its own state in a :class:`~.run.Run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from connector.client.errors import KeapAuthFailed, KeapError, KeapRejected, KeapUnavailable
from connector.client.keap import KeapClient
from connector.config import Action, ConnectorConfig, ErrorBehaviour, load_config
from connector.delivery.contact_step import ContactStep
from connector.delivery.follow_ups import FollowUps
from connector.delivery.names import NameResolver
from connector.delivery.plan import plan_delivery
from connector.delivery.reconcile import Reconciler
from connector.delivery.run import FlowProblem, Plan, Run
from connector.dialects import dialect_for
from connector.fields import FieldMap
from connector.mapping import Resolved, contact_body
from connector.result import DeliveryResult, Outcome
from connector.templates import TemplateRenderError
from connector.validation import LeadInvalid, LeadSkipped


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
        self._names = NameResolver(self.client)
        self._contact_step = ContactStep(config, self.client, self.dialect, self._names)
        self._follow_ups = FollowUps(config, self.client, self.dialect)
        self._reconcile = Reconciler(config, self.client, self._plan, self._follow_ups)

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
        self._names.forget_custom_fields()
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
        return self._attempt(Run(lead=lead, started_at=started_at), self._deliver)

    def deliver_in_doubt(self, lead: Mapping[str, Any], started_at: datetime) -> DeliveryResult:
        """Deliver a lead that was in flight when an earlier run died, at ``started_at`` (UTC).

        Its contact write may have reached Keap with the answer lost, so Keap is asked first:
        a contact with the lead's e-mail updated at or after ``started_at`` (less
        :data:`CLOCK_SKEW_MARGIN`) is taken as that write, and the lead ends as ``success``
        (reason :data:`~connector.result.RECONCILED`) without a second contact write. Otherwise
        the lead is delivered as usual. The caller must not use this for a lead whose e-mail
        another lead of the batch shares: that lead's own write would look like this one's.
        """

        def body(run: Run) -> DeliveryResult:
            found = self._reconcile(run, started_at)
            return found if found is not None else self._deliver(run)

        return self._attempt(Run(lead=lead, started_at=started_at), body)

    # -- one attempt ----------------------------------------------------------------------------
    def _attempt(self, run: Run, body: Callable[[Run], DeliveryResult]) -> DeliveryResult:
        started = time.monotonic()
        try:
            result = body(run)
        except Exception as exc:  # a lead must always end with an outcome
            result = _result_of_exception(run, exc)
        if result.outcome in (Outcome.FAILURE, Outcome.ERROR):
            result.failed_step = run.stage
        result.attempts = run.stats.attempts
        result.elapsed = time.monotonic() - started
        return result

    def _deliver(self, run: Run) -> DeliveryResult:
        plan = self._plan(run)
        offline = self.config.action is Action.VALIDATE_ONLY
        run.stage = "lookups"
        resolved = Resolved(
            lead_source_id=self._names.lead_source(plan.lead_source, run, offline),
            custom_fields=self._names.custom_fields(plan.custom_values, run, offline),
            contact_fields=plan.contact_fields,
        )
        body = contact_body(plan.lead, self.config, resolved)
        if offline:
            result = run.result(Outcome.SUCCESS)
            result.payload = body
            return result
        run.stage = "contact"
        skipped = self._contact_step(run, plan, body)
        if skipped:
            return run.result(Outcome.SKIP, skipped)
        self._follow_ups(run, plan)
        return run.result(Outcome.SUCCESS)

    def _plan(self, run: Run) -> Plan:
        return plan_delivery(run, self.config, self.fields)


def _result_of_exception(run: Run, exc: Exception) -> DeliveryResult:
    """The outcome a delivery that raised ends with: never the lead's values in the reason."""
    if isinstance(exc, LeadSkipped):
        return run.result(Outcome.SKIP, exc.reason)
    if isinstance(exc, LeadInvalid):
        return run.result(Outcome.FAILURE, exc.reason)
    if isinstance(exc, TemplateRenderError):
        run.stage = exc.template
        return run.result(Outcome.FAILURE, str(exc))
    if isinstance(exc, FlowProblem):
        return run.result(Outcome.FAILURE, str(exc))
    if isinstance(exc, KeapRejected):
        return run.result(Outcome.FAILURE, _redact(exc.message, run.lead))
    if isinstance(exc, KeapAuthFailed | KeapUnavailable):
        return run.result(Outcome.ERROR, _redact(exc.message, run.lead))
    # The type only: an arbitrary exception message could quote the lead.
    return run.result(Outcome.ERROR, f"unexpected {type(exc).__name__}")


def _redact(text: str, lead: Mapping[str, Any]) -> str:
    """Remove lead values that Keap might echo back in an error message."""
    for value in lead.values():
        if isinstance(value, str | int | float) and len(str(value).strip()) >= 3:
            text = text.replace(str(value).strip(), "[redacted]")
    return text

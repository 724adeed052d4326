"""Reconciling an in-doubt delivery: did the interrupted run's contact write reach Keap?"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from connector.client.keap import KeapClient
from connector.config import Action, ConnectorConfig, DuplicateMode
from connector.delivery.follow_ups import FollowUps
from connector.delivery.run import Plan, Run
from connector.delivery.times import CLOCK_SKEW_MARGIN, NEVER, contact_time
from connector.result import RECONCILED, DeliveryResult, Outcome, StepStatus


class Reconciler:
    """Finds an in-doubt lead's contact write in Keap, and finishes the lead without a second."""

    def __init__(
        self,
        config: ConnectorConfig,
        client: KeapClient,
        plan: Callable[[Run], Plan],
        follow_ups: FollowUps,
    ) -> None:
        self.config = config
        self.client = client
        self.plan = plan
        self.follow_ups = follow_ups

    def __call__(self, run: Run, started_at: datetime) -> DeliveryResult | None:
        """The in-doubt lead's result when Keap already has its contact write, else None."""
        if self.config.action is Action.VALIDATE_ONLY:
            return None
        plan = self.plan(run)
        if not plan.lead.email:
            return None
        since = started_at - CLOCK_SKEW_MARGIN
        found = self.client.find_contacts(
            plan.lead.email, fields="create_time,update_time", stats=run.stats
        )
        # No timestamp: nothing proves the write landed, so deliver (an upsert) rather than guess.
        ours = [
            c for c in found if (contact_time(c, "last_updated", "update_time") or NEVER) >= since
        ]
        if not ours:
            run.step("lookup", StepStatus.OK, "no contact updated since the interrupted attempt")
            return None
        contact = ours[0]
        created = contact_time(contact, "date_created", "create_time")
        existed = created is None or created < since
        if existed and self.config.duplicates.mode is DuplicateMode.SKIP_EXISTING:
            return None  # skip_existing never updates a contact: deliver it (it ends as skip)
        run.contact_id, run.duplicate = str(contact["id"]), existed
        run.step("contact", StepStatus.OK, f"{RECONCILED}: found in Keap, not written again")
        self.follow_ups(run, plan, replay=True)
        return run.result(Outcome.SUCCESS, RECONCILED)

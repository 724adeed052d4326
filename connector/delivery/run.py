"""The records one delivery keeps: its run (steps, warnings, contact) and its plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.client.keap import RequestStats
from connector.config import When
from connector.result import DeliveryResult, Outcome, StepResult, StepStatus
from connector.validation import NormalisedLead


class FlowProblem(Exception):
    """A definite, lead-independent problem (unknown custom-field label, bad tag template...)."""


@dataclass
class Run:
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

    def saved_contact_id(self) -> str:
        """The contact id of a run whose contact step succeeded (follow-ups only run then)."""
        assert self.contact_id is not None
        return self.contact_id

    def result(self, outcome: Outcome, reason: str | None = None) -> DeliveryResult:
        return DeliveryResult(
            outcome=outcome,
            reason=reason,
            contact_id=self.contact_id,
            duplicate=self.duplicate,
            steps=self.steps,
            refused_tag_ids=self.refused_tags,
            warnings=self.warnings,
        )


@dataclass
class Plan:
    """Everything computed from the lead before the first request."""

    lead: NormalisedLead
    tags: list[tuple[int, When]]
    custom_values: list[tuple[int | str, str]]
    lead_source: int | str | None
    note_title: str
    note_body: str | None = None
    #: ``contact.fields``, rendered (Keap property -> value)
    contact_fields: dict[str, Any] = field(default_factory=dict)

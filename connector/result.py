"""The delivery result, in LeadConduit's vocabulary.

* ``success``: Keap accepted the contact (follow-up problems are listed in ``steps``).
* ``failure``: a definite answer that a retry would not change (invalid value, Keap said 4xx).
* ``error``: a transport problem, 5xx, throttling that outlasted the retries, or bad credentials.
* ``skip``: nothing was delivered on purpose (lead lacks email and phone, contact exists and the
  flow says ``skip_existing``).

``reason`` is required for everything but success and never contains lead data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

#: ``reason`` of a lead found already in Keap when a resumed batch checked a lead that was in
#: flight when an earlier run died (``Connector.deliver_in_doubt``): success, no contact write.
RECONCILED = "reconciled after an interrupted run"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    SKIP = "skip"


class StepStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # e.g. some tag ids refused
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class StepResult:
    name: str  # contact, tags, sequence, note, lookup, lead_source, custom_fields
    status: StepStatus
    detail: str | None = None
    http_status: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeliveryResult:
    outcome: Outcome
    reason: str | None = None
    contact_id: str | None = None
    #: True when an existing Keap contact was matched (updated or skipped), False when created
    duplicate: bool | None = None
    steps: list[StepResult] = field(default_factory=list)
    #: Tag ids Keap did not apply (status other than SUCCESS/DUPLICATE, or unknown tag)
    refused_tag_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: HTTP attempts made for this lead, retries included
    attempts: int = 0
    elapsed: float = 0.0
    #: For ``validate_only`` flows: the contact body that would have been sent
    payload: dict[str, Any] | None = None
    #: For failure and error: the step that failed (``validation``, a template name such as
    #: ``tags[1]``, ``lookups``, ``contact``, ``tags``, ``sequence 5/7``, ``note``, ``utm``)
    failed_step: str | None = None

    def __post_init__(self) -> None:
        if self.outcome is not Outcome.SUCCESS and not self.reason:
            raise ValueError(f"a {self.outcome} result needs a reason")

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCESS

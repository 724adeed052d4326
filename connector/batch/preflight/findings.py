"""What ``test-connection`` found: the account's listings, the flow's missing references."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Findings:
    ok: bool = False
    credential: str = "not checked"
    api_version: str | None = None
    auth: str | None = None
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    lead_sources: list[dict[str, Any]] = field(default_factory=list)
    #: references in the flow that do not exist in Keap
    problems: list[str] = field(default_factory=list)
    #: things that could not be checked (templates, listings Keap refused)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

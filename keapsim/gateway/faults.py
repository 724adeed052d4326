"""Fault rules (issue 4 fills this in)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from .pipeline import Handler


class FaultRules:
    """Placeholder until the control plane lands: no rules."""

    def clear(self) -> None:
        return None


class ApplyFaults:
    def __init__(self, rules: FaultRules) -> None:
        self.rules = rules

    def __call__(self, request: Request, call_next: Handler) -> Response:
        return call_next(request)

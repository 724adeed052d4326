"""Keap's quotas and throttles (issue 3 fills this in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .pipeline import Handler

if TYPE_CHECKING:
    from ..simulator import Simulator


class Throttle:
    """Gateway stage: counts requests per app/key/tenant and answers 429 over the limit."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def reset(self, tenant_id: str | None = None) -> None:
        return None

    def __call__(self, request: Request, call_next: Handler) -> Response:
        return call_next(request)

"""The canned bodies a fault rule may answer with, by name, and the kinds of effect: shared by
the rules (:mod:`keapsim.gateway.faults`) and their validated declaration
(:mod:`keapsim.gateway.fault_spec`)."""

from __future__ import annotations

from typing import Any, Literal

from ..datarecord import record_class
from ..store.errors import UNCONVERTIBLE
from ..wire import INVALID_REFRESH_TOKEN
from .responses import EXPIRED_TOKEN, INVALID_TOKEN, MISSING_TOKEN, THROTTLED
from .throttle import GUIDE_THROTTLED

EffectKind = Literal["status", "delay", "drop", "malformed", "decline"]


# -- canned bodies ---------------------------------------------------------------------------
@record_class(frozen=True, slots=False)
class Canned:
    status: int
    body: Any
    # Application errors answer in the version's own shape (v1 ``{"message"}``, v2 ``Error``);
    # gateway errors (Apigee faults, the 429) are the same for both versions.
    application_message: str | None = None


# bad_request: observed v1 text (facts §5.2). duplicate_409: the guide profile's message (no
# source gives a body, see api/v1/__init__.py). unavailable_503: the guide profile's over-limit
# body (throttle.py; the guide gives none, and no source shows Keap answering 503).
# invalid_grant: Keap's reused-refresh-token body (facts §2.1, oauth/views.py).
CANNED: dict[str, Canned] = {
    "expired_token": Canned(401, EXPIRED_TOKEN),
    "invalid_token": Canned(401, INVALID_TOKEN),
    "missing_token": Canned(401, MISSING_TOKEN),
    "throttled": Canned(429, THROTTLED),
    "duplicate_409": Canned(409, None, "A contact with this email address already exists"),
    "unavailable_503": Canned(503, GUIDE_THROTTLED),
    "bad_request": Canned(400, None, UNCONVERTIBLE),
    "invalid_grant": Canned(400, INVALID_REFRESH_TOKEN),
}

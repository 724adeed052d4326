"""A hook subscription (Keap's ``RestHook``) and a pending delivery (a batch of changed objects
on its way to one subscription)."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..clock import iso
from ..datarecord import record_class
from .catalogue import V1_COLLECTIONS


class HookStatus(StrEnum):
    """The v1 document's ``RestHook.status`` enum."""

    UNVERIFIED = "Unverified"
    VERIFIED = "Verified"
    INACTIVE = "Inactive"


@record_class(slots=False)
class Subscription:
    """One subscription of one tenant. ``secret`` is the last ``X-Hook-Secret`` sent to the
    hook URL and not yet confirmed (what ``delayedVerify`` must bring back)."""

    key: str
    event_key: str
    hook_url: str
    status: HookStatus = HookStatus.UNVERIFIED
    secret: str | None = None

    def to_wire(self) -> dict[str, str]:
        """The v1 ``RestHook`` body."""
        return {
            "key": self.key,
            "eventKey": self.event_key,
            "hookUrl": self.hook_url,
            "status": str(self.status),
        }


@record_class(slots=False, eq=False)
class Delivery:
    """Changed objects of one event key on their way to one subscription.

    A delivery is *open* (more changes join it) until its first attempt or until it holds
    the most objects Keap sends at once; ``attempt`` is the number of the next attempt and
    ``due`` its time on the simulator clock. ``held_until`` is set while a QA control
    (:mod:`keapsim.hooks.faults`) holds it back; ``ruled_attempt`` is the last attempt the
    controls were consulted for (once per attempt).
    """

    seq: int
    tenant_id: str
    subscription_key: str
    event_key: str
    object_type: str
    due: float
    # (object id, time of the change): kept as tuples of atoms, which Python's garbage collector
    # stops tracking, so a large backlog costs later writes nothing; the wire dicts are built
    # when the delivery is posted.
    changes: list[tuple[int, datetime]] = field(default_factory=list)
    attempt: int = 1
    open: bool = True
    held_until: float | None = None
    ruled_attempt: int = 0

    def payload(self, base_url: str) -> dict[str, Any]:
        """Keap's delivery body (keap-facts.md §3.7). Keap documents ``apiUrl`` as "the REST API
        URL for the resource" without an example; keapsim points it at its own v1 endpoint
        under ``base_url``. Object types without a v1 endpoint (invoices, lead sources) get no
        ``apiUrl`` (third-party descriptions of the payload call it optional)."""
        collection = V1_COLLECTIONS.get(self.object_type)
        object_keys: list[dict[str, Any]] = []
        for object_id, changed in self.changes:
            entry: dict[str, Any] = {"id": object_id}
            if collection is not None:
                entry["apiUrl"] = f"{base_url}/crm/rest/v1/{collection}/{object_id}"
            entry["timestamp"] = iso(changed)
            object_keys.append(entry)
        return {
            "event_key": self.event_key,
            "object_type": self.object_type,
            "object_keys": object_keys,
        }

    def summary(self) -> dict[str, Any]:
        """What the admin API and the dashboard show of a pending delivery."""
        return {
            "tenant": self.tenant_id,
            "subscription": self.subscription_key,
            "event_key": self.event_key,
            "objects": len(self.changes),
            "attempt": self.attempt,
            "due": self.due,
            "open": self.open,
            "held": self.held_until is not None,
        }

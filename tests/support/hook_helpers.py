"""Helpers of the REST hook tests (tests/hooks): a simulator on a frozen clock delivering to an
in-process receiver, subscriptions and contact bodies."""

from __future__ import annotations

from typing import Any

import httpx
from api_v1.helpers import V1

from keapsim.config import TenantSettings
from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator


def make_simulator(receiver: HookReceiver | None = None, **hook_settings: Any) -> Simulator:
    """A simulator without throttling on a frozen clock (time moves only when a test says),
    delivering to ``receiver``."""
    sim = Simulator(settings=TenantSettings(throttle=False, hooks=hook_settings))
    sim.clock.freeze()
    if receiver is not None:
        sim.hooks.deliver_to(transport=receiver)
    return sim


def set_hook_settings(sim: Simulator, **changes: Any) -> None:
    """Change the default tenant's ``hooks`` settings (as the admin API's PATCH does)."""
    tenant = sim.tenant()
    merged = {
        **tenant.settings.model_dump(),
        "hooks": {**tenant.settings.hooks.model_dump(), **changes},
    }
    tenant.settings = TenantSettings.model_validate(merged)


def admin_client(sim: Simulator) -> httpx.Client:
    """A client for ``/_keapsim`` (in-process requests count as loopback)."""
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url)


def subscribe(api: V1, event_key: str, url: str) -> dict[str, Any]:
    return api.post("/hooks", json={"eventKey": event_key, "hookUrl": url})


def contact_body(email: str, **fields: Any) -> dict[str, Any]:
    return {"email_addresses": [{"email": email, "field": "EMAIL1"}], **fields}

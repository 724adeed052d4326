"""Fixtures for the REST hook tests: a simulator on a frozen clock whose hooks go to an
in-process receiver (no socket), and v1/v2 clients whose success bodies are checked against
Keap's documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2

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


@pytest.fixture
def receiver() -> HookReceiver:
    return HookReceiver()


@pytest.fixture
def sim(receiver: HookReceiver) -> Simulator:
    """Keap's timing: first attempts 30-60 s after the change."""
    return make_simulator(receiver)


@pytest.fixture
def fast_sim(receiver: HookReceiver) -> Simulator:
    """``hooks.delay = immediate``: a change is due at once."""
    return make_simulator(receiver, delay="immediate")


@pytest.fixture
def v1(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)


@pytest.fixture
def v2(sim: Simulator) -> Iterator[V2]:
    with sim.client() as client:
        yield V2(client)


@pytest.fixture
def fast_v1(fast_sim: Simulator) -> Iterator[V1]:
    with fast_sim.client() as client:
        yield V1(client)


@pytest.fixture
def fast_v2(fast_sim: Simulator) -> Iterator[V2]:
    with fast_sim.client() as client:
        yield V2(client)


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

"""Fixtures for the gateway tests: frozen clocks, an admin client, a private server.

Tests that move the clock use their own simulator (in-process, or served by ``own_server``):
the session-wide ``keapsim_server`` shares one clock with every other test, and advancing it
by a day would expire everyone's tokens.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.frozen_time import T0

from keapsim import Simulator
from keapsim.clock import Clock
from keapsim.server import SimulatorServer


@pytest.fixture
def frozen_sim() -> Simulator:
    """A simulator whose clock moves only when a test advances it."""
    return Simulator(clock=Clock(frozen_at=T0))


@pytest.fixture
def admin(frozen_sim: Simulator) -> Iterator[httpx.Client]:
    """The admin API of ``frozen_sim`` (in-process; the remote address is loopback)."""
    with httpx.Client(
        transport=frozen_sim.transport(), base_url=f"{frozen_sim.base_url}/_keapsim"
    ) as client:
        yield client


@pytest.fixture
def own_server() -> Iterator[SimulatorServer]:
    """A private simulator on a real loopback socket, with a frozen clock."""
    server = SimulatorServer(Simulator(clock=Clock(frozen_at=T0), base_url="http://127.0.0.1"))
    server.start()
    server.simulator.base_url = server.url
    try:
        yield server
    finally:
        server.stop()

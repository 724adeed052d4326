from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with sim.client() as api:
        yield api


@pytest.fixture
def admin(sim: Simulator) -> Iterator[httpx.Client]:
    """An in-process client for ``/_keapsim`` (in-process requests count as loopback)."""
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as api:
        yield api


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    """A real waitress server on a free loopback port, with a fresh simulator."""
    with SimulatorServer(Simulator(), threads=4) as running:
        running.simulator.base_url = running.url
        yield running

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .fakes import FakeConnector


@pytest.fixture
def fake() -> FakeConnector:
    return FakeConnector()


@pytest.fixture(scope="session")
def sim_server() -> Iterator[Any]:
    """One keapsim server on a free loopback port; each test takes its own tenant."""
    from keapsim import Simulator
    from keapsim.server import SimulatorServer

    sim = Simulator(base_url="http://127.0.0.1")
    server = SimulatorServer(sim).start()
    sim.base_url = server.url
    try:
        yield server
    finally:
        server.stop()

"""Fixtures for the control-plane state tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator


@pytest.fixture
def own_server() -> Iterator[SimulatorServer]:
    """A simulator served on a free loopback port for this test alone (faults and resets here
    cannot disturb the session-wide ``keapsim_server``)."""
    server = SimulatorServer(Simulator(base_url="http://127.0.0.1")).start()
    server.simulator.base_url = server.url
    try:
        yield server
    finally:
        server.stop()

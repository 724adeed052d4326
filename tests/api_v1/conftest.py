from __future__ import annotations

from collections.abc import Iterator

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V1


@pytest.fixture(scope="session")
def shared_simulator() -> Simulator:
    # Throttling is the gateway's concern (tested elsewhere); these tests send bursts. Building
    # the Flask app costs ~0.1 s, so one simulator serves all tests and is reset before each.
    return Simulator(throttle=False)


@pytest.fixture
def sim(shared_simulator: Simulator) -> Simulator:
    shared_simulator.reset()
    return shared_simulator


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return sim.tenant()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)

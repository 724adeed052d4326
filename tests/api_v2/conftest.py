from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2


@pytest.fixture(scope="session")
def _shared_sim() -> Simulator:
    # Building the Flask app costs ~0.1 s (route compilation); one simulator, reset before
    # every test, keeps the suite fast. Throttling is the gateway's concern (tested
    # elsewhere); these tests send bursts.
    return Simulator(throttle=False)


@pytest.fixture
def sim(_shared_sim: Simulator) -> Simulator:
    _shared_sim.reset()
    return _shared_sim


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return sim.tenant()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V2]:
    with sim.client() as client:
        yield V2(client)


@pytest.fixture
def v1(sim: Simulator) -> Iterator[httpx.Client]:
    with sim.client() as client:
        yield client

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2

from keapsim.simulator import Simulator
from keapsim.store import Tenant


@pytest.fixture(scope="session")
def _shared_sim() -> Simulator:
    # One simulator, reset before every test (as tests/api_v2 does); throttling is tested
    # elsewhere and these tests send bursts.
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
def v1(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)

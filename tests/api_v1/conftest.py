from __future__ import annotations

from collections.abc import Iterator

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V1


@pytest.fixture
def sim() -> Simulator:
    # Throttling is the gateway's concern (tested elsewhere); these tests send bursts.
    return Simulator(throttle=False)


@pytest.fixture
def tenant(sim: Simulator) -> Tenant:
    return sim.tenant()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)

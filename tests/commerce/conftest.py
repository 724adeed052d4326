from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2
from support.shared_simulator import shared_simulator_fixtures

from keapsim.simulator import Simulator

_shared_sim, sim, tenant = shared_simulator_fixtures()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V2]:
    with sim.client() as client:
        yield V2(client)


@pytest.fixture
def v1(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)

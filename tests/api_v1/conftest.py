from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.shared_simulator import shared_simulator_fixtures

from keapsim.simulator import Simulator

from .helpers import V1

_shared_sim, sim, tenant = shared_simulator_fixtures()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.shared_simulator import shared_simulator_fixtures

from keapsim.simulator import Simulator

from .helpers import V2

_shared_sim, sim, tenant = shared_simulator_fixtures()


@pytest.fixture
def api(sim: Simulator) -> Iterator[V2]:
    with sim.client() as client:
        yield V2(client)


@pytest.fixture
def v1(sim: Simulator) -> Iterator[httpx.Client]:
    with sim.client() as client:
        yield client

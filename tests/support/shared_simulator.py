"""The simulator fixtures of a test directory that shares one simulator among its tests.

Building the Flask app costs ~0.1 s (route compilation), so one simulator per directory,
reset before every test, keeps a suite fast. Throttling is the gateway's concern (tested
elsewhere); these tests send bursts, so it is off. A conftest takes the fixtures by name::

    _shared_sim, sim, tenant = shared_simulator_fixtures()

(assigned rather than imported, so each directory gets its own session simulator and ruff's
F811 does not see a fixture argument redefining an imported name).
"""

from __future__ import annotations

from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant


def shared_simulator_fixtures() -> tuple[Any, Any, Any]:
    """``_shared_sim`` (session), ``sim`` (that simulator, reset) and ``tenant`` (its default
    tenant)."""

    @pytest.fixture(scope="session")
    def _shared_sim() -> Simulator:
        return Simulator(throttle=False)

    @pytest.fixture
    def sim(_shared_sim: Simulator) -> Simulator:
        _shared_sim.reset()
        return _shared_sim

    @pytest.fixture
    def tenant(sim: Simulator) -> Tenant:
        return sim.tenant()

    return _shared_sim, sim, tenant

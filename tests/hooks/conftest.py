"""Fixtures for the REST hook tests: a simulator on a frozen clock whose hooks go to an
in-process receiver (no socket), and v1/v2 clients whose success bodies are checked against
Keap's documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2
from support.hook_helpers import make_simulator

from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator


@pytest.fixture
def receiver() -> HookReceiver:
    return HookReceiver()


@pytest.fixture
def sim(receiver: HookReceiver) -> Simulator:
    """Keap's timing: first attempts 30-60 s after the change."""
    return make_simulator(receiver)


@pytest.fixture
def fast_sim(receiver: HookReceiver) -> Simulator:
    """``hooks.delay = immediate``: a change is due at once."""
    return make_simulator(receiver, delay="immediate")


@pytest.fixture
def v1(sim: Simulator) -> Iterator[V1]:
    with sim.client() as client:
        yield V1(client)


@pytest.fixture
def v2(sim: Simulator) -> Iterator[V2]:
    with sim.client() as client:
        yield V2(client)


@pytest.fixture
def fast_v1(fast_sim: Simulator) -> Iterator[V1]:
    with fast_sim.client() as client:
        yield V1(client)


@pytest.fixture
def fast_v2(fast_sim: Simulator) -> Iterator[V2]:
    with fast_sim.client() as client:
        yield V2(client)

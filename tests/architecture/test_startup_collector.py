"""``keapsim serve`` builds its simulator with the cyclic collector paused and freezes what it
built (keapsim/cli.py, ``collector_paused``); the collector is running again afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from keapsim.cli import collector_paused


@pytest.fixture
def collector_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()  # give the test process's objects back to the ordinary generations
    if enabled:
        gc.enable()


@pytest.mark.usefixtures("collector_state")
def test_start_up_runs_with_the_collector_paused_and_freezes_what_it_built() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        built = [{"long-lived": n} for n in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


@pytest.mark.usefixtures("collector_state")
def test_a_failed_start_up_leaves_the_collector_as_it_was() -> None:
    gc.enable()
    with pytest.raises(OSError), collector_paused():
        raise OSError("address in use")
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()  # a caller that had paused it keeps it paused

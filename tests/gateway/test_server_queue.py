"""waitress's "Task queue depth is N" warnings become debug lines of keapsim's own logger
(issue 18: about 1,400 warnings per loaded run, each a request racing its predecessor)."""

from __future__ import annotations

import logging
import threading

import pytest

from keapsim import Simulator
from keapsim.server import SimulatorServer


class BlockingTask:
    """A waitress task that holds its worker thread until released."""

    def __init__(self, release: threading.Event, done: threading.Event) -> None:
        self.release = release
        self.done = done

    def service(self) -> None:
        self.release.wait(timeout=10)
        self.done.set()


def test_a_queued_request_is_a_debug_line_not_a_waitress_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = SimulatorServer(Simulator(throttle=False), threads=1)
    release = threading.Event()
    first_done, second_done = threading.Event(), threading.Event()
    try:
        with caplog.at_level(logging.DEBUG):
            dispatcher = server._server.task_dispatcher
            dispatcher.add_task(BlockingTask(release, first_done))
            dispatcher.add_task(BlockingTask(release, second_done))  # the one worker is busy
            release.set()
            assert first_done.wait(10) and second_done.wait(10)
    finally:
        server.stop()
    queued = [r for r in caplog.records if r.getMessage().startswith("Task queue depth is")]
    assert queued, "the queued task was not reported at all"
    assert {(r.name, r.levelno) for r in queued} == {("keapsim.server.queue", logging.DEBUG)}

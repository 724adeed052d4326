"""Fixtures of the serve tests: the app in-process on an in-process simulator (fast), and
helpers in :mod:`serve.processes` for the tests that run real processes (``slow``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.serve_helpers import TOKEN, Served, flow

from connector import parse_config
from connector.report import DeliveryLog
from connector.serve.app import ServeState, create_app
from connector.serve.callers import CallerAuth
from connector.serve.deliverer import LeadDeliverer, build_connector
from connector.serve.metrics import ServeMetrics
from connector.serve.queue import SqliteQueue
from connector.serve.worker import QueueWorkers


@pytest.fixture
def sim() -> Any:
    from keapsim import Simulator

    return Simulator()


@pytest.fixture
def tenant(sim: Any) -> Any:
    return sim.create_tenant(throttle=False)


@pytest.fixture
def serve_app(sim: Any, tenant: Any, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """``serve_app(mode="sync"|"queue", **flow_extra)``: an app on the simulator's transport."""
    made: list[Served] = []

    def make(
        mode: str = "sync", workers: int = 2, queue_path: Path | None = None, **extra: Any
    ) -> Served:
        config = parse_config(flow(sim.base_url, tenant, **extra))
        queue = None
        if mode == "queue":
            queue = SqliteQueue(queue_path or tmp_path / f"queue{len(made)}.sqlite3")
        metrics = ServeMetrics(queue_depth=queue.depth if queue else None)
        connector, meter = build_connector(config, metrics, transport=sim.transport())
        log = DeliveryLog(tmp_path / "log.sqlite3")
        deliverer = LeadDeliverer(connector, meter, metrics, log=log, run_id=f"test-{len(made)}")
        pool = QueueWorkers(queue, deliverer, workers=workers) if queue else None
        state = ServeState(
            deliverer=deliverer,
            metrics=metrics,
            callers=CallerAuth([TOKEN]),
            queue=queue,
            wake_workers=pool.wake if pool else None,
        )
        served = Served(create_app(state).test_client(), state, log, pool)
        made.append(served)
        return served

    yield make
    for served in made:
        if served.workers is not None:
            served.workers.stop()
        if served.state.queue is not None:
            served.state.queue.close()
        served.state.deliverer.connector.close()
        served.log.close()

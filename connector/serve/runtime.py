"""What ``serve`` builds before it listens: Redis, the queue, the connector and the app.

:class:`Runtime` holds them and closes them in reverse order when the server stops.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any, NoReturn

import click

from connector.serve.queue import DEFAULT_QUEUE_PATH

QUEUE_ENV = "KEAP_CONNECTOR_QUEUE"
#: How long a stop waits for deliveries in flight before closing anyway.
DRAIN_SECONDS = 30.0


def fail(message: str) -> NoReturn:
    """Stop ``serve`` before it listens: the message on stderr, exit status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def connect_redis(config: Any) -> Any:
    url = config.serve.redis_url
    if url is None:
        return None
    from redis.exceptions import RedisError

    from connector.serve.shared import connect

    try:
        return connect(url.get_secret_value())
    except RedisError as exc:
        fail(f"cannot reach Redis (serve.redis_url): {exc}")


def open_queue(
    config: Any, queue_db: str | None, redis_client: Any, backends: Any, port: int
) -> Any:
    if config.serve.queue_backend is backends.REDIS:
        import socket

        from connector.serve.redis_queue import RedisQueue

        # Host and port name an instance across restarts, so a restarted instance takes back
        # its own in-flight leads at once (others adopt them only after its heartbeat expires).
        instance = f"{socket.gethostname()}:{port}" if port else None
        return RedisQueue(redis_client, config.serve.redis_prefix, instance)
    from connector.serve.queue import QueueBusy, SqliteQueue

    path = Path(queue_db or os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE_PATH)
    try:
        return SqliteQueue(path)
    except QueueBusy as exc:
        fail(str(exc))


class Runtime:
    """Everything a running server holds, closed in reverse order at the end."""

    def __init__(self, state: Any, app: Any, connector: Any, log: Any, workers: Any) -> None:
        self.state = state
        self.app = app
        self.connector = connector
        self.log = log
        self.workers = workers

    def close(self) -> None:
        if self.workers is not None:
            self.workers.stop(DRAIN_SECONDS)
        if self.state.queue is not None:
            self.state.queue.close()
        self.connector.close()
        if self.log is not None:
            self.log.close()


def build_runtime(
    config: Any,
    callers: Any,
    queue: Any,
    redis_client: Any,
    log_db: str | None,
    no_log: bool,
    workers: int,
) -> Runtime:
    from connector.report import DeliveryLog, default_log_path
    from connector.serve.app import ServeState, create_app
    from connector.serve.deliverer import LeadDeliverer, build_connector
    from connector.serve.metrics import ServeMetrics
    from connector.serve.worker import QueueWorkers

    metrics = ServeMetrics(queue_depth=queue.depth if queue is not None else None)
    try:
        connector, meter = build_connector(config, metrics, redis_client=redis_client)
    except Exception as exc:
        fail(str(exc))
    log = None if no_log else DeliveryLog(log_db or default_log_path())
    run_id = "serve-" + uuid.uuid4().hex[:8]
    deliverer = LeadDeliverer(connector, meter, metrics, log=log, run_id=run_id)
    pool = QueueWorkers(queue, deliverer, workers=workers) if queue is not None else None
    state = ServeState(
        deliverer=deliverer,
        metrics=metrics,
        callers=callers,
        queue=queue,
        wake_workers=pool.wake if pool is not None else None,
    )
    if pool is not None:
        pool.start()
    return Runtime(state, create_app(state), connector, log, pool)

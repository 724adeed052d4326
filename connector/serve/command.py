"""``keap-connector serve``: the command, and the waitress server it runs.

waitress is the server: already the project's (keapsim serves with it), pure Python, a thread
pool, production-grade, and behind a reverse proxy it honours ``X-Forwarded-*`` from the proxies
named with ``--trusted-proxy``. A delivery is blocking I/O paced by Keap's rate, so threads
are the right shape; an ASGI server would add an event loop only to hand the work to threads.

Stopping (SIGTERM, or Ctrl-C): ``/healthz`` turns 503 and new leads get 503 with Retry-After
(a load balancer sends them to another instance), the deliveries in flight finish (sync
requests and queue workers), then the socket closes. Leads still waiting in the queue stay
there for the next start. A second signal stops at once; queued leads are safe either way
(see connector/serve/queue.py for ``kill -9``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import click

from connector.serve.queue import DEFAULT_QUEUE_PATH

QUEUE_ENV = "KEAP_CONNECTOR_QUEUE"
DEFAULT_PORT = 8500
DEFAULT_THREADS = 16
#: How long a stop waits for deliveries in flight before closing anyway.
DRAIN_SECONDS = 30.0


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command("serve")
@click.option("--config", "-c", "config_path", required=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port (printed at start).",
)
@click.option(
    "--mode",
    type=click.Choice(["sync", "queue"]),
    default="sync",
    show_default=True,
    help="sync: answer with the outcome; queue: 202 at once, deliver in the background.",
)
@click.option(
    "--queue-db",
    default=None,
    help=f"Queue file of queue mode [default: ${QUEUE_ENV} or ./{DEFAULT_QUEUE_PATH}].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Queue mode: leads delivered concurrently (requests follow keap.rate_limit).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=DEFAULT_THREADS,
    show_default=True,
    help="HTTP threads (sync mode: the most leads delivered at once).",
)
@click.option(
    "--log-db",
    default=None,
    help="Delivery log [default: $KEAP_CONNECTOR_LOG or ./keap-delivery-log.sqlite3].",
)
@click.option("--no-log", is_flag=True, help="Do not write the delivery log.")
@click.option(
    "--trusted-proxy",
    default=None,
    help="Address of the reverse proxy whose X-Forwarded-For/-Proto are believed.",
)
@click.option("--no-auth", is_flag=True, help="Accept leads without a caller token (loopback).")
@click.option("--json", "as_json", is_flag=True, help="Print the start-up line as JSON.")
def serve(
    config_path: str,
    host: str,
    port: int,
    mode: str,
    queue_db: str | None,
    workers: int,
    threads: int,
    log_db: str | None,
    no_log: bool,
    trusted_proxy: str | None,
    no_auth: bool,
    as_json: bool,
) -> None:
    """Deliver leads posted over HTTP (POST /leads), as LeadConduit or a web form posts them."""
    from connector.config import ConfigError, QueueBackend, load_config
    from connector.serve.callers import CallerAuth, NoCallerToken, caller_tokens

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        _fail(str(exc))
    if no_auth and host not in ("127.0.0.1", "::1", "localhost"):
        _fail("--no-auth is for loopback only; give callers a token (serve.auth_tokens)")
    try:
        callers = CallerAuth(None if no_auth else caller_tokens(config.serve))
    except NoCallerToken as exc:
        _fail(str(exc))
    redis_client = _redis(config)
    queue = None
    if mode == "queue":
        queue = _open_queue(config, queue_db, redis_client, QueueBackend, port)
    runtime = _build(config, callers, queue, redis_client, log_db, no_log, workers)
    server = _create_server(runtime, host, port, threads, trusted_proxy)
    _announce(server, runtime, as_json)
    _serve_until_stopped(server, runtime)


def _redis(config: Any) -> Any:
    url = config.serve.redis_url
    if url is None:
        return None
    from redis.exceptions import RedisError

    from connector.serve.shared import connect

    try:
        return connect(url.get_secret_value())
    except RedisError as exc:
        _fail(f"cannot reach Redis (serve.redis_url): {exc}")


def _open_queue(
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
        _fail(str(exc))


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


def _build(
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
        _fail(str(exc))
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


def _create_server(
    runtime: Runtime, host: str, port: int, threads: int, trusted_proxy: str | None
) -> Any:
    from waitress.server import create_server

    options: dict[str, Any] = {}
    if trusted_proxy:
        options = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host",
        }
    try:
        return create_server(
            runtime.app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=1000,
            channel_timeout=60,
            clear_untrusted_proxy_headers=True,
            ident="keap-connector",
            **options,
        )
    except OSError as exc:
        runtime.close()
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _announce(server: Any, runtime: Runtime, as_json: bool) -> None:
    host = server.effective_host
    shown = f"[{host}]" if ":" in str(host) else host
    info = {
        "url": f"http://{shown}:{server.effective_port}",
        "mode": runtime.state.mode,
        "pid": os.getpid(),
        "auth": runtime.state.callers.enabled,
    }
    if as_json:
        click.echo(json.dumps(info))
    else:
        click.echo(
            f"keap-connector serve ({info['mode']} mode) on {info['url']}: POST /leads, "
            "GET /healthz, GET /metrics"
        )
    sys.stdout.flush()


def _serve_until_stopped(server: Any, runtime: Runtime) -> None:
    stopping = threading.Event()

    def close_server() -> None:
        from waitress import wasyncore

        time.sleep(0.2)  # let the loop flush the last answers written by the worker threads
        server.task_dispatcher.shutdown()
        # Every channel, not only the listening socket: the loop runs while its map has any.
        wasyncore.close_all(server._map)

    def drain_then_close() -> None:
        runtime.state.draining = True
        deadline = time.monotonic() + DRAIN_SECONDS
        if runtime.workers is not None:
            runtime.workers.stop(DRAIN_SECONDS)
        while runtime.state.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        close_server()

    def on_signal(signum: int, _frame: Any) -> None:
        if stopping.is_set():
            close_server()  # a second signal: stop now
            return
        stopping.set()
        threading.Thread(target=drain_then_close, name="serve-drain", daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    try:
        server.run()
    except OSError:
        # close() from the drain thread pulls the socket from under the select loop: that is
        # how the loop ends, not an error.
        if not stopping.is_set():
            raise
    finally:
        runtime.close()

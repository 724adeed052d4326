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

This module is the command; ``runtime.py`` builds what it serves (Redis, the queue, the
connector, the app) and ``server.py`` runs waitress until it is stopped.
"""

from __future__ import annotations

import click

from connector.serve.queue import DEFAULT_QUEUE_PATH
from connector.serve.runtime import (
    DRAIN_SECONDS,
    QUEUE_ENV,
    build_runtime,
    connect_redis,
    fail,
    open_queue,
)
from connector.serve.server import announce, create_server, serve_until_stopped

#: DRAIN_SECONDS and QUEUE_ENV moved to connector.serve.runtime; importable from here too.
__all__ = ["DEFAULT_PORT", "DEFAULT_THREADS", "DRAIN_SECONDS", "QUEUE_ENV", "serve"]

DEFAULT_PORT = 8500
DEFAULT_THREADS = 16


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
        fail(str(exc))
    if no_auth and host not in ("127.0.0.1", "::1", "localhost"):
        fail("--no-auth is for loopback only; give callers a token (serve.auth_tokens)")
    try:
        callers = CallerAuth(None if no_auth else caller_tokens(config.serve))
    except NoCallerToken as exc:
        fail(str(exc))
    redis_client = connect_redis(config)
    queue = None
    if mode == "queue":
        queue = open_queue(config, queue_db, redis_client, QueueBackend, port)
    runtime = build_runtime(config, callers, queue, redis_client, log_db, no_log, workers)
    server = create_server(runtime, host, port, threads, trusted_proxy)
    announce(server, runtime, as_json)
    serve_until_stopped(server, runtime)

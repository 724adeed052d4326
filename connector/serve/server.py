"""The waitress server of ``serve``: listening, the start-up line, and stopping by draining.

Stopping (SIGTERM, or Ctrl-C): ``/healthz`` turns 503 and new leads get 503 with Retry-After,
the deliveries in flight finish (sync requests and queue workers), then the socket closes. A
second signal stops at once.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any

import click

from connector.serve.runtime import DRAIN_SECONDS, Runtime, fail


def create_server(
    runtime: Runtime, host: str, port: int, threads: int, trusted_proxy: str | None
) -> Any:
    from waitress.server import create_server as waitress_server

    options: dict[str, Any] = {}
    if trusted_proxy:
        options = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host",
        }
    try:
        return waitress_server(
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
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def announce(server: Any, runtime: Runtime, as_json: bool) -> None:
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


def serve_until_stopped(server: Any, runtime: Runtime) -> None:
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

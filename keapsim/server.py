"""Serving the simulator over a socket.

One process, many threads: all state lives in memory, so several worker processes would split
it. waitress is the server (see docs/design/index.md for the measurements behind the
choice): pure Python, production-grade, a thread pool, no fork.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge
from waitress.wasyncore import close_all

if TYPE_CHECKING:
    from .simulator import Simulator

DEFAULT_THREADS = 16
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""Host names the admin API answers to on a server (besides the address it is bound to and
``keapsim serve --allowed-host`` names): any other name in a ``Host`` header is a DNS
rebinding attempt (keapsim/admin/__init__.py)."""


class KeapErrorTask(ErrorTask):
    """waitress's answer to a request it refuses before the app sees it: the gateway's JSON
    413 (keapsim.gateway.limits) for an oversized body instead of waitress's plain text, so
    that clients see one 413 whichever layer refused. Other protocol errors keep waitress's
    own body (a malformed request never reached Keap's API either)."""

    def execute(self) -> None:
        if not isinstance(getattr(self.request, "error", None), RequestEntityTooLarge):
            super().execute()
            return
        # Imported here: ``keapsim --help`` imports this module and must not load werkzeug.
        from .gateway.limits import TOO_BIG_BODY

        body = json.dumps(TOO_BIG_BODY, separators=(",", ":")).encode()
        # The same steps as ErrorTask.execute, with another body.
        self.status = "413 Request Entity Too Large"
        self.response_headers = [*self.response_headers, ("Content-Type", "application/json")]
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class KeapChannel(HTTPChannel):
    error_task_class = KeapErrorTask


def _answer_errors_in_keaps_shape(server: Any) -> None:
    # create_server registers one listening server per address in the shared socket map and
    # returns the last one (or a wrapper of them); every one of them accepts connections.
    socket_map = getattr(server, "map", None) or getattr(server, "_map", {})
    for dispatcher in [server, *socket_map.values()]:
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = KeapChannel


queue_log = logging.getLogger("keapsim.server.queue")


class QueueDepthAtDebug:
    """Stands in for waitress's ``waitress.queue`` logger on keapsim's dispatcher: its "Task
    queue depth is N" warnings become debug lines of ``keapsim.server.queue``.

    waitress warns whenever a request is queued while it counts fewer idle threads than queued
    requests. Under a closed-loop client that is nearly every request: the worker that has just
    sent a connection its answer is still counted busy (it decrements its counter after
    finishing the task) when that connection's next request arrives, so the "queue" is the
    request racing its own predecessor (N was 1-4 with 16 threads and 16 connections). The
    warning was about 1,400 lines per loaded run and told the user nothing; the latency
    figures (``bench/``) are the measure of real queueing. Only this server's dispatcher is
    changed, never the process-wide ``waitress.queue`` logger.
    """

    def warning(self, message: str, *args: Any) -> None:
        queue_log.debug(message, *args)


class SimulatorServer:
    """A waitress server for one simulator; ``port=0`` picks a free port."""

    def __init__(
        self,
        sim: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.simulator = sim
        # Imported here: `import keapsim.cli` avoids the store package (~60 ms of dataclasses).
        from .store.memory import apply_gc_policy

        if sim.allowed_hosts is None:
            sim.allowed_hosts = LOOPBACK_NAMES | {host.strip("[]").lower()}
        apply_gc_policy()  # full collections deferred while serving (keapsim/store/memory.py)
        # Any: waitress types the server as a union whose asyncore attributes (trigger, _map)
        # its stubs leave out; one host and one port always give the single-socket server.
        self._server: Any = create_server(
            close_dropped_connections(sim.wsgi_app),
            host=host,
            port=port,
            threads=threads,
            # Keep the default connection limits generous: load tests open many connections.
            connection_limit=1000,
            channel_timeout=30,
            clear_untrusted_proxy_headers=True,
            ident="keapsim",
            # waitress refuses a bigger body from its headers, before reading it into memory
            # or a temporary file; the gateway's own check covers in-process transports.
            max_request_body_size=sim.max_body_bytes,
        )
        _answer_errors_in_keaps_shape(self._server)
        # waitress types the attribute as a Logger; only its warning() is ever called.
        self._server.task_dispatcher.queue_logger = QueueDepthAtDebug()  # type: ignore[assignment]
        self.host = host
        # waitress.create_server answers a single-socket server here (one host, one port).
        self.port: int = cast(Any, self._server).effective_port
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except OSError:
            # close() from another thread can pull the socket from under the select loop;
            # that is the loop's way of ending, not an error.
            if not self._stopping:
                raise

    def start(self) -> SimulatorServer:
        """Serve in a background thread (tests, notebooks)."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="keapsim-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self._server.task_dispatcher.shutdown()
        thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            # Close the listening socket and every open connection from inside the select
            # loop, woken through waitress's trigger, so that the loop ends at once: closed
            # from this thread, the loop would sit out its 1-second poll timeout first.
            self._server.trigger.pull_trigger(self._close_all)
            thread.join(timeout=5)
        self._close_all()  # whatever is still open (no loop running, or it did not answer)

    def _close_all(self) -> None:
        close_all(self._server._map, ignore_all=True)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def close_dropped_connections(app: WSGIApp) -> WSGIApp:
    """Turn a ``drop`` fault into a closed socket, once the whole request has unwound.

    The fault stage only raises; the journal records the drop on the way out; then this closes
    the socket. In the other order a client could see the drop, retry, and read the journal
    before the dropped request's entry was written.
    """
    # Imported here: the fault rules' module loads werkzeug, which `import keapsim.cli` avoids.
    from .gateway.faults import ConnectionDropped

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except ConnectionDropped:
            # Under waitress the environ holds the channel's ``check_client_disconnected``
            # method, and its channel owns the socket. Shutting the socket down makes the client
            # read EOF before any byte; waitress's own ``ClientDisconnected`` stops it from
            # writing its 500 page (it logs one info line and closes the channel).
            check = environ.get("waitress.client_disconnected")
            sock = getattr(getattr(check, "__self__", None), "socket", None)
            if sock is None:
                raise
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise ClientDisconnected from None

    return serve

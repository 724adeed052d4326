"""Serving the simulator over a socket.

One process, many threads: all state lives in memory, so several worker processes would split
it. waitress is the server (see the README's design section for the measurements behind the
choice): pure Python, production-grade, a thread pool, no fork.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from waitress.channel import ClientDisconnected
from waitress.server import create_server
from waitress.wasyncore import close_all

from .gateway.faults import DroppedConnection

if TYPE_CHECKING:
    from .simulator import Simulator

DEFAULT_THREADS = 16


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
        self._server = create_server(
            close_dropped_connections(sim.wsgi_app),
            host=host,
            port=port,
            threads=threads,
            # Keep the default connection limits generous: load tests open many connections.
            connection_limit=1000,
            channel_timeout=30,
            clear_untrusted_proxy_headers=True,
            ident="keapsim",
        )
        self.host = host
        self.port: int = self._server.effective_port  # type: ignore[attr-defined]
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

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except DroppedConnection:
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

"""Serving the simulator over a socket.

One process, many threads: all state lives in memory, so several worker processes would split
it. waitress is the server (see docs/design/index.md for the measurements behind the
choice): pure Python, production-grade, a thread pool, no fork.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

from waitress.server import create_server

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
        # Imported here: the store package pulls in pydantic, which `import keapsim.cli` avoids.
        from .store.memory import apply_gc_policy

        apply_gc_policy()  # full collections deferred while serving (keapsim/store/memory.py)
        self._server = create_server(
            sim.wsgi_app,
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
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

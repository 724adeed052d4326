"""Ctrl-C and SIGTERM during ``deliver``: finish the leads in flight, then stop."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from rich.console import Console

from connector.batch.runner import BatchRunner


class StopOnSignal:
    """First SIGINT/SIGTERM: stop handing out leads and let in-flight ones finish.

    A second one abandons the in-flight leads at once; they are recorded in the in-flight
    journal and ``--resume`` re-sends them (contacts are upserted, so that is safe).
    """

    def __init__(self, runner: BatchRunner, console: Console) -> None:
        self.runner = runner
        self.console = console
        self.previous: dict[int, Any] = {}
        self.hits = 0

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        self.hits += 1
        name = signal.Signals(signum).name
        if self.hits == 1:
            self.runner.request_stop(f"interrupted by {name}: stopped handing out leads")
            self.console.print(
                f"\n[yellow]{name}: finishing the leads in flight, then stopping "
                "(press Ctrl-C again to abandon them; --resume will check them in Keap).[/]"
            )
        else:
            self.console.print(f"\n[red]{name} again: abandoning in-flight leads.[/]")
            os._exit(130)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

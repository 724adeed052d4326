"""`keapsim serve` as a real process, for tests of the command itself."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve_process(*options: str) -> Iterator[dict[str, Any]]:
    """Run ``keapsim serve --port 0 --json OPTIONS`` and yield the credentials line it prints.

    The line is printed once the socket listens, so the server can be called straight away.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "keapsim.cli", "serve", "--port", "0", "--json", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.poll() is not None else "no output"
        yield json.loads(line)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)

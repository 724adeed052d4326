"""A real hook receiver on a loopback port (``http.server``), for the tests against
``keapsim serve``: it records every post and answers as scripted, like the in-process
:class:`keapsim.hooks.HookReceiver` but over a socket."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def secret(self) -> str | None:
        return self.headers.get("x-hook-secret")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int = 200
    echo: bool = True
    sleep: float = 0.0


class LoopbackReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.received.append(Received(self.path, headers, body))
                    answer = receiver.script.popleft() if receiver.script else receiver.default
                time.sleep(answer.sleep)
                self.send_response(answer.status)
                if answer.echo and "x-hook-secret" in headers:
                    self.send_header("X-Hook-Secret", headers["x-hook-secret"])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def answer(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def deliveries(self, event_key: str | None = None) -> list[Received]:
        with self.lock:
            posts = [r for r in self.received if r.secret is None]
        return [p for p in posts if event_key is None or p.json()["event_key"] == event_key]

    def verifications(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.secret is not None]

    def wait_for(self, condition: Callable[[], bool], seconds: float = 10.0) -> None:
        """Wait (wall time) until the background dispatcher has made ``condition`` true."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received: {self.received}")
            time.sleep(0.02)


@contextmanager
def loopback_receiver() -> Iterator[LoopbackReceiver]:
    receiver = LoopbackReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(timeout=5)

"""An in-process hook receiver for tests: an httpx transport that records every post keapsim
makes and answers as scripted, without a socket.

    receiver = HookReceiver()
    sim.hooks.deliver_to(transport=receiver)
    client.post("/v1/hooks", json={"eventKey": "contact.add", "hookUrl": receiver.url})
    ...
    sim.hooks.flush()
    assert receiver.object_ids("contact.add") == [1]

By default it answers 200 and echoes ``X-Hook-Secret`` (so subscriptions verify). Script other
answers with :meth:`HookReceiver.reply` (``status``, no echo, a wrong echo) and
:meth:`HookReceiver.time_out`; or give it a WSGI ``app`` or a ``handler`` callable to answer
instead (still recorded). The pytest fixture ``keap_hook_receiver`` wires one to the
``keapsim`` fixture's simulator.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .delivery import SECRET_HEADER

DEFAULT_URL = "http://127.0.0.1/keapsim-hooks"


@dataclass(frozen=True, slots=True)
class ReceivedHook:
    """One post as the receiver saw it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def secret(self) -> str | None:
        """The ``X-Hook-Secret`` of a verification post (None on deliveries)."""
        return next((v for k, v in self.headers.items() if k.lower() == "x-hook-secret"), None)

    @property
    def is_verification(self) -> bool:
        return self.secret is not None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def event_key(self) -> str | None:
        payload = self.json() if not self.is_verification else None
        return payload.get("event_key") if isinstance(payload, dict) else None

    @property
    def object_keys(self) -> list[dict[str, Any]]:
        payload = self.json() if not self.is_verification else None
        return list(payload.get("object_keys", [])) if isinstance(payload, dict) else []


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted answer: ``status``; ``echo`` the secret back (or ``secret`` instead of the
    one received); ``timeout`` raises ``httpx.ReadTimeout`` as if no answer came."""

    status: int = 200
    echo: bool = True
    secret: str | None = None
    timeout: bool = False


class HookReceiver(httpx.BaseTransport):
    """Records posts and answers them; ``url`` is the hookUrl to subscribe with (a loopback
    address, so keapsim's host check passes; nothing connects to it)."""

    def __init__(
        self,
        *,
        app: Callable[..., Any] | None = None,
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
        url: str = DEFAULT_URL,
    ) -> None:
        self.url = url
        self.default = Reply()
        self._app = httpx.WSGITransport(app=app) if app is not None else None
        self._handler = handler
        self._script: deque[Reply] = deque()
        self._received: list[ReceivedHook] = []
        self._lock = threading.Lock()

    # -- scripting ---------------------------------------------------------------------------
    def reply(
        self, status: int = 200, *, times: int = 1, echo: bool = True, secret: str | None = None
    ) -> None:
        """Answer the next ``times`` posts with ``status`` (echoing the secret unless told
        not to, or echoing ``secret`` instead)."""
        with self._lock:
            self._script.extend([Reply(status, echo, secret)] * times)

    def time_out(self, times: int = 1) -> None:
        """Give no answer to the next ``times`` posts."""
        with self._lock:
            self._script.extend([Reply(timeout=True)] * times)

    def always(self, status: int = 200, *, echo: bool = True) -> None:
        """Answer every unscripted post with ``status``."""
        self.default = Reply(status, echo)

    # -- the transport -----------------------------------------------------------------------
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        received = ReceivedHook(request.method, str(request.url), dict(request.headers), body)
        with self._lock:
            self._received.append(received)
            scripted = self._script.popleft() if self._script else None
        if scripted is None and self._app is not None:
            return self._app.handle_request(request)
        if scripted is None and self._handler is not None:
            return self._handler(request)
        return self._answer(scripted or self.default, received, request)

    @staticmethod
    def _answer(reply: Reply, received: ReceivedHook, request: httpx.Request) -> httpx.Response:
        if reply.timeout:
            raise httpx.ReadTimeout("keapsim HookReceiver: scripted timeout", request=request)
        headers = {}
        echoed = reply.secret if reply.secret is not None else received.secret
        if reply.echo and echoed is not None:
            headers[SECRET_HEADER] = echoed
        return httpx.Response(reply.status, headers=headers, request=request)

    # -- what arrived ------------------------------------------------------------------------
    @property
    def received(self) -> list[ReceivedHook]:
        with self._lock:
            return list(self._received)

    @property
    def verifications(self) -> list[ReceivedHook]:
        return [r for r in self.received if r.is_verification]

    def deliveries(self, event_key: str | None = None) -> list[ReceivedHook]:
        """Event deliveries (not verifications), of ``event_key`` if given, oldest first."""
        return [
            r
            for r in self.received
            if not r.is_verification and (event_key is None or r.event_key == event_key)
        ]

    def object_ids(self, event_key: str | None = None) -> list[int]:
        """The ids of every delivered object, in delivery order (duplicates kept)."""
        return [key["id"] for r in self.deliveries(event_key) for key in r.object_keys]

    def clear(self) -> None:
        """Forget what arrived and the scripted answers."""
        with self._lock:
            self._received.clear()
            self._script.clear()

"""Posting to hook URLs: httpx, redirects never followed, the receiver's time limit enforced,
every post (verification or delivery attempt) recorded in the simulator's journal.

The transport is a seam: by default a real ``httpx.HTTPTransport``; in-process tests put an
``httpx.WSGITransport`` (a WSGI app), an ``httpx.MockTransport`` (a callable) or a
:class:`~keapsim.hooks.receiver.HookReceiver` in its place, and nothing opens a socket.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..datarecord import record_class
from .safety import HostPolicy, RefusedHookUrl

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("keapsim.hooks")

USER_AGENT = "keapsim-hooks"  # Keap's own User-Agent for hook posts is not documented.
SECRET_HEADER = "X-Hook-Secret"


class AttemptJournal(Protocol):
    """Where posts are recorded: the simulator's request journal
    (``keapsim.gateway.journal.Journal.record_outgoing``; hooks does not import the gateway)."""

    def record_outgoing(
        self,
        *,
        kind: str,
        attempt: int,
        url: str,
        tenant: str | None,
        request_headers: dict[str, str],
        request_body: bytes,
        status: int | None,
        response_headers: dict[str, str],
        response_body: bytes,
        latency_ms: float,
        error: str | None = None,
        fault: str | None = None,
    ) -> None: ...


@record_class(frozen=True)
class PostOutcome:
    """What came of one post: the status (None when there was no answer in time) and the
    ``X-Hook-Secret`` the receiver sent back, if any."""

    status: int | None
    echoed_secret: str | None = None
    error: str | None = None
    # When the attempt ended on the simulator's clock (read before it is journaled).
    ended: float = 0.0


@record_class(frozen=True)
class Post:
    """One post to make: where, what, and how the journal should file it."""

    url: str
    body: bytes
    timeout: float
    kind: str
    attempt: int
    tenant_id: str
    secret: str | None = None
    fault: str | None = None


class HookPoster:
    """Makes posts through one long-lived ``httpx.Client`` (kept-alive connections)."""

    def __init__(
        self,
        policy: HostPolicy,
        journal: AttemptJournal | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self.journal = journal
        self.now = now
        self._transport: httpx.BaseTransport | None = None
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def transport(self) -> httpx.BaseTransport | None:
        return self._transport

    @transport.setter
    def transport(self, transport: httpx.BaseTransport | None) -> None:
        """Deliver through ``transport`` from now on (None: the network)."""
        with self._lock:
            old, self._client, self._transport = self._client, None, transport
        if old is not None:
            old.close()

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _http(self) -> httpx.Client:
        import httpx  # on the first post: a simulator that never posts never loads it

        with self._lock:
            if self._client is None:
                # trust_env=False: proxy variables must not send hooks somewhere else.
                self._client = httpx.Client(
                    transport=self._transport, follow_redirects=False, trust_env=False
                )
            return self._client

    def send(self, post: Post) -> PostOutcome:
        """Make the post and journal it; never raises (a failure is an outcome)."""
        import httpx

        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if post.secret is not None:
            headers[SECRET_HEADER] = post.secret
        started = time.perf_counter()
        response: httpx.Response | None = None
        error: str | None = None
        try:
            self.policy.check(post.url)
            response = self._http().post(
                post.url, content=post.body, headers=headers, timeout=post.timeout
            )
        except RefusedHookUrl as err:
            error = f"refused: {err}"
        except httpx.TimeoutException:
            error = f"timeout: no answer within {post.timeout:g} s"
        except Exception as err:  # a receiver's failure is the attempt's outcome, not ours
            log.info("hook post to %s failed: %r", post.url, err)
            error = f"{type(err).__name__}: {err}"
        elapsed = time.perf_counter() - started
        if response is not None and elapsed > post.timeout:
            # An in-process (WSGI) receiver cannot be interrupted; a late answer still counts
            # as none, as Keap's 30 s rule says.
            error = f"timeout: answered after {elapsed:.1f} s, limit {post.timeout:g} s"
        ended = self.now()
        self._record(post, headers, response, error, elapsed)
        if response is None or error is not None:
            return PostOutcome(None, error=error, ended=ended)
        secret = response.headers.get(SECRET_HEADER)
        return PostOutcome(response.status_code, secret, ended=ended)

    def record_dropped(self, post: Post) -> None:
        """Journal a delivery that a ``drop`` control kept from being posted."""
        self._record(post, {}, None, f"dropped by hook fault rule {post.fault}", 0.0)

    def _record(
        self,
        post: Post,
        headers: dict[str, str],
        response: httpx.Response | None,
        error: str | None,
        elapsed: float,
    ) -> None:
        if self.journal is None:
            return
        self.journal.record_outgoing(
            kind=post.kind,
            attempt=post.attempt,
            url=post.url,
            tenant=post.tenant_id,
            request_headers=headers,
            request_body=post.body,
            status=response.status_code if response is not None else None,
            response_headers=dict(response.headers) if response is not None else {},
            response_body=response.content if response is not None else b"",
            latency_ms=round(elapsed * 1000, 3),
            error=error,
            fault=post.fault,
        )

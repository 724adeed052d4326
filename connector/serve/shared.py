"""What instances share through Redis: one rate limiter and one OAuth token pair.

**Rate limiter.** A token bucket with the flow's ``rate_limit.requests_per_second`` and
``burst``, kept in Redis and updated by a Lua script, so every instance draws from one bucket.
It is GCRA (the "generic cell rate algorithm", a token bucket stored as one timestamp): the
script reads Redis's own clock (``TIME``), so instances on hosts whose clocks disagree still
share one rate, and it answers how long to wait, so a caller sleeps once instead of polling.
The ``limits`` library was the other candidate; its strategies (fixed, moving, sliding
windows) take whole-second windows and integer amounts, which cannot express 28.5 requests a
second with a burst of 2, and tell a refused caller when to come back only through a second
call.

**Token store.** Keap's refresh tokens work once (docs/keap-facts.md §2.1), so with two
instances exactly one may refresh and the others must use the pair it got. The pair lives in
Redis with a version counter; a refresh happens under a Redis lock (redis-py's ``Lock``:
``SET NX PX`` plus a token-checked release), and whoever waited for the lock re-reads the pair
first and refreshes only if nobody else did. The instance that refreshed also writes the pair
to its own token store file, so the file is a fallback if Redis loses its data.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import httpx
import redis

from connector.client.auth import (
    AuthError,
    AuthRefreshUnavailable,
    OAuthAuth,
    TokenSet,
    TokenStore,
)

# KEYS[1]: the bucket's "theoretical arrival time" (TAT); ARGV: seconds per token, burst.
# Allowed when the TAT is at most (burst - 1) intervals ahead of now; returns the seconds to
# wait as a string (Redis would truncate a Lua number to an integer).
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - (burst - 1) * interval
if wait > 0 then return tostring(wait) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new_tat), 'PX',
           math.ceil((new_tat - now) * 1000) + 1000)
return '0'
"""


def connect(url: str) -> redis.Redis:
    """A client for ``url``; fails at start (not at the first lead) when Redis is unreachable."""
    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    client.ping()
    return client


class SharedTokenBucket:
    """The connector's ``TokenBucket`` interface (``acquire``), with the bucket in Redis."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        rate: float,
        burst: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.key = key
        self._script = client.register_script(_GCRA)
        self._sleep = sleep

    def try_acquire(self) -> float:
        """Take a token and return 0, or return the seconds until one is free."""
        return float(self._script(keys=[self.key], args=[1.0 / self.rate, self.burst]))

    def acquire(self) -> float:
        """Block until a token is taken; returns the time waited."""
        waited = 0.0
        while (wait := self.try_acquire()) > 0:
            self._sleep(wait)
            waited += wait
        return waited


class RedisTokenStore:
    """The ``TokenStore`` interface over a Redis key; ``mtime`` is a version counter."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client = client
        self.key = key
        self.version_key = key + ":version"
        # OAuthAuth keys its in-process lock by path: one per Redis key.
        self.path = Path(f"redis-token-store-{key}")

    def exists(self) -> bool:
        return bool(self.client.exists(self.key))

    def mtime(self) -> float | None:
        version = self.client.get(self.version_key)
        return None if version is None else float(version)

    def load(self) -> TokenSet:
        raw = self.client.get(self.key)
        if raw is None:
            raise AuthError(f"no OAuth tokens in Redis under {self.key}")
        try:
            return TokenSet(**json.loads(raw))
        except (TypeError, ValueError):
            raise AuthError(f"the OAuth tokens in Redis under {self.key} are unreadable") from None

    def save(self, tokens: TokenSet) -> None:
        with self.client.pipeline() as pipe:  # MULTI/EXEC: the pair and its version together
            pipe.set(self.key, json.dumps(asdict(tokens)))
            pipe.incr(self.version_key)
            pipe.execute()

    def seed(self, tokens: TokenSet) -> bool:
        """Store ``tokens`` unless Redis already holds a pair (the first instance wins)."""
        if self.client.set(self.key, json.dumps(asdict(tokens)), nx=True):
            self.client.incr(self.version_key)
            return True
        return False


class SharedOAuth(OAuthAuth):
    """OAuth with the pair in Redis and refreshes serialised across instances by a Redis lock.

    The base class does the refresh itself (``_refresh``: POST /token, save before use); this
    class only decides when, under which lock, and keeps the local file in step.
    """

    #: Longer than a refresh can take (connect + read timeouts), so a live holder keeps it.
    LOCK_TIMEOUT = 60.0

    def __init__(
        self,
        store: RedisTokenStore,
        *,
        file_store: TokenStore | None,
        client_id: str,
        client_secret: str,
        token_url: str,
        http: httpx.Client,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            store,  # type: ignore[arg-type]  # the TokenStore interface, kept in Redis
            client_id=client_id,
            client_secret=client_secret,
            token_url=token_url,
            http=http,
            refresh_margin=refresh_margin,
            clock=clock,
        )
        self.shared = store
        self.file_store = file_store
        self._redis_lock = store.client.lock(
            store.key + ":refresh-lock",
            timeout=self.LOCK_TIMEOUT,
            blocking_timeout=self.LOCK_TIMEOUT * 1.5,
            thread_local=False,  # held by this process; the thread lock below picks the thread
        )
        self._thread_lock = threading.Lock()
        if file_store is not None and file_store.exists():
            store.seed(file_store.load())

    @contextmanager
    def _refresh_lock(self) -> Iterator[None]:
        with self._thread_lock:
            if not self._redis_lock.acquire():
                raise AuthRefreshUnavailable("token refresh: another instance holds the lock")
            try:
                yield
            finally:
                try:
                    self._redis_lock.release()
                except redis.exceptions.LockError:
                    pass  # it expired while we held it; the next holder re-reads anyway

    def _tokens_now(self) -> TokenSet:
        with self._lock:  # the base class's in-process lock guards its cached pair
            return self._current()

    def access_token(self) -> str:
        tokens = self._tokens_now()
        if tokens.expires_within(self._margin, self._clock()):
            with self._refresh_lock():
                tokens = self.shared.load()
                if tokens.expires_within(self._margin, self._clock()):
                    tokens = self._refresh_and_keep(tokens)
        return tokens.access_token

    def on_unauthorized(self, request: httpx.Request) -> bool:
        """After a 401: refresh once across all instances, unless someone already did."""
        used = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._refresh_lock():
            tokens = self.shared.load()
            if tokens.access_token == used:
                self._refresh_and_keep(tokens)
        return True

    def _refresh_and_keep(self, tokens: TokenSet) -> TokenSet:
        with self._lock:
            new = self._refresh(tokens)  # saves to Redis before anyone uses it
        if self.file_store is not None:
            self.file_store.save(new)
        return new

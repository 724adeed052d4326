"""Credentials: API keys, and OAuth tokens with a persistent, rotation-safe store.

Keap rotates the refresh token on every refresh and a refresh token works only once. Two rules
follow, and this module is built around them:

1. refreshes are serialised (one lock per token store, shared by all threads of the process,
   plus an OS file lock, ``fcntl.flock`` on ``<store>.lock``, shared by all processes), and a
   thread or process that waited for the lock re-reads the store and re-checks whether someone
   else already refreshed;
2. the rotated tokens are written to disk (temp file + ``os.replace``, mode 0600) *before* the
   new access token is used, so a crash right after a refresh cannot lose the only valid
   refresh token.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx


class AuthError(Exception):
    """Credentials are missing, revoked or refused; a retry will not help."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    #: epoch seconds; 0 when unknown (then only a 401 triggers a refresh)
    expires_at: float = 0.0
    token_type: str = "bearer"
    scope: str | None = None

    def expires_within(self, seconds: float, now: float) -> bool:
        return bool(self.expires_at) and now >= self.expires_at - seconds


class TokenStore:
    """A JSON file holding one ``TokenSet``, written atomically with 0600 permissions."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's cross-process lock (``flock`` on a sidecar file, released by the
        OS if the process dies). Threads of one process also need ``_lock_for``: ``flock``
        locks belong to the open file, and each call opens its own."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def remove(self) -> bool:
        """Delete the stored tokens (``auth logout``); False when there were none."""
        with self.locked():
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
        return True

    def mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns / 1e9
        except FileNotFoundError:
            return None

    def load(self) -> TokenSet:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AuthError(f"token store {self.path} does not exist") from None
        except (OSError, ValueError) as exc:
            raise AuthError(f"token store {self.path} is unreadable: {exc}") from None
        try:
            return TokenSet(
                access_token=data["access_token"],
                refresh_token=data["refresh_token"],
                expires_at=float(data.get("expires_at") or 0),
                token_type=data.get("token_type", "bearer"),
                scope=data.get("scope"),
            )
        except (KeyError, TypeError, ValueError):
            raise AuthError(f"token store {self.path} lacks access_token/refresh_token") from None

    def save(self, tokens: TokenSet) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file 0600 from the start: the secret is never world-readable, not
        # even between write and rename. os.replace is atomic on POSIX, so readers see either
        # the old or the new token set, never half a file.
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(tokens), fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class Authenticator:
    """Adds credentials to requests; ``on_unauthorized`` says whether a retry may help."""

    mode = "none"

    def apply(self, request: httpx.Request) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def on_unauthorized(self, request: httpx.Request) -> bool:
        return False


class ApiKeyAuth(Authenticator):
    mode = "api_key"

    def __init__(self, api_key: str) -> None:
        if not api_key:
            raise AuthError("empty API key")
        self._key = api_key

    def apply(self, request: httpx.Request) -> None:
        request.headers["X-Keap-API-Key"] = self._key


# One lock per token-store file, so two clients on the same store in one process also serialise.
_STORE_LOCKS: dict[Path, threading.Lock] = {}
_STORE_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    key = path.resolve()
    with _STORE_LOCKS_GUARD:
        return _STORE_LOCKS.setdefault(key, threading.Lock())


class OAuthAuth(Authenticator):
    mode = "oauth"

    def __init__(
        self,
        store: TokenStore,
        *,
        client_id: str,
        client_secret: str,
        token_url: str,
        http: httpx.Client,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self._http = http
        self._margin = refresh_margin
        self._clock = clock
        self._lock = _lock_for(store.path)
        self._tokens: TokenSet | None = None
        self._loaded_mtime: float | None = None
        self.refresh_count = 0

    # -- token access -------------------------------------------------------------------------
    def _current(self, *, force: bool = False) -> TokenSet:
        # Another process may have refreshed: reload when the file changed under us.
        mtime = self.store.mtime()
        if force or self._tokens is None or mtime != self._loaded_mtime:
            self._tokens = self.store.load()
            self._loaded_mtime = mtime
        return self._tokens

    def access_token(self) -> str:
        with self._lock:
            tokens = self._current()
            if not tokens.expires_within(self._margin, self._clock()):
                return tokens.access_token
            with self.store.locked():
                # Another process may have refreshed while we waited for the file lock.
                tokens = self._current(force=True)
                if tokens.expires_within(self._margin, self._clock()):
                    tokens = self._refresh(tokens)
            return tokens.access_token

    def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.access_token()}"

    def on_unauthorized(self, request: httpx.Request) -> bool:
        """Refresh once after a 401, unless another thread already did while we were waiting."""
        used = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock, self.store.locked():
            tokens = self._current(force=True)
            if tokens.access_token != used:
                return True  # someone refreshed since this request was signed: just resend
            self._refresh(tokens)
            return True

    # -- refresh ------------------------------------------------------------------------------
    def _refresh(self, tokens: TokenSet) -> TokenSet:
        """POST /token (form body, HTTP Basic client auth). Caller holds the lock."""
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        try:
            response = self._http.post(
                self.token_url,
                data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise AuthRefreshUnavailable(
                f"token refresh at {self.token_url} failed: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 500:
            raise AuthRefreshUnavailable(f"token refresh failed: HTTP {response.status_code}")
        body = json_object(response)
        if response.status_code != 200 or "access_token" not in body:
            code = body.get("error") or f"HTTP {response.status_code}"
            raise AuthError(f"Keap refused the token refresh ({code}); re-authorise the app")
        now = self._clock()
        new = TokenSet(
            access_token=body["access_token"],
            # Keap rotates refresh tokens; keep the old one only if none was returned.
            refresh_token=body.get("refresh_token") or tokens.refresh_token,
            expires_at=now + float(body["expires_in"]) if body.get("expires_in") else 0.0,
            token_type=body.get("token_type", "bearer"),
            scope=body.get("scope"),
        )
        self.store.save(new)  # persist before first use: the old refresh token is now dead
        self._tokens = new
        self._loaded_mtime = self.store.mtime()
        self.refresh_count += 1
        return new


class AuthRefreshUnavailable(Exception):
    """The token endpoint could not be reached or failed with 5xx (transient)."""


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; {} when the body is not JSON or not an object."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}

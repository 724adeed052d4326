"""OAuth consent from the command line: ``keap-connector auth login|status|logout``.

``login`` is the authorization-code grant (keap-facts.md §2.1) with a loopback redirect, as
RFC 8252 describes for native apps: it listens on the flow's ``redirect_uri`` (an ``http://``
address on this machine, registered with the Keap app), opens the consent page in a browser (or
prints it), checks the ``state`` that comes back, exchanges the code at the token endpoint with
HTTP Basic client authentication and writes the token store (0600, atomic, under the store's
cross-process lock). The defaults are Keap's real URLs; a flow pointing at keapsim derives them
from its base_url.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from connector.client.auth import AuthError, TokenSet, TokenStore, json_object
from connector.config import KeapSettings, OAuthCredentials

#: How long ``login`` waits for the browser to come back.
DEFAULT_WAIT = 300.0

_DONE_PAGE = (
    b"<!DOCTYPE html><html><body><h1>keap-connector is authorised</h1>"
    b"<p>You can close this window.</p></body></html>"
)
_FAILED_PAGE = b"<!DOCTYPE html><html><body><h1>Authorisation failed</h1></body></html>"


class LoginError(Exception):
    """Consent was denied, timed out, or the code exchange failed."""


@dataclass
class _Callback:
    code: str | None = None
    state: str | None = None
    error: str | None = None


def oauth_credentials(settings: KeapSettings) -> OAuthCredentials:
    creds = settings.credentials
    if not isinstance(creds, OAuthCredentials):
        raise LoginError("the flow uses an API key: there is nothing to log in to")
    return creds


def authorize_url(settings: KeapSettings, state: str) -> str:
    creds = oauth_credentials(settings)
    query = {
        "client_id": creds.client_id,
        "redirect_uri": creds.redirect_uri,
        "response_type": "code",
        "scope": creds.scope,
        "state": state,
    }
    return f"{settings.resolved_authorize_url}?{urlencode(query)}"


def login(
    settings: KeapSettings,
    *,
    open_browser: Callable[[str], Any],
    wait: float = DEFAULT_WAIT,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """Run the consent flow; ``open_browser(url)`` shows the consent page to the user."""
    creds = oauth_credentials(settings)
    state = secrets.token_urlsafe(24)
    callback = _listen_once(
        creds.redirect_uri, lambda: open_browser(authorize_url(settings, state)), wait
    )
    if callback.error:
        raise LoginError(f"Keap did not authorise the app: {callback.error}")
    if callback.state != state:
        raise LoginError("the redirect's state does not match this login; try again")
    if not callback.code:
        raise LoginError("the redirect carried no authorization code")
    tokens = exchange_code(settings, callback.code, transport=transport, clock=clock)
    store = TokenStore(creds.token_store)
    with store.locked():
        store.save(tokens)
    return tokens


def exchange_code(
    settings: KeapSettings,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """POST the code to the token endpoint (form body, HTTP Basic client authentication)."""
    creds = oauth_credentials(settings)
    secret = creds.client_secret.get_secret_value()
    basic = base64.b64encode(f"{creds.client_id}:{secret}".encode()).decode()
    url = settings.resolved_token_url
    try:
        with httpx.Client(transport=transport, timeout=30) as http:
            response = http.post(
                url,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": creds.redirect_uri,
                },
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            )
    except httpx.HTTPError as exc:
        raise LoginError(f"could not reach the token endpoint {url}: {type(exc).__name__}") from exc
    body = json_object(response)
    if response.status_code != 200 or "access_token" not in body:
        problem = (
            body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
        )
        raise LoginError(f"the token endpoint {url} refused the code: {problem}")
    expires_in = body.get("expires_in")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or "",
        expires_at=clock() + float(expires_in) if expires_in else 0.0,
        token_type=body.get("token_type", "bearer"),
        scope=body.get("scope"),
    )


def _listen_once(redirect_uri: str, started: Callable[[], Any], wait: float) -> _Callback:
    """Serve the redirect URI until one request for its path arrives (or ``wait`` passes)."""
    result = _Callback()
    arrived = threading.Event()
    server = _serve(redirect_uri, _callback_handler(redirect_uri, result, arrived))
    try:
        started()
        if not arrived.wait(wait):
            raise LoginError(f"no answer on {redirect_uri} within {wait:g} s")
    finally:
        server.shutdown()
        server.server_close()
    return result


def _callback_handler(
    redirect_uri: str, result: _Callback, arrived: threading.Event
) -> type[BaseHTTPRequestHandler]:
    """A handler that fills ``result`` from the redirect's query, then sets ``arrived``."""
    path = urlsplit(redirect_uri).path or "/"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != path:
                self.send_error(404)
                return
            query = parse_qs(url.query)
            result.code = _first(query, "code")
            result.state = _first(query, "state")
            result.error = _first(query, "error_description") or _first(query, "error")
            ok = result.code is not None and result.error is None
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(_DONE_PAGE if ok else _FAILED_PAGE)
            arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _serve(redirect_uri: str, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Listen on the redirect URI's host and port, serving from a daemon thread."""
    parts = urlsplit(redirect_uri)
    host = "127.0.0.1" if parts.hostname == "localhost" else str(parts.hostname)
    try:
        server = ThreadingHTTPServer((host, int(parts.port or 80)), handler)
    except OSError as exc:
        raise LoginError(f"cannot listen on {redirect_uri}: {exc.strerror}") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


@dataclass(frozen=True)
class TokenStatus:
    path: str
    exists: bool
    client_id: str
    token_url: str
    scope: str | None = None
    expires_at: float | None = None
    #: seconds until the access token expires (negative: expired); None when unknown
    expires_in: float | None = None
    problem: str | None = None

    @property
    def tenant(self) -> str | None:
        """Keap's scope names the account: ``full|ab123.infusionsoft.com``."""
        if self.scope and "|" in self.scope:
            return self.scope.split("|", 1)[1]
        return None


def token_status(settings: KeapSettings, clock: Callable[[], float] = time.time) -> TokenStatus:
    creds = oauth_credentials(settings)
    store = TokenStore(creds.token_store)
    common: dict[str, Any] = {
        "path": str(store.path),
        "client_id": creds.client_id,
        "token_url": settings.resolved_token_url,
    }
    if not store.exists():
        return TokenStatus(exists=False, **common)
    try:
        tokens = store.load()
    except AuthError as exc:
        return TokenStatus(exists=True, problem=str(exc), **common)
    expires_in = tokens.expires_at - clock() if tokens.expires_at else None
    return TokenStatus(
        exists=True,
        scope=tokens.scope,
        expires_at=tokens.expires_at or None,
        expires_in=expires_in,
        **common,
    )

"""The client's parts built from a flow's ``keap:`` settings: the HTTP pool, the
authenticator (an API key, or OAuth with its token store), the retry policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connector.client.auth import (
    ApiKeyAuth,
    Authenticator,
    AuthError,
    OAuthAuth,
    TokenSet,
    TokenStore,
)
from connector.client.retry import RetryPolicy
from connector.config import ApiKeyCredentials, KeapSettings, OAuthCredentials

USER_AGENT = "keapsim-connector/0.1 (+httpx)"
DEFAULT_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}


def http_client(settings: KeapSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    t = settings.timeouts
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
        headers=DEFAULT_HEADERS,
    )


def authenticator(
    settings: KeapSettings, http: httpx.Client, clock: Callable[[], float]
) -> Authenticator:
    creds = settings.credentials
    if isinstance(creds, ApiKeyCredentials):
        return ApiKeyAuth(creds.api_key.get_secret_value())
    assert isinstance(creds, OAuthCredentials)
    store = TokenStore(creds.token_store)
    _seed_store(store, creds)
    return OAuthAuth(
        store,
        client_id=creds.client_id,
        client_secret=creds.client_secret.get_secret_value(),
        token_url=settings.resolved_token_url,
        http=http,
        refresh_margin=creds.refresh_margin_seconds,
        clock=clock,
    )


def retry_policy(settings: KeapSettings, rng: Any) -> RetryPolicy:
    r = settings.retries
    retry = RetryPolicy(
        attempts=r.attempts,
        initial_delay=r.initial_delay,
        multiplier=r.backoff_multiplier,
        max_delay=r.max_delay,
        honour_retry_after=r.honour_retry_after,
        max_retry_after=r.max_retry_after,
    )
    if rng is not None:
        retry.rng = rng
    return retry


def _seed_store(store: TokenStore, creds: OAuthCredentials) -> None:
    """Create the token store from seed tokens in the config, if it does not exist yet."""
    if store.exists():
        return
    if not (creds.access_token and creds.refresh_token):
        raise AuthError(
            f"token store {store.path} does not exist and no access_token/refresh_token seed "
            "is configured; run: keap-connector auth login --config FLOW"
        )
    store.save(
        TokenSet(
            access_token=creds.access_token.get_secret_value(),
            refresh_token=creds.refresh_token.get_secret_value(),
        )
    )

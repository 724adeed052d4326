"""Who may post leads: callers authenticate with ``Authorization: Bearer <token>``.

The tokens come from the flow (``serve.auth_tokens``) or, when it names none, from
``KEAP_CONNECTOR_SERVE_TOKEN`` (comma-separated, so a new token can be added before the old one
is withdrawn). Comparison is constant-time. ``/healthz`` and ``/metrics`` are open, as a load
balancer and Prometheus expect; docs/connector/serve.md says to keep ``/metrics`` off the
public side of the reverse proxy.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence

from connector.config import ServeSettings

TOKEN_ENV = "KEAP_CONNECTOR_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16


class NoCallerToken(ValueError):
    """Neither the flow nor the environment names a caller token."""


def caller_tokens(settings: ServeSettings, environ: dict[str, str] | None = None) -> list[str]:
    tokens = [t.get_secret_value() for t in settings.auth_tokens]
    if not tokens:
        env = os.environ if environ is None else environ
        tokens = [t.strip() for t in env.get(TOKEN_ENV, "").split(",") if t.strip()]
        short = [t for t in tokens if len(t) < MIN_TOKEN_LENGTH]
        if short:
            raise NoCallerToken(f"{TOKEN_ENV}: each token needs {MIN_TOKEN_LENGTH}+ characters")
    if not tokens:
        raise NoCallerToken(
            f"no caller token: set serve.auth_tokens in the flow or {TOKEN_ENV} in the "
            "environment (or pass --no-auth on a trusted loopback setup)"
        )
    return tokens


class CallerAuth:
    def __init__(self, tokens: Sequence[str] | None) -> None:
        #: None: authentication is off (``--no-auth``)
        self._tokens = [t.encode() for t in tokens] if tokens is not None else None

    @property
    def enabled(self) -> bool:
        return self._tokens is not None

    def allows(self, authorization: str | None) -> bool:
        if self._tokens is None:
            return True
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return False
        candidate = presented.strip().encode()
        # Compare against every token (no early exit): the time does not tell which matched.
        matches = [hmac.compare_digest(candidate, token) for token in self._tokens]
        return any(matches)

"""``KeapSession``: the one way scenarios talk to Keap, whatever the target.

It wraps the target's ``httpx.Client``, attaches a credential to every request (the API key
by default), and knows how to set up preconditions (expired token, throttled key, auth code)
where the target can. While recording it tells the scrubber about the secrets it handles and
notes, per exchange, which precondition the exchange needed; those notes go into the cassette
so the verifier can set the same precondition up when it replays.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.scrub import Scrubber
from contracts.targets import Target

V1 = "/crm/rest/v1"
V2 = "/crm/rest/v2"
REFRESH_OUT_ENV = "KEAP_REFRESH_TOKEN_OUT"
#: An id no tenant has (tags, contacts, campaigns): used for "refused id" cases.
UNKNOWN_ID = 987654321

PLACEHOLDER_VALUES = {
    "expired_token": "SCRUBBED-EXPIRED-ACCESS-TOKEN",
    "auth_code": "SCRUBBED-AUTH-CODE",
}


class KeapSession:
    def __init__(
        self,
        target: Target,
        *,
        scrubber: Scrubber | None = None,
        replay: bool = False,
    ) -> None:
        self.target = target
        self.client = target.client
        self.scrubber = scrubber
        self.replay = replay
        self.exchange_notes: dict[int, dict[str, Any]] = {}
        self._count = 0
        self._pending: list[tuple[str, str]] = []
        self.auth = "api_key"

    # ---------------------------------------------------------------- properties
    @property
    def name(self) -> str:
        return "replay" if self.replay else self.target.name

    @property
    def credentials(self) -> Any:
        return self.target.credentials

    @property
    def simulator(self) -> Any:
        return self.target.simulator

    # ---------------------------------------------------------------- requests
    def auth_headers(self, auth: str | None = None) -> dict[str, str]:
        kind = auth or self.auth
        creds = self.target.credentials
        if kind == "api_key":
            if creds.api_key:
                return {"X-Keap-API-Key": creds.api_key}
            if creds.access_token:  # an OAuth-only tenant: the same calls with a bearer token
                return {"Authorization": f"Bearer {creds.access_token}"}
            pytest.skip(
                "this target has neither an API key (KEAP_API_KEY) nor an access token "
                "(KEAP_ACCESS_TOKEN); a refresh token alone is only used by the refresh scenario"
            )
        if kind == "bearer":
            if not creds.access_token:
                pytest.skip("this target has no access token")
            return {"Authorization": f"Bearer {creds.access_token}"}
        if kind == "none":
            return {}
        return {"Authorization": kind}  # a literal Authorization value

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        all_headers = {**self.auth_headers(auth), **(headers or {})}
        self._count += 1
        if self._pending:
            notes = self.exchange_notes.setdefault(self._count, {})
            for key, requirement in self._pending:
                notes.setdefault(key, []).append(requirement)
            self._pending = []
        return self.client.request(method, path, headers=all_headers, **kwargs)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)

    def token(self, form: dict[str, str], *, basic: bool = False) -> httpx.Response:
        """``POST /token`` (form-encoded), optionally with Basic client credentials."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if basic:
            creds = self.target.credentials
            raw = f"{creds.client_id}:{creds.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        return self.request("POST", "/token", auth="none", headers=headers, data=form)

    # ---------------------------------------------------------------- preconditions
    def require_writes(self) -> None:
        if not self.target.allow_writes:
            pytest.skip(
                "write scenario: the real tenant must be marked as a sandbox (KEAP_SANDBOX=1)"
            )

    def require_oauth(self) -> None:
        c = self.target.credentials
        if not (c.client_id and c.client_secret and c.refresh_token):
            pytest.skip("needs KEAP_CLIENT_ID, KEAP_CLIENT_SECRET and KEAP_REFRESH_TOKEN")

    def require_rotation_allowed(self) -> None:
        """Refreshing on a real tenant spends KEAP_REFRESH_TOKEN: only with somewhere to keep
        the new one (``KEAP_REFRESH_TOKEN_OUT=<file>``)."""
        if self.target.name == "real" and not os.environ.get(REFRESH_OUT_ENV):
            pytest.skip(
                f"refreshing rotates KEAP_REFRESH_TOKEN; set {REFRESH_OUT_ENV}=<file> to receive "
                "the new refresh token"
            )

    def _precondition(self, requirement: str, *, optional: bool = False) -> Any:
        """Set ``requirement`` up for the next request and note it for the cassette.

        Optional set-ups (seeding data a real tenant already has) go to the ``setup`` note:
        the verifier runs them where it can and carries on where it cannot.
        """
        key = "setup" if optional else "requires"
        if self.replay:
            self._pending.append((key, requirement))
            return {}
        if not self.target.supports(requirement):
            if optional:
                return {}
            pytest.skip(f"target {self.target.name!r} cannot provide {requirement!r}")
        self._pending.append((key, requirement))
        with self.unrecorded():
            return self.target.prepare(requirement)

    def seed_campaign(self) -> None:
        """Make sure a campaign with a sequence exists (simulators only; real tenants have
        their own campaigns)."""
        self._precondition("campaign", optional=True)

    def _produced_secret(self, requirement: str, label: str) -> str:
        """Meet ``requirement`` and return the secret it produced under its placeholder (the
        placeholder itself when nothing was produced), which the scrubber then hides as
        ``label``."""
        placeholder = PLACEHOLDER_VALUES[requirement]
        secret = self._precondition(requirement).get(placeholder) or placeholder
        if self.scrubber:
            self.scrubber.secrets.add(secret, label)
        return secret

    def expired_token(self) -> str:
        """An expired access token (sim only). The next request is marked as needing it."""
        return self._produced_secret("expired_token", "EXPIRED-ACCESS-TOKEN")

    def authorization_code(self) -> str:
        return self._produced_secret("auth_code", "AUTH-CODE")

    def throttle(self) -> None:
        """Spend the API key's allowance so that the next request is refused with 429."""
        self._precondition("throttled")

    @contextmanager
    def unrecorded(self) -> Iterator[None]:
        """Requests made inside are not written to the cassette (set-up traffic)."""
        if self.scrubber is None:
            yield
            return
        self.scrubber.paused = True
        try:
            yield
        finally:
            self.scrubber.paused = False

    def learn_tokens(self, response: httpx.Response) -> None:
        """After a refresh on a real tenant, keep using the rotated tokens."""
        try:
            data = response.json()
        except (ValueError, json.JSONDecodeError):
            return
        if response.status_code == 200 and isinstance(data, dict) and data.get("access_token"):
            self.target.credentials.access_token = data["access_token"]
            self.target.credentials.refresh_token = data.get("refresh_token")
            out = os.environ.get(REFRESH_OUT_ENV)
            if self.target.name == "real" and out and data.get("refresh_token"):
                Path(out).write_text(data["refresh_token"] + "\n", encoding="utf-8")

"""Credentials: OAuth apps, access and refresh tokens, authorization codes, API keys (PAT/SAK).

Plain Python, like the rest of the store: the gateway asks it who a credential belongs to, and
the OAuth endpoints ask it to issue and rotate tokens. Times are epoch seconds from the clock.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, field
from typing import Any, Literal

from ..datarecord import record_class

KeyKind = Literal["PAT", "SAK"]


@record_class
class OAuthApp:
    client_id: str
    client_secret: str
    tenant_id: str
    redirect_uris: list[str] = field(default_factory=list)
    name: str = "keapsim app"


@record_class
class ApiKey:
    key: str
    tenant_id: str
    kind: KeyKind = "SAK"
    revoked: bool = False


@record_class
class AccessToken:
    token: str
    tenant_id: str
    client_id: str
    issued_at: float
    expires_at: float
    revoked: bool = False


@record_class
class RefreshToken:
    token: str
    tenant_id: str
    client_id: str
    issued_at: float
    expires_at: float
    used: bool = False
    revoked: bool = False


@record_class
class AuthorizationCode:
    code: str
    tenant_id: str
    client_id: str
    redirect_uri: str
    expires_at: float
    used: bool = False
    # Tokens issued for this code: revoked if the code is presented again (RFC 6749 §4.1.2).
    issued: list[str] = field(default_factory=list)


class InvalidGrant(Exception):
    """A code or refresh token that cannot be exchanged (unknown, used, expired, another
    client's). ``reason`` is for logs and tests; the wire body does not distinguish them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_secret(prefix: str, nbytes: int = 24) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


# The credential tables of :class:`IdentityStore` (attribute names).
CREDENTIAL_TABLES = ("apps", "api_keys", "access_tokens", "refresh_tokens", "codes")


class IdentityStore:
    """All credentials of all tenants, indexed by their secret value."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.apps: dict[str, OAuthApp] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        # Called with (table, key) after a credential was added, changed in place or removed
        # (the change log of ``--durability log`` listens; nobody by default).
        self.on_change: Callable[[str, str], None] | None = None

    def _changed(self, table: str, key: str) -> None:
        if self.on_change is not None:
            self.on_change(table, key)

    def create_app(
        self,
        tenant_id: str,
        redirect_uris: list[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        name: str = "keapsim app",
    ) -> OAuthApp:
        with self.lock:
            app = OAuthApp(
                client_id or new_secret("ks-client-", 12),
                client_secret or new_secret("ks-secret-", 18),
                tenant_id,
                list(redirect_uris or []),
                name,
            )
            if app.client_id in self.apps:
                raise ValueError(f"client id {app.client_id!r} is taken")
            self.apps[app.client_id] = app
            self._changed("apps", app.client_id)
            return app

    def create_api_key(
        self, tenant_id: str, kind: KeyKind = "SAK", key: str | None = None
    ) -> ApiKey:
        with self.lock:
            api_key = ApiKey(
                key or new_secret("KeapAK-" if kind == "SAK" else "KeapPAT-"), tenant_id, kind
            )
            if api_key.key in self.api_keys:
                raise ValueError("that API key is taken")
            self.api_keys[api_key.key] = api_key
            self._changed("api_keys", api_key.key)
            return api_key

    def issue_tokens(
        self, app: OAuthApp, now: float, access_ttl: float, refresh_ttl: float
    ) -> tuple[AccessToken, RefreshToken]:
        with self.lock:
            access = AccessToken(
                new_secret("ks-at-"), app.tenant_id, app.client_id, now, now + access_ttl
            )
            refresh = RefreshToken(
                new_secret("ks-rt-"), app.tenant_id, app.client_id, now, now + refresh_ttl
            )
            self.access_tokens[access.token] = access
            self.refresh_tokens[refresh.token] = refresh
            self._changed("access_tokens", access.token)
            self._changed("refresh_tokens", refresh.token)
            return access, refresh

    def revoke_tenant(self, tenant_id: str) -> None:
        """Forget a deleted tenant's credentials."""
        with self.lock:
            for name in CREDENTIAL_TABLES:
                table = getattr(self, name)
                for key in [k for k, v in table.items() if v.tenant_id == tenant_id]:
                    del table[key]
                    self._changed(name, key)

    def apps_of(self, tenant_id: str) -> list[OAuthApp]:
        with self.lock:
            return [a for a in self.apps.values() if a.tenant_id == tenant_id]

    def api_keys_of(self, tenant_id: str) -> list[ApiKey]:
        with self.lock:
            return [k for k in self.api_keys.values() if k.tenant_id == tenant_id]

    # -- OAuth -------------------------------------------------------------------------------
    def authenticate_client(self, client_id: str, client_secret: str) -> OAuthApp | None:
        """The app whose id and secret these are, or ``None`` (constant-time comparison)."""
        app = self.apps.get(client_id)
        if app is None or not hmac.compare_digest(
            app.client_secret.encode(), client_secret.encode()
        ):
            return None
        return app

    def issue_code(
        self, app: OAuthApp, redirect_uri: str, now: float, ttl: float
    ) -> AuthorizationCode:
        with self.lock:
            # Expired codes are useless; drop them here so the table stays small.
            for stale in [c for c, r in self.codes.items() if r.expires_at <= now]:
                del self.codes[stale]
                self._changed("codes", stale)
            record = AuthorizationCode(
                new_secret("", 9), app.tenant_id, app.client_id, redirect_uri, now + ttl
            )
            self.codes[record.code] = record
            self._changed("codes", record.code)
            return record

    def redeem_code(
        self,
        code: str,
        app: OAuthApp,
        redirect_uri: str | None,
        now: float,
        access_ttl: float,
        refresh_ttl: float,
    ) -> tuple[AccessToken, RefreshToken]:
        """Exchange a code for a token pair, once. A second exchange fails and revokes what the
        first one issued."""
        with self.lock:
            record = self.codes.get(code)
            if record is None or record.client_id != app.client_id:
                raise InvalidGrant("unknown code")
            if record.used:
                for token in record.issued:
                    self.revoke(token)
                raise InvalidGrant("code already used")
            record.used = True
            self._changed("codes", code)
            if now >= record.expires_at:
                raise InvalidGrant("code expired")
            if redirect_uri is not None and redirect_uri != record.redirect_uri:
                raise InvalidGrant("redirect_uri differs from the authorization request")
            access, refresh = self.issue_tokens(app, now, access_ttl, refresh_ttl)
            record.issued = [access.token, refresh.token]
            self._changed("codes", code)
            return access, refresh

    def rotate_refresh_token(
        self, token: str, app: OAuthApp, now: float, access_ttl: float, refresh_ttl: float
    ) -> tuple[AccessToken, RefreshToken]:
        """A new token pair for a refresh token, which then stops working (Keap rotates refresh
        tokens: each works once). Atomic, so two concurrent refreshes cannot both succeed."""
        with self.lock:
            record = self.refresh_tokens.get(token)
            if record is None or record.client_id != app.client_id:
                raise InvalidGrant("unknown refresh token")
            if record.used or record.revoked:
                raise InvalidGrant("refresh token already used or revoked")
            if now >= record.expires_at:
                raise InvalidGrant("refresh token expired")
            # Issued before the old token is spent: if issuing fails, the caller still holds a
            # working refresh token (a failed refresh must not burn it).
            pair = self.issue_tokens(app, now, access_ttl, refresh_ttl)
            record.used = True
            self._changed("refresh_tokens", token)
            return pair

    def revoke(self, token: str) -> bool:
        """Revoke an access token, refresh token or API key; ``False`` if there is none."""
        with self.lock:
            record = (
                self.access_tokens.get(token)
                or self.refresh_tokens.get(token)
                or self.api_keys.get(token)
            )
            if record is None:
                return False
            record.revoked = True
            table = {AccessToken: "access_tokens", RefreshToken: "refresh_tokens"}
            self._changed(table.get(type(record), "api_keys"), token)
            return True


@record_class(frozen=True, slots=False)
class TenantCredentials:
    """Everything a client needs to talk to one tenant (what ``Simulator.create_tenant``
    returns; here, below the simulator, so that snapshots can rebuild it)."""

    tenant_id: str
    host: str
    api_key: str
    client_id: str
    client_secret: str
    redirect_uri: str
    access_token: str
    refresh_token: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

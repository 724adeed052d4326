"""The simulator: one object that owns all state (no process globals, unlike moto), serves the
same handlers in-process and over a socket, and resets uniformly."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .api.version_errors import application_error
from .app import shared_app
from .clock import Clock
from .config import DEFAULT_REDIRECT_URI, PROFILES, TENANT_ID_PATTERN, Profile, TenantSettings
from .context import SIMULATOR
from .gateway.auth import Authenticate
from .gateway.faults import ApplyFaults, FaultRules
from .gateway.journal import DEFAULT_JOURNAL_SIZE, Journal, RecordJournal
from .gateway.limits import MAX_BODY_BYTES, LimitBody
from .gateway.pipeline import Stage, build_gateway
from .gateway.throttle import Throttle
from .hooks.service import HookService
from .store import IdentityStore, Tenant
from .store.identity import OAuthApp, TenantCredentials

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_REDIRECT_URI", "IN_PROCESS_BASE_URL", "Simulator", "TenantCredentials"]

IN_PROCESS_BASE_URL = "http://keapsim.local"
# An expired token for the contract suites: issued this long ago with a one-day lifetime.
EXPIRED_TOKEN_AGE = 2 * 86_400


class Simulator:
    """A Keap twin: tenants, credentials, the clock, and the WSGI app in front of them.

    ``wsgi_app`` is the whole simulator (gateway included) as a WSGI callable: give it to an
    ``httpx.WSGITransport`` in-process, or to a server (see :mod:`keapsim.server`).
    """

    def __init__(
        self,
        *,
        profile: Profile = "keap",
        throttle: bool = True,
        clock: Clock | None = None,
        base_url: str = IN_PROCESS_BASE_URL,
        default_tenant: bool = True,
        api_key: str | None = None,
        admin_token: str | None = None,
        settings: TenantSettings | None = None,
        journal: bool = True,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        faults: bool = True,
        hook_hosts: Iterable[str] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
        allowed_hosts: frozenset[str] | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.max_body_bytes = max_body_bytes
        # Host names the admin API answers to (DNS rebinding); None: any (in-process use).
        self.allowed_hosts = allowed_hosts
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token
        self.defaults = default_settings(settings, profile, throttle)
        self.identity = IdentityStore()
        self.tenants: dict[str, Tenant] = {}
        self._lock = threading.RLock()
        self._tenant_numbers = itertools.count(1)
        # journal=False / faults=False make those stages pass-throughs (benchmarks).
        self.journal = Journal(
            journal_size, enabled=journal, clock=self.clock, identity=self.identity
        )
        self.faults = FaultRules(self.identity, enabled=faults, render_error=application_error)
        self.throttle = Throttle(self.clock.time, self.tenant_host)
        # REST hooks; hook_hosts: hosts beyond loopback/private addresses that may receive them.
        self.hooks = HookService(
            self.clock,
            journal=self.journal,
            base_url=lambda: self.base_url,
            allowed_hosts=hook_hosts,
        )
        self.app = shared_app()
        self.wsgi_app = build_gateway(
            self.app,
            before_auth=self.outer_stages(),
            authenticate=Authenticate(self.identity, self.clock.time, self.tenants),
            after_auth=self.inner_stages(),
            context={SIMULATOR: self},
        )
        self.default_tenant: TenantCredentials | None = (
            self.create_tenant(api_key=api_key) if default_tenant else None
        )

    # -- gateway composition -----------------------------------------------------------------
    def outer_stages(self) -> list[Stage]:
        """Stages before authentication: an oversized body is refused before anything reads it,
        the journal sees everything else, faults fire first."""
        return [
            LimitBody(self.max_body_bytes),
            RecordJournal(self.journal),
            ApplyFaults(self.faults),
        ]

    def inner_stages(self) -> list[Stage]:
        """Stages after authentication."""
        return [self.throttle]

    # -- tenants -----------------------------------------------------------------------------
    def create_tenant(
        self,
        *,
        tenant_id: str | None = None,
        name: str | None = None,
        settings: TenantSettings | None = None,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uris: list[str] | None = None,
        **overrides: Any,
    ) -> TenantCredentials:
        """A new tenant with an OAuth app, an API key (SAK) and a ready token pair.

        ``overrides`` are :class:`TenantSettings` fields (``profile="guide"``, ``limits=...``).
        """
        # Each tenant owns its settings: they may be changed in place
        # (docs/reference/crm-files-account-settings.md), never for all tenants at once.
        tenant_settings = self.defaults.model_copy(deep=True)
        if settings is not None or overrides:
            # Settings from the caller are checked (pydantic, loaded on this path only).
            base = (settings or self.defaults).model_dump()
            tenant_settings = TenantSettings.model_validate({**base, **overrides})
        if tenant_id is not None and not re.fullmatch(TENANT_ID_PATTERN, tenant_id):
            raise ValueError(
                f"tenant id {tenant_id!r} is not a host-name label (lowercase letters, digits, "
                "dashes; at most 63)"
            )
        with self._lock:
            tenant_id = tenant_id or f"ks{next(self._tenant_numbers):03d}"
            if tenant_id in self.tenants:
                raise ValueError(f"tenant {tenant_id!r} exists")
            # Payment fault rules decline card charges inside the store (the store never
            # imports the gateway: docs/control/faults-payments.md).
            tenant = Tenant(
                tenant_id, self.clock.now, tenant_settings, name=name, charge_policy=self.faults
            )
            self.tenants[tenant_id] = tenant
        try:
            app = self.identity.create_app(
                tenant_id, redirect_uris or [DEFAULT_REDIRECT_URI], client_id, client_secret
            )
            key = self.identity.create_api_key(tenant_id, "SAK", api_key)
            access, refresh = self.identity.issue_tokens(
                app,
                self.clock.time(),
                tenant_settings.access_token_ttl,
                tenant_settings.refresh_token_ttl,
            )
        except BaseException:
            # A taken client id or API key: the tenant and whatever credentials it got so far
            # go again, so that a refused create leaves nothing behind.
            self.delete_tenant(tenant_id)
            raise
        return TenantCredentials(
            tenant_id=tenant_id,
            host=self.tenant_host(tenant_id),
            api_key=key.key,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.redirect_uris[0],
            access_token=access.token,
            refresh_token=refresh.token,
        )

    @staticmethod
    def tenant_host(tenant_id: str) -> str:
        """The account host Keap puts in ``scope`` and ``x-keap-tenant-id``."""
        return f"{tenant_id}.infusionsoft.com"

    def tenant(self, tenant_id: str | None = None) -> Tenant:
        """A tenant's store (the default tenant's without an id)."""
        if tenant_id is None:
            if self.default_tenant is None:
                raise KeyError("this simulator has no default tenant")
            tenant_id = self.default_tenant.tenant_id
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise KeyError(f"no tenant {tenant_id!r}") from None

    def delete_tenant(self, tenant_id: str) -> None:
        with self._lock:
            gone = self.tenants.pop(tenant_id)
        gone.discard()
        self.identity.revoke_tenant(tenant_id)
        self.throttle.reset(tenant_id)
        self.hooks.forget(tenant_id)

    def restore_tenants(self, tenants: list[Tenant], *, replace_all: bool = False) -> None:
        """Put tenants rebuilt from a snapshot in place (replacing those with the same ids, or
        all of them). Generated ids continue after the highest restored ``ksNNN``."""
        with self._lock:
            replaced = list(self.tenants.values()) if replace_all else []
            replaced += [self.tenants[t.id] for t in tenants if t.id in self.tenants]
            if replace_all:
                self.tenants.clear()
            for tenant in tenants:
                self.tenants[tenant.id] = tenant
            numbers = [int(t[2:]) for t in self.tenants if t[:2] == "ks" and t[2:].isdigit()]
            self._tenant_numbers = itertools.count(max(numbers, default=0) + 1)
        for old in replaced:
            if old not in tenants:
                old.discard()  # its records are freed now, not at some later collection
        if replace_all:
            self.throttle.reset()
        else:
            for tenant in tenants:
                self.throttle.reset(tenant.id)

    def reset(self, tenant_id: str | None = None) -> None:
        """Forget CRM data, hook subscriptions, counters, fault rules and the journal;
        credentials stay valid.

        With ``tenant_id``, only that tenant's data and counters.
        """
        targets = [self.tenant(tenant_id)] if tenant_id else list(self.tenants.values())
        for tenant in targets:
            tenant.reset()
            self.throttle.reset(tenant.id)
            self.hooks.forget(tenant.id)
        if tenant_id is None:
            self.faults.clear()
            self.hooks.faults.clear()
            self.journal.clear()

    # -- set-ups the real API cannot offer (the contract suites use these) --------------------
    def oauth_app(self, client_id: str | None = None) -> OAuthApp:
        """The OAuth app with ``client_id`` (the default tenant's first app without one, or
        when there is no such app)."""
        if client_id and client_id in self.identity.apps:
            return self.identity.apps[client_id]
        return self.identity.apps_of(self.tenant().id)[0]

    def expired_access_token(self, client_id: str | None = None) -> str:
        """A real access token of that app (see :meth:`oauth_app`) that has already expired:
        issued two days ago with a one-day lifetime."""
        app = self.oauth_app(client_id)
        access, _refresh = self.identity.issue_tokens(
            app, self.clock.time() - EXPIRED_TOKEN_AGE, 86_400, 45 * 86_400
        )
        return access.token

    def authorization_code(self, client_id: str | None = None) -> str:
        """A fresh authorization code for that app and its first redirect URI, as if its user
        had just approved the authorize page."""
        app = self.oauth_app(client_id)
        ttl = self.tenant(app.tenant_id).settings.authorization_code_ttl
        return self.identity.issue_code(app, app.redirect_uris[0], self.clock.time(), ttl).code

    def tenant_of_api_key(self, api_key: str | None) -> Tenant:
        """The tenant an API key belongs to (the default tenant for an unknown key)."""
        record = self.identity.api_keys.get(api_key or "")
        return self.tenant(record.tenant_id if record else None)

    # -- clients -----------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport onto the whole simulator, gateway included (no socket): what
        ``httpx.WSGITransport(app=self.wsgi_app)`` does, without the WSGI calling convention
        on the way back (``keapsim/gateway/inprocess.py``)."""
        # in-process clients only: serving never loads httpx
        from .gateway.inprocess import transport_for

        return transport_for(self.wsgi_app)

    def client(
        self,
        credentials: TenantCredentials | None = None,
        *,
        auth: str = "api_key",
        **kwargs: Any,
    ) -> httpx.Client:
        """An ``httpx.Client`` with base URL ``<base>/crm/rest`` and a credential attached.

        ``auth``: ``"api_key"`` (``X-Keap-API-Key``), ``"bearer"`` (the access token) or
        ``"none"``.
        """
        import httpx

        creds = credentials or self.default_tenant
        headers = dict(kwargs.pop("headers", {}) or {})
        if creds is not None and auth == "api_key":
            headers["X-Keap-API-Key"] = creds.api_key
        elif creds is not None and auth == "bearer":
            headers["Authorization"] = f"Bearer {creds.access_token}"
        return httpx.Client(
            transport=self.transport(),
            base_url=f"{self.base_url}/crm/rest",
            headers=headers,
            **kwargs,
        )


def default_settings(
    settings: TenantSettings | None, profile: Profile, throttle: bool
) -> TenantSettings:
    """The settings new tenants start from. Built without pydantic on the serve path (a known
    profile, a bool); settings or values from the caller that are not plainly right go through
    validation, which names what is wrong."""
    if settings is None and profile in PROFILES and isinstance(throttle, bool):
        return TenantSettings(profile=profile, throttle=throttle)
    given = settings.model_dump() if settings is not None else {}
    return TenantSettings.model_validate(given or {"profile": profile, "throttle": throttle})

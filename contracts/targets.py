"""Where contract traffic goes: the in-process simulator, any URL, or the real Keap API.

A :class:`Target` owns an ``httpx.Client`` (no auth baked in) and the credentials a
scenario or the verifier needs. ``capabilities`` tell the verifier which special
preconditions it can set up (clock control for expired tokens, forcing a throttle).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, cast

import httpx

if TYPE_CHECKING:
    from keapsim.config import Profile

REAL_BASE_URL = "https://api.infusionsoft.com"
TARGET_ENV = "KEAPSIM_CONTRACT_TARGET"
TARGET_URL_ENV = "KEAPSIM_CONTRACT_TARGET_URL"
SANDBOX_ENV = "KEAP_SANDBOX"
TARGET_NAMES = ("sim", "url", "real", "replay")


@dataclass
class Credentials:
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    redirect_uri: str | None = None
    tenant_host: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        e = os.environ if env is None else env
        return cls(
            api_key=e.get("KEAP_API_KEY") or None,
            client_id=e.get("KEAP_CLIENT_ID") or None,
            client_secret=e.get("KEAP_CLIENT_SECRET") or None,
            access_token=e.get("KEAP_ACCESS_TOKEN") or None,
            refresh_token=e.get("KEAP_REFRESH_TOKEN") or None,
            redirect_uri=e.get("KEAP_REDIRECT_URI") or None,
            tenant_host=e.get("KEAP_TENANT_HOST") or None,
        )

    @property
    def usable(self) -> bool:
        oauth = self.client_id and self.client_secret and (self.refresh_token or self.access_token)
        return bool(self.api_key or oauth)

    @property
    def basic(self) -> str | None:
        if not (self.client_id and self.client_secret):
            return None
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def secrets(self) -> list[str]:
        return [
            v for f in fields(self) if f.name != "redirect_uri" and (v := getattr(self, f.name))
        ]


@dataclass
class Target:
    """A server to talk to, with its credentials and capabilities."""

    name: str
    base_url: str
    credentials: Credentials
    client: httpx.Client
    allow_writes: bool = True
    capabilities: set[str] = field(default_factory=set)
    #: requirement name -> callable preparing it; returns a value (e.g. an expired token)
    preparers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    #: closed by :meth:`close`
    resources: list[Any] = field(default_factory=list)
    simulator: Any = None

    def supports(self, requirement: str) -> bool:
        return requirement in self.preparers

    def prepare(self, requirement: str, **kwargs: Any) -> Any:
        return self.preparers[requirement](**kwargs)

    def auth_headers(self, prefer: str = "api_key") -> dict[str, str]:
        c = self.credentials
        if prefer == "api_key" and c.api_key:
            return {"X-Keap-API-Key": c.api_key}
        if c.access_token:
            return {"Authorization": f"Bearer {c.access_token}"}
        if c.api_key:
            return {"X-Keap-API-Key": c.api_key}
        return {}

    def close(self) -> None:
        self.client.close()
        for r in self.resources:
            close = getattr(r, "close", None) or getattr(r, "stop", None)
            if close:
                close()


class TargetUnavailable(RuntimeError):
    """The target cannot be used here (missing credentials, no sandbox opt-in, ...)."""


def sandbox_opt_in(env: dict[str, str] | None = None) -> bool:
    e = os.environ if env is None else env
    return e.get(SANDBOX_ENV, "").strip().lower() in {"1", "true", "yes"}


def real_target(env: dict[str, str] | None = None, *, timeout: float = 30.0) -> Target:
    creds = Credentials.from_env(env)
    if not creds.usable:
        raise TargetUnavailable(
            "real Keap target needs KEAP_API_KEY, or KEAP_CLIENT_ID + KEAP_CLIENT_SECRET + "
            "KEAP_REFRESH_TOKEN (or KEAP_ACCESS_TOKEN), in the environment"
        )
    e = os.environ if env is None else env
    base = e.get("KEAP_BASE_URL", REAL_BASE_URL).rstrip("/")
    client = httpx.Client(base_url=base, timeout=timeout)
    return Target(
        name="real",
        base_url=base,
        credentials=creds,
        client=client,
        allow_writes=sandbox_opt_in(env),
    )


def url_target(
    url: str, credentials: Credentials | None = None, *, timeout: float = 30.0
) -> Target:
    """Any running server (a keapsim server, a staging proxy, ...)."""
    creds = credentials or Credentials.from_env()
    base = url.rstrip("/")
    client = httpx.Client(base_url=base, timeout=timeout)
    return Target(name="url", base_url=base, credentials=creds, client=client)


def _sim_credentials(tenant: Any) -> Credentials:
    return Credentials(
        api_key=getattr(tenant, "api_key", None),
        client_id=getattr(tenant, "client_id", None),
        client_secret=getattr(tenant, "client_secret", None),
        access_token=getattr(tenant, "access_token", None),
        refresh_token=getattr(tenant, "refresh_token", None),
        redirect_uri=getattr(tenant, "redirect_uri", None),
        tenant_host=str(getattr(tenant, "host", "") or getattr(tenant, "tenant_id", "") or "")
        or None,
    )


def sim_target(simulator: Any = None, *, profile: str | None = None) -> Target:
    """The in-process simulator, reached through ``httpx.WSGITransport`` (no network)."""
    if simulator is None:
        from keapsim import Simulator  # imported lazily: the engine works without keapsim

        # The profile is checked by the simulator's settings model (an unknown one is refused).
        simulator = Simulator(profile=cast("Profile", profile)) if profile else Simulator()
    tenant = simulator.default_tenant
    base = str(simulator.base_url).rstrip("/")
    client = httpx.Client(transport=simulator.transport(), base_url=base, timeout=30.0)
    target = Target(
        name="sim",
        base_url=base,
        credentials=_sim_credentials(tenant),
        client=client,
        simulator=simulator,
    )
    from contracts import simhooks

    simhooks.install(target)
    return target


def attach_simulator(target: Target, simulator: Any, tenant: Any = None) -> Target:
    """Give a URL target pointed at a loopback keapsim server the simulator's powers."""
    target.simulator = simulator
    target.credentials = _sim_credentials(tenant or simulator.default_tenant)
    from contracts import simhooks

    simhooks.install(target)
    return target

"""Per-tenant settings: profile, limits, token lifetimes. Validated with pydantic so that the
admin API and scenario files get clear messages for bad input."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_REDIRECT_URI = "https://localhost/keapsim/callback"
"""The redirect URI of a tenant's OAuth app when none is given."""

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""A tenant id becomes a host name (``<id>.infusionsoft.com``, in ``scope`` and a response
header) and a path segment of the admin API: one DNS label, so no ``/``, CR/LF or spaces."""

Profile = Literal["keap", "guide"]
"""``keap``: what the live API does (the default). ``guide``: what the LeadConduit integration
guide documents (409 on a duplicate email, 503 when over the rate limit)."""


class Window(BaseModel):
    """A request allowance over a window; ``None`` means unlimited."""

    model_config = ConfigDict(extra="forbid")
    per_second: int | None = Field(default=None, ge=0)
    per_minute: int | None = Field(default=None, ge=0)
    per_day: int | None = Field(default=None, ge=0)


class Limits(BaseModel):
    """Keap's documented limits (keap-facts.md §6.1): per OAuth app, per PAT/SAK key, per tenant."""

    model_config = ConfigDict(extra="forbid")
    oauth_app: Window = Field(default_factory=lambda: Window(per_minute=1500, per_day=150_000))
    api_key: Window = Field(
        default_factory=lambda: Window(per_second=10, per_minute=240, per_day=30_000)
    )
    tenant: Window = Field(default_factory=lambda: Window(per_minute=10_000, per_day=250_000))


class HookSettings(BaseModel):
    """REST hook timing (keap-facts.md §3.7). ``delay``: when the first delivery attempt of a
    change is due: ``keap`` (30-60 s after it, 5-10 min for contactGroup.applied/.delete),
    ``immediate``, or a number of seconds. Retries keep Keap's intervals either way."""

    model_config = ConfigDict(extra="forbid")
    delay: Literal["keap", "immediate"] | Annotated[float, Field(ge=0, allow_inf_nan=False)] = (
        "keap"
    )
    timeout: float = Field(
        default=30.0, gt=0, le=300, description="seconds a receiver has to answer (Keap: 30 s)"
    )


MAX_TTL_SECONDS = 100 * 365 * 86_400
"""The longest token lifetime (100 years): an expiry must stay a date Python can write (the
clock itself stops at 9000-01-01, keapsim/admin/clock.py), or every token mint answers 500."""


class TenantSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: Profile = "keap"
    throttle: bool = True
    limits: Limits = Field(default_factory=Limits)
    # Keap sends no Retry-After (facts §6.3); emitting it is an explicit, flagged extension.
    retry_after: bool = False
    access_token_ttl: int = Field(
        default=86_400, gt=0, le=MAX_TTL_SECONDS, description="seconds (Keap: 24 h)"
    )
    refresh_token_ttl: int = Field(
        default=45 * 86_400, gt=0, le=MAX_TTL_SECONDS, description="seconds (Keap: 45 d)"
    )
    authorization_code_ttl: int = Field(
        default=600, gt=0, le=MAX_TTL_SECONDS, description="seconds"
    )
    hooks: HookSettings = Field(default_factory=HookSettings)
    # keapsim's own bound: Keap publishes no per-account file-box size through the API. Files
    # live in memory, so a tenant may keep this many bytes of them (413 beyond it).
    file_storage_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="bytes of uploaded files a tenant may keep"
    )


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied; nested objects merge key by key (a settings PATCH:
    the admin API and scenario files share these semantics); anything else replaces."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged

"""Per-tenant settings: profile, limits, token lifetimes, hook timing, file storage.

The settings the store and the simulator carry are plain dataclasses, built without
pydantic: the serve path never pays for it (docs/design/index.md, "Start-up"). Each field
declares its default, its bounds and its description once, here, in its ``metadata``;
:mod:`keapsim.config.validation` derives the pydantic models that check untrusted input (admin
API bodies, scenario files, ``--state-file`` documents, settings handed in from Python) from
these declarations, and converts what it accepts back into these classes.

The classes keep the pydantic names their callers used (``model_dump``, ``model_copy``,
``model_validate``), so that code written against the pydantic models they
replaced runs unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import field
from typing import Any, Literal, TypeVar, get_args

from ..datarecord import record_class

DEFAULT_REDIRECT_URI = "https://localhost/keapsim/callback"
"""The redirect URI of a tenant's OAuth app when none is given."""

DOCS_HINT = (
    "docs/ in the keapsim repository: run `mkdocs serve` there and open http://127.0.0.1:8000 "
    "(the site needs no network)"
)
"""Where the documentation is (the start page and ``keapsim serve`` say so)."""

TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""A tenant id becomes a host name (``<id>.infusionsoft.com``, in ``scope`` and a response
header) and a path segment of the admin API: one DNS label, so no ``/``, CR/LF or spaces."""

Profile = Literal["keap", "guide"]
"""``keap``: what the live API does (the default). ``guide``: what the LeadConduit integration
guide documents (409 on a duplicate email, 503 when over the rate limit)."""

PROFILES: tuple[str, ...] = get_args(Profile)

HookDelay = Literal["keap", "immediate"] | float

MAX_TTL_SECONDS = 100 * 365 * 86_400
"""The longest token lifetime (100 years): an expiry must stay a date Python can write (the
clock itself stops at 9000-01-01, keapsim/admin/clock.py), or every token mint answers 500."""

S = TypeVar("S", bound="Settings")


def bounded(default: Any, description: str | None = None, **bounds: Any) -> Any:
    """A field with its default and its pydantic bounds (``ge``, ``gt``, ``le``,
    ``allow_inf_nan``), kept in the field's metadata for :mod:`keapsim.config.validation`."""
    metadata = {"bounds": bounds, "description": description}
    if callable(default):
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


class Settings:
    """What every settings class shares: the pydantic-style names of its callers."""

    @classmethod
    def model_validate(cls: type[S], data: Any) -> S:
        """``data`` (a dict or an instance) checked by the derived pydantic model; raises
        ``pydantic.ValidationError`` naming each bad field (loads pydantic)."""
        from .validation import validate

        return validate(cls, data)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """A plain dict of the settings (every value is JSON-ready in either ``mode``)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def model_copy(self: S, update: dict[str, Any] | None = None, *, deep: bool = False) -> S:
        """A copy with ``update`` applied (not validated: :meth:`model_validate` checks);
        ``deep``: nested settings copied too, so that changing the copy in place (as
        ``tenant.settings.file_storage_bytes = 4`` does) leaves the original alone."""
        source = copy.deepcopy(self) if deep else self
        return dataclasses.replace(source, **(update or {}))  # type: ignore[type-var]


def _nested(value: Any, kind: type[Any]) -> Any:
    """A nested settings object given as a dict (``hooks={"delay": "immediate"}``) as its class;
    anything else unchanged (validation reports what is wrong with it)."""
    return kind(**value) if isinstance(value, dict) else value


@record_class(slots=False)
class Window(Settings):
    """A request allowance over a window; ``None`` means unlimited."""

    per_second: int | None = bounded(None, ge=0)
    per_minute: int | None = bounded(None, ge=0)
    per_day: int | None = bounded(None, ge=0)


@record_class(slots=False)
class Limits(Settings):
    """Keap's documented limits (keap-facts.md §6.1): per OAuth app, per PAT/SAK key, per tenant."""

    oauth_app: Window = bounded(lambda: Window(per_minute=1500, per_day=150_000))
    api_key: Window = bounded(lambda: Window(per_second=10, per_minute=240, per_day=30_000))
    tenant: Window = bounded(lambda: Window(per_minute=10_000, per_day=250_000))

    def __post_init__(self) -> None:
        for name in ("oauth_app", "api_key", "tenant"):
            setattr(self, name, _nested(getattr(self, name), Window))


@record_class(slots=False)
class HookSettings(Settings):
    """REST hook timing (keap-facts.md §3.7). ``delay``: when the first delivery attempt of a
    change is due: ``keap`` (30-60 s after it, 5-10 min for contactGroup.applied/.delete),
    ``immediate``, or a number of seconds. Retries keep Keap's intervals either way."""

    # The bounds of ``delay`` apply to its number (validation.py places them there).
    delay: HookDelay = bounded("keap", ge=0, allow_inf_nan=False)
    timeout: float = bounded(30.0, "seconds a receiver has to answer (Keap: 30 s)", gt=0, le=300)


@record_class(slots=False)
class TenantSettings(Settings):
    profile: Profile = "keap"
    throttle: bool = True
    limits: Limits = bounded(Limits)
    # Keap sends no Retry-After (facts §6.3); emitting it is an explicit, flagged extension.
    retry_after: bool = False
    access_token_ttl: int = bounded(86_400, "seconds (Keap: 24 h)", gt=0, le=MAX_TTL_SECONDS)
    refresh_token_ttl: int = bounded(45 * 86_400, "seconds (Keap: 45 d)", gt=0, le=MAX_TTL_SECONDS)
    authorization_code_ttl: int = bounded(600, "seconds", gt=0, le=MAX_TTL_SECONDS)
    hooks: HookSettings = bounded(HookSettings)
    # keapsim's own bound: Keap publishes no per-account file-box size through the API. Files
    # live in memory, so a tenant may keep this many bytes of them (413 beyond it).
    file_storage_bytes: int = bounded(
        64 * 1024 * 1024, "bytes of uploaded files a tenant may keep", ge=0
    )

    def __post_init__(self) -> None:
        self.limits = _nested(self.limits, Limits)
        self.hooks = _nested(self.hooks, HookSettings)


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

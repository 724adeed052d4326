"""The pydantic models of the admin API's request bodies. The routes import this module when a
body arrives, so that serving the Keap API never loads pydantic (docs/design/index.md,
"Start-up")."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import TENANT_ID_PATTERN


# -- the clock (admin/clock.py) ----------------------------------------------------------------
class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    seconds: float = Field(ge=0, allow_inf_nan=False)


class Freeze(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    at: float | None = Field(default=None, allow_inf_nan=False)


# -- tenants, apps and tokens (admin/tenants.py) -----------------------------------------------
class AppFields(BaseModel):
    """An OAuth app's credentials; any left out are generated."""

    client_id: str | None = Field(default=None, min_length=4)
    client_secret: str | None = Field(default=None, min_length=8)
    redirect_uris: list[str] | None = Field(default=None, min_length=1)

    @field_validator("redirect_uris")
    @classmethod
    def _absolute_uris(cls, uris: list[str] | None) -> list[str] | None:
        # RFC 6749 §3.1.2: absolute, without a fragment. Keap requires HTTPS (facts §2.1);
        # keapsim also accepts http so that a local test app can receive the redirect.
        for uri in uris or []:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
                raise ValueError(f"{uri!r} is not an absolute http(s) URI without a fragment")
        return uris


class NewTenant(AppFields):
    """The body of ``POST /_keapsim/tenants``; settings fields may also be given (merged over
    the simulator's defaults)."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    tenant_id: str | None = Field(
        default=None,
        pattern=TENANT_ID_PATTERN,
        description="becomes the host <id>.infusionsoft.com",
    )
    name: str | None = None
    api_key: str | None = Field(default=None, min_length=8)


class NewApp(AppFields):
    """The body of ``POST /_keapsim/tenants/<id>/apps``: another OAuth app of the tenant."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(default="keapsim app", min_length=1)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    kind: Literal["oauth", "PAT", "SAK"] = "oauth"
    client_id: str | None = None

"""The ``keap:`` section: where Keap is, the credential, pacing, retries and timeouts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from connector.apiversion import ApiVersion
from connector.config.base import StrictModel

DEFAULT_BASE_URL = "https://api.infusionsoft.com/crm/rest"
#: Keap's consent page (keap-facts.md §2.1); the token endpoint is derived from base_url.
DEFAULT_AUTHORIZE_URL = "https://accounts.infusionsoft.com/app/oauth/authorize"
#: Where ``keap-connector auth login`` listens for Keap's redirect (register it with the app).
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"


class OAuthCredentials(StrictModel):
    type: Literal["oauth"] = "oauth"
    client_id: str
    client_secret: SecretStr
    #: JSON file holding access/refresh tokens; rewritten atomically on every refresh
    token_store: Path
    #: Seed tokens, used only when the token store does not exist yet.
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    #: Refresh this long before the access token expires (Keap tokens last 24 h).
    refresh_margin_seconds: float = Field(default=300, ge=0)
    #: ``auth login``: the app's registered redirect URI, on this machine (loopback, http).
    redirect_uri: str = DEFAULT_REDIRECT_URI
    #: ``auth login``: the consent page. Derived as ``<scheme://host>/app/oauth/authorize`` from
    #: a base_url other than Keap's (keapsim serves it on its own host); Keap's otherwise.
    authorize_url: str | None = None
    scope: str = "full"

    @field_validator("redirect_uri")
    @classmethod
    def _loopback(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("must be an http:// URI on this machine (localhost or 127.0.0.1)")
        if not parts.port:
            raise ValueError("must name a port, e.g. " + DEFAULT_REDIRECT_URI)
        return value


class ApiKeyCredentials(StrictModel):
    type: Literal["api_key"] = "api_key"
    #: Personal access token or service account key, sent as X-Keap-API-Key
    api_key: SecretStr


Credentials = Annotated[OAuthCredentials | ApiKeyCredentials, Field(discriminator="type")]


class RateLimit(StrictModel):
    requests_per_second: float = Field(default=10, gt=0)
    burst: int = Field(default=20, ge=1)
    #: Start pacing when a Keap quota/throttle header shows this many requests or fewer left.
    low_water: int = Field(default=10, ge=0)


class Retries(StrictModel):
    attempts: int = Field(default=3, ge=1, le=20, description="total tries, including the first")
    initial_delay: float = Field(default=0.5, ge=0)
    backoff_multiplier: float = Field(default=2, ge=1)
    max_delay: float = Field(default=30, ge=0)
    honour_retry_after: bool = True
    #: A Retry-After longer than this is not waited for; the lead ends as ``error`` instead.
    max_retry_after: float = Field(default=60, ge=0)


class Timeouts(StrictModel):
    connect: float = Field(default=5, gt=0)
    read: float = Field(default=30, gt=0)
    write: float = Field(default=30, gt=0)
    pool: float = Field(default=10, gt=0)


class KeapSettings(StrictModel):
    base_url: str = DEFAULT_BASE_URL
    #: Derived as ``<scheme://host>/token`` from base_url when not set.
    token_url: str | None = None
    api_version: ApiVersion = ApiVersion.V2
    credentials: Credentials
    rate_limit: RateLimit = RateLimit()
    retries: Retries = Retries()
    timeouts: Timeouts = Timeouts()

    @field_validator("base_url", "token_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. " + DEFAULT_BASE_URL)
        return value.rstrip("/")

    @property
    def resolved_token_url(self) -> str:
        if self.token_url:
            return self.token_url
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/token"

    @property
    def resolved_authorize_url(self) -> str:
        creds = self.credentials
        if isinstance(creds, OAuthCredentials) and creds.authorize_url:
            return creds.authorize_url
        if self.base_url == DEFAULT_BASE_URL:
            return DEFAULT_AUTHORIZE_URL
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/app/oauth/authorize"

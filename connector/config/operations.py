"""How a flow runs around delivery: ``serve``, ``monitoring`` and ``failures``."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from connector.config.base import StrictModel


class QueueBackend(StrEnum):
    SQLITE = "sqlite"
    REDIS = "redis"


class ServeSettings(StrictModel):
    """``keap-connector serve`` (docs/connector/serve.md); ignored by batch delivery."""

    #: Bearer tokens callers must send (several allow rotation); KEAP_CONNECTOR_SERVE_TOKEN
    #: (comma-separated) is used when this list is empty.
    auth_tokens: list[SecretStr] = []
    #: ``redis://`` (or ``rediss://``, ``unix://``) URL: one rate limiter and one OAuth token
    #: store for every instance that names the same Redis. Without it all state is embedded.
    redis_url: SecretStr | None = None
    #: Key prefix in Redis; instances delivering for the same Keap app share it.
    redis_prefix: str = Field(default="keap-connector", min_length=1)
    #: Where queue mode keeps accepted leads: an embedded SQLite file, or the Redis above.
    queue_backend: QueueBackend = QueueBackend.SQLITE

    @field_validator("auth_tokens")
    @classmethod
    def _expanded_tokens(cls, value: list[SecretStr]) -> list[SecretStr]:
        for token in value:
            secret = token.get_secret_value()
            # "${VAR}" with VAR unset stays literal: a token anyone can read in the docs.
            if "${" in secret or len(secret) < 16:
                raise ValueError("each token must be set (no unexpanded ${VAR}), 16+ characters")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = urlsplit(value.get_secret_value()).scheme
            if scheme not in ("redis", "rediss", "unix"):
                raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _redis_queue_needs_redis(self) -> ServeSettings:
        if self.queue_backend is QueueBackend.REDIS and self.redis_url is None:
            raise ValueError("queue_backend: redis needs redis_url")
        return self


class Thresholds(StrictModel):
    min_success_rate: float | None = Field(default=None, ge=0, le=100)
    max_avg_response_ms: float | None = Field(default=None, gt=0)
    max_duplicate_pct: float | None = Field(default=None, ge=0, le=100)


class Monitoring(StrictModel):
    """``keap-connector report --config flow.yaml`` reads these; report flags override them."""

    #: Past these the report raises alerts (and ``--fail-on-alert`` exits 1).
    alerts: Thresholds = Thresholds(
        min_success_rate=90, max_avg_response_ms=1000, max_duplicate_pct=50
    )
    #: What the integration aims for (the guide: > 95 % success, < 500 ms); shown as met/missed.
    targets: Thresholds = Thresholds(min_success_rate=95, max_avg_response_ms=500)


class Failures(StrictModel):
    #: Write ``failure`` leads (besides ``error`` ones, which go to the dead-letter file) to
    #: ``LEADS.failures.<ext>`` in the input's format, ready to deliver again once fixed.
    file: bool = True

"""Helpers of the serve tests (tests/serve): the caller token, a flow onto a simulator tenant,
and the in-process app bundle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from connector.report import DeliveryLog
from connector.serve.app import ServeState
from connector.serve.worker import QueueWorkers

TOKEN = "caller-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def flow(base_url: str, creds: Any, **extra: Any) -> dict[str, Any]:
    """A flow mapping onto a simulator tenant (API key; no note, so one request per lead)."""
    keap = {
        "base_url": f"{base_url}/crm/rest",
        "api_version": "v2",
        "credentials": {"type": "api_key", "api_key": creds.api_key},
        "rate_limit": {"requests_per_second": 500, "burst": 100, "low_water": 0},
        "retries": {"attempts": 4, "initial_delay": 0.01, "max_delay": 0.05},
    }
    keap.update(extra.pop("keap", {}))
    return {"keap": keap, "note": {"enabled": False}, "serve": {"auth_tokens": [TOKEN]}, **extra}


@dataclass
class Served:
    """One in-process serve app and what it is made of."""

    client: FlaskClient
    state: ServeState
    log: DeliveryLog
    workers: QueueWorkers | None

    def post(self, lead: dict[str, Any], **kwargs: Any) -> Any:
        return self.client.post("/leads", json=lead, headers=AUTH, **kwargs)

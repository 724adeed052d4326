"""One lead through the connector, recorded as batch delivery records it.

``build_connector`` makes the flow's ``Connector`` with the serve additions around it: the
metrics transport, a retry policy that counts, and (with ``serve.redis_url``) the shared rate
limiter and token store in place of the embedded ones. Everything else is the connector's
public API: ``deliver``, ``deliver_in_doubt`` and the result they return.

``LeadDeliverer`` runs one lead, writes its delivery-log row with the batch's own helpers
(``result_from_connector``, ``record_result``: the same columns, so ``keap-connector report``
sums serve and batch deliveries alike) and feeds the metrics from the same result, so the
``/metrics`` counters and the log agree row for row.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from connector import Connector, ConnectorConfig
from connector.batch.ledger import LeadResult
from connector.batch.readers import InputRecord
from connector.batch.results import record_result, result_from_connector
from connector.batch.timing import WaitMeter
from connector.client.auth import TokenStore
from connector.config import ApiKeyCredentials, DuplicateMode, OAuthCredentials
from connector.report import DeliveryLog
from connector.serve.metrics import MeteredTransport, ServeMetrics, counting_retry_policy

#: The log's ``source`` column for leads posted to serve (batch rows carry the file name).
SOURCE_SYNC = "serve"
SOURCE_QUEUE = "serve-queue"


def build_connector(
    config: ConnectorConfig,
    metrics: ServeMetrics,
    *,
    redis_client: Any = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Connector, WaitMeter]:
    """The flow's connector, metered, with shared pacing and tokens when Redis is given."""
    meter = WaitMeter()
    metered = MeteredTransport(
        transport or httpx.HTTPTransport(), metrics, config.keap.resolved_token_url
    )
    connector = Connector(config, transport=metered, sleep=meter.sleep)
    client = connector.client
    client.retry = counting_retry_policy(client.retry, metrics)
    if redis_client is not None:
        _share_through_redis(connector, redis_client, meter)
    return connector, meter


def _share_through_redis(connector: Connector, redis_client: Any, meter: WaitMeter) -> None:
    from connector.serve.shared import RedisTokenStore, SharedOAuth, SharedTokenBucket

    config = connector.config
    client = connector.client
    prefix = config.serve.redis_prefix
    creds = config.keap.credentials
    rate = config.keap.rate_limit
    # One bucket per Keap credential, as Keap counts its quotas (keap-facts.md §6.1). A key is
    # never written into Redis key names: its hash stands for it.
    if isinstance(creds, ApiKeyCredentials):
        secret = creds.api_key.get_secret_value().encode()
        who = "key-" + hashlib.sha256(secret).hexdigest()[:16]
    else:
        who = "app-" + creds.client_id
    client.bucket = SharedTokenBucket(
        redis_client,
        f"{prefix}:rate:{who}",
        rate.requests_per_second,
        rate.burst,
        sleep=meter.sleep,
    )
    if isinstance(creds, OAuthCredentials):
        client.auth = SharedOAuth(
            RedisTokenStore(redis_client, f"{prefix}:oauth:{creds.client_id}:tokens"),
            file_store=TokenStore(creds.token_store),
            client_id=creds.client_id,
            client_secret=creds.client_secret.get_secret_value(),
            token_url=config.keap.resolved_token_url,
            http=client.http,
            refresh_margin=creds.refresh_margin_seconds,
        )


def lead_email(lead: Mapping[str, Any]) -> str:
    """The lead's e-mail address lower-cased ('' without one): leads sharing it are delivered
    one at a time, as batch delivery does, so two upserts never race into two contacts."""
    for key in ("email", "Email", "email_address", "e-mail"):
        value = lead.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return ""


class AddressLocks:
    """One lock per e-mail address, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, address: str) -> Iterator[None]:
        if not address:
            yield
            return
        with self._guard:
            lock, users = self._locks.get(address, (threading.Lock(), 0))
            self._locks[address] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[address]
                if users == 1:
                    del self._locks[address]
                else:
                    self._locks[address] = (lock, users - 1)


@dataclass
class Answer:
    """What ``POST /leads`` answers: LeadConduit's four fields."""

    outcome: str
    reason: str | None
    contact_id: str | None
    duplicate: bool | None

    @classmethod
    def of(cls, result: LeadResult) -> Answer:
        return cls(result.outcome, result.reason, result.contact_id, result.duplicate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "contact_id": self.contact_id,
            "duplicate": self.duplicate,
        }


class LeadDeliverer:
    """Deliver one lead, log it, count it."""

    def __init__(
        self,
        connector: Connector,
        meter: WaitMeter,
        metrics: ServeMetrics,
        *,
        log: DeliveryLog | None,
        run_id: str,
    ) -> None:
        self.connector = connector
        self.metrics = metrics
        self.log = log
        self.run_id = run_id
        self._deliver = meter.wrap(connector.deliver)
        self._deliver_in_doubt = meter.wrap(connector.deliver_in_doubt)
        self.addresses = AddressLocks()

    @property
    def redeliver_in_doubt(self) -> bool:
        """Whether a lead that may have reached Keap can be sent again: only where the contact
        step is an upsert (the batch runner's rule, connector/batch/triage.py)."""
        mode = self.connector.config.duplicates.mode
        return mode in (DuplicateMode.UPDATE_EXISTING, DuplicateMode.SKIP_EXISTING)

    def deliver(
        self,
        lead: dict[str, Any],
        *,
        lead_id: str,
        source: str,
        in_doubt_since: datetime | None = None,
    ) -> LeadResult:
        """Deliver (or, with ``in_doubt_since``, check Keap first, then deliver) and record."""
        with self.addresses.hold(lead_email(lead)):
            started = time.monotonic()
            try:
                if in_doubt_since is not None:
                    value = self._deliver_in_doubt(lead, in_doubt_since)
                else:
                    value = self._deliver(lead)
            except Exception as exc:
                value = {"outcome": "error", "reason": f"unexpected {type(exc).__name__}"}
            wall = time.monotonic() - started
        record = InputRecord(line=0, lead=lead, raw="", key=lead_id)
        result = result_from_connector(record, value, wall)
        self.record(result, lead, source=source)
        return result

    def record(self, result: LeadResult, lead: Mapping[str, Any], *, source: str) -> None:
        """The log row first, then the metrics: a crash between them loses a count, never a row
        (the metrics restart from zero with the process anyway)."""
        if self.log is not None:
            record_result(
                self.log,
                result,
                email=lead_email(lead) or None,
                source=source,
                line=None,
                lead_key=result.key,
                run_id=self.run_id,
            )
        seconds = (result.latency_ms or 0.0) / 1000
        self.metrics.observe_delivery(result.outcome, result.duplicate, seconds)

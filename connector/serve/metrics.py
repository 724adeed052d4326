"""Prometheus metrics of one ``serve`` instance (``GET /metrics``).

Each instance has its own registry (so tests can run several in one process); with two
instances Prometheus scrapes both and sums. The per-lead figures come from the delivery result;
the per-request ones (Keap's response time, throttling, token refreshes) from an httpx
transport that wraps the connector's own, so every request the connector makes is seen,
``/token`` included; retries from the connector's retry policy, which decides them.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from connector.client.retry import RetryPolicy

# The ``*_created`` timestamp series double the output and no dashboard of ours reads them.
disable_created_metrics()

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTCOMES = ("success", "failure", "error", "skip")
#: Keap answers within tens of milliseconds to a few seconds; slower still falls in +Inf.
RESPONSE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServeMetrics:
    """The counters and histograms, and the text ``/metrics`` answers with."""

    def __init__(self, queue_depth: Callable[[], int] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()
        # Registered in this order, so /metrics lists them in this order.
        self._add_delivery_metrics()
        self._add_keap_metrics()
        self._add_token_metrics()
        self.registry.register(_Rates(self))
        if queue_depth is not None:
            self.registry.register(_QueueDepth(queue_depth))

    def _add_delivery_metrics(self) -> None:
        r = self.registry
        self.deliveries = Counter(
            "keap_connector_deliveries", "Leads delivered, by outcome", ["outcome"], registry=r
        )
        for outcome in OUTCOMES:  # every outcome present from the start, at 0
            self.deliveries.labels(outcome)
        self.duplicates = Counter(
            "keap_connector_duplicates", "Deliveries that matched an existing contact", registry=r
        )
        self.delivery_seconds = Histogram(
            "keap_connector_delivery_seconds",
            "Wall time of one lead's delivery (all its requests, pacing and retries)",
            buckets=RESPONSE_BUCKETS,
            registry=r,
        )

    def _add_keap_metrics(self) -> None:
        r = self.registry
        self.keap_seconds = Histogram(
            "keap_connector_keap_response_seconds",
            "Keap's response time per HTTP request (until the response headers)",
            buckets=RESPONSE_BUCKETS,
            registry=r,
        )
        self.keap_requests = Counter(
            "keap_connector_keap_requests",
            "HTTP requests to Keap, by status code (0: no answer)",
            ["status"],
            registry=r,
        )
        self.retries = Counter(
            "keap_connector_retries",
            "Requests re-sent after a 429, 5xx or transport error",
            registry=r,
        )
        self.throttled = Counter(
            "keap_connector_throttled_responses",
            "Keap answers that said slow down: 429, or 503 with Retry-After (guide profile)",
            registry=r,
        )

    def _add_token_metrics(self) -> None:
        r = self.registry
        self.token_refreshes = Counter(
            "keap_connector_token_refreshes", "OAuth refreshes this instance made", registry=r
        )
        self.token_refresh_failures = Counter(
            "keap_connector_token_refresh_failures", "OAuth refreshes Keap refused", registry=r
        )

    def observe_delivery(self, outcome: str, duplicate: bool | None, seconds: float) -> None:
        with self._lock:
            self.deliveries.labels(outcome).inc()
            self._counts[outcome] += 1
            if duplicate:
                self.duplicates.inc()
                self._counts["duplicate"] += 1
        self.delivery_seconds.observe(seconds)

    def counts(self) -> dict[str, int]:
        """Deliveries by outcome, and ``duplicate``, read together (for the ratios)."""
        with self._lock:
            return dict(self._counts)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Rates(Collector):
    """The report's two ratios (connector/report/figures.py), over this instance's life."""

    def __init__(self, metrics: ServeMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.metrics.counts()
        total = sum(counts.get(o, 0) for o in OUTCOMES)
        judged = total - counts.get("skip", 0)  # skips are deliberate, not failures
        success = 100.0 * counts.get("success", 0) / judged if judged else 100.0
        duplicates = counts.get("duplicate", 0)
        yield GaugeMetricFamily(
            "keap_connector_success_rate_percent",
            "successes / (deliveries - skips), in percent (100 before any delivery)",
            value=success,
        )
        yield GaugeMetricFamily(
            "keap_connector_duplicate_rate_percent",
            "deliveries that matched an existing contact / deliveries, in percent",
            value=100.0 * duplicates / total if total else 0.0,
        )


class _QueueDepth(Collector):
    def __init__(self, depth: Callable[[], int]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "keap_connector_queue_depth",
            "Accepted leads not delivered yet (waiting or in flight)",
            value=self.depth(),
        )


class MeteredTransport(httpx.BaseTransport):
    """Times every request to Keap and counts throttling answers and token refreshes."""

    def __init__(self, inner: httpx.BaseTransport, metrics: ServeMetrics, token_url: str) -> None:
        self.inner = inner
        self.metrics = metrics
        self.token_url = httpx.URL(token_url)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
        except httpx.HTTPError:
            self.metrics.keap_requests.labels("0").inc()
            raise
        self.metrics.keap_seconds.observe(time.perf_counter() - started)
        status = response.status_code
        self.metrics.keap_requests.labels(str(status)).inc()
        if status == 429 or (status == 503 and "retry-after" in response.headers):
            self.metrics.throttled.inc()
        if request.method == "POST" and request.url.copy_with(query=None) == self.token_url:
            counter = self.metrics.token_refreshes
            if status != 200:
                counter = self.metrics.token_refresh_failures
            counter.inc()
        return response

    def close(self) -> None:
        self.inner.close()


def counting_retry_policy(policy: RetryPolicy, metrics: ServeMetrics) -> RetryPolicy:
    """The same policy, counting each retry it grants (the connector asks it before each)."""
    fields = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)}
    return _CountingRetryPolicy(**fields, metrics=metrics)


@dataclasses.dataclass
class _CountingRetryPolicy(RetryPolicy):
    metrics: Any = None

    def delay_for(self, attempt: int, response: httpx.Response | None = None) -> float | None:
        delay = super().delay_for(attempt, response)
        if delay is not None and self.metrics is not None:
            self.metrics.retries.inc()
        return delay


__all__ = ["CONTENT_TYPE", "MeteredTransport", "ServeMetrics", "counting_retry_policy"]

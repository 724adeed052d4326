"""Token bucket, quota-header pacing and retry decisions (pure logic, fake clocks)."""

from __future__ import annotations

import random
import threading

import httpx
import pytest

from connector.client.retry import RetryPolicy, parse_retry_after
from connector.client.throttle import QuotaExhausted, QuotaGovernor, TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def test_bucket_allows_a_burst_then_paces_at_the_rate():
    t = FakeTime()
    bucket = TokenBucket(10, 20, clock=t.clock, sleep=t.sleep)
    for _ in range(20):
        assert bucket.acquire() == 0
    start = t.now
    for _ in range(10):
        bucket.acquire()
    assert t.now - start == pytest.approx(1.0)  # 10 more at 10/s take one second


@pytest.mark.slow
def test_bucket_is_shared_safely_between_threads():
    bucket = TokenBucket(1000, 50)
    taken = []

    def worker():
        for _ in range(25):
            bucket.acquire()
            taken.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(taken) == 200


def _headers(**kw):
    names = {
        "ta": "x-keap-product-throttle-available",
        "tl": "x-keap-product-throttle-limit",
        "qa": "x-keap-product-quota-available",
        "qe": "x-keap-product-quota-expiry-time",
        "na": "x-keap-tenant-throttle-available",
        "nl": "x-keap-tenant-throttle-limit",
    }
    return {names[k]: str(v) for k, v in kw.items()}


def test_governor_paces_when_the_minute_window_runs_low():
    t = FakeTime()
    gov = QuotaGovernor(10, clock=t.clock, sleep=t.sleep)
    gov.observe(_headers(ta=200, tl=240))
    assert gov.interval == 0 and gov.wait() == 0
    gov.observe(_headers(ta=5, tl=240))
    assert gov.interval == pytest.approx(0.25)  # 240/minute sustained
    gov.wait()
    gov.wait()
    assert sum(t.slept) == pytest.approx(0.25)


def test_governor_reads_the_tenant_window_with_two_values():
    gov = QuotaGovernor(10, clock=FakeTime().clock, sleep=lambda s: None)
    gov.observe(_headers(na="3|200000", nl="10000|250000"))
    assert gov.interval == pytest.approx(60 / 10000)


def test_governor_refuses_at_a_zero_daily_quota_and_spreads_a_low_one():
    t = FakeTime()
    gov = QuotaGovernor(10, clock=t.clock, sleep=t.sleep)
    gov.observe(_headers(qa=5, qe=int((t.now + 500) * 1000)))
    assert gov.interval == pytest.approx(100)
    gov.observe(_headers(qa=0, qe=int((t.now + 500) * 1000)))
    with pytest.raises(QuotaExhausted):
        gov.wait()


def _response(status, **headers):
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status):
    assert RetryPolicy().should_retry_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_never_retried(status):
    assert not RetryPolicy().should_retry_status(status)


def test_transport_errors_are_retryable():
    policy = RetryPolicy()
    assert policy.should_retry_exception(httpx.ConnectError("boom"))
    assert policy.should_retry_exception(httpx.ReadTimeout("slow"))


def test_backoff_grows_exponentially_with_jitter_and_stops_after_attempts():
    policy = RetryPolicy(attempts=4, initial_delay=1, multiplier=2, rng=random.Random(1))
    delays = [policy.delay_for(n) for n in (1, 2, 3)]
    for n, delay in enumerate(delays, start=1):
        base = 2 ** (n - 1)
        assert base / 2 <= delay <= base
    assert policy.delay_for(4) is None


def test_retry_after_is_honoured_and_capped():
    policy = RetryPolicy(max_retry_after=30)
    assert policy.delay_for(1, _response(429, **{"Retry-After": "7"})) == 7
    assert policy.delay_for(1, _response(429, **{"Retry-After": "120"})) is None
    assert (
        RetryPolicy(honour_retry_after=False).delay_for(1, _response(503, **{"Retry-After": "7"}))
        <= 0.5
    )
    # without Retry-After, a 429 waits at least Keap's smallest window (one second)
    assert RetryPolicy(initial_delay=0.1).delay_for(1, _response(429)) == 1.0


def test_parse_retry_after_http_date():
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30
    assert parse_retry_after("soon") is None

"""Throttling as Keap counts it (keap-facts.md §6): windows, headers, profiles, concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from keapsim import Simulator, TenantCredentials
from keapsim.clock import Clock
from keapsim.config import Limits, Window
from keapsim.gateway.quota_headers import BLANK_HEADERS
from keapsim.gateway.responses import THROTTLED
from keapsim.gateway.throttle import GUIDE_THROTTLED
from keapsim.server import SimulatorServer

UNLIMITED = Window()


def limits(
    *, app: Window = UNLIMITED, key: Window = UNLIMITED, tenant: Window = UNLIMITED
) -> Limits:
    return Limits(oauth_app=app, api_key=key, tenant=tenant)


def per_minute(n: int) -> Window:
    return Window(per_minute=n)


def used(response: httpx.Response, family: str = "product-throttle") -> int:
    return int(response.headers[f"x-keap-{family}-used"])


def available(response: httpx.Response, family: str = "product-throttle") -> int:
    return int(response.headers[f"x-keap-{family}-available"])


def call(sim: Simulator, creds: TenantCredentials, auth: str = "api_key") -> httpx.Response:
    with sim.client(creds, auth=auth) as client:
        return client.get("/v1/contacts")


def concurrent_calls(n: int, fetch) -> list[httpx.Response]:
    """``n`` requests from 16 threads, released together."""
    start = threading.Barrier(min(n, 16))

    def one(i: int) -> httpx.Response:
        if i < 16:
            start.wait()
        return fetch()

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(n)))


# -- headers ------------------------------------------------------------------------------------
def test_default_headers_for_a_key_match_keaps(frozen_sim: Simulator) -> None:
    creds = frozen_sim.default_tenant
    response = call(frozen_sim, creds)
    h = response.headers
    assert h["x-keap-product-spike-limit"] == "10ps"
    assert (
        h["x-keap-product-throttle-limit"],
        h["x-keap-product-throttle-time-unit"],
        h["x-keap-product-throttle-interval"],
    ) == ("240", "minute", "1")
    assert (available(response), used(response)) == (239, 1)
    assert (
        h["x-keap-product-quota-limit"],
        h["x-keap-product-quota-time-unit"],
        h["x-keap-product-quota-interval"],
    ) == ("30000", "day", "1")
    assert (available(response, "product-quota"), used(response, "product-quota")) == (29999, 1)
    next_midnight = datetime(2026, 3, 11, tzinfo=UTC).timestamp()
    assert h["x-keap-product-quota-expiry-time"] == str(int(next_midnight * 1000))
    assert h["x-keap-tenant-id"] == creds.host
    assert h["x-keap-tenant-throttle-limit"] == "10000|250000"
    assert h["x-keap-tenant-throttle-time-unit"] == "minute|day"
    assert h["x-keap-tenant-throttle-interval"] == "1|1"
    assert h["x-keap-tenant-throttle-available"] == "9999|249999"
    assert h["x-keap-tenant-throttle-used"] == "1|1"


def test_default_headers_for_an_oauth_app(frozen_sim: Simulator) -> None:
    response = call(frozen_sim, frozen_sim.default_tenant, auth="bearer")
    h = response.headers
    assert "x-keap-product-spike-limit" not in h
    assert h["x-keap-product-throttle-limit"] == "1500"
    assert h["x-keap-product-quota-limit"] == "150000"


def test_headers_count_down_and_are_on_errors_too(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(limits=limits(key=Window(per_minute=5, per_day=7)))
    with frozen_sim.client(creds) as client:
        responses = [
            client.get("/v1/contacts"),
            client.get("/v1/contacts/999"),
            client.get("/v1/no-such-route"),
        ]
    assert [r.status_code for r in responses] == [200, 404, 404]
    assert [used(r) for r in responses] == [1, 2, 3]
    assert [available(r) for r in responses] == [4, 3, 2]
    assert [available(r, "product-quota") for r in responses] == [6, 5, 4]


def test_401s_carry_the_header_names_blank(frozen_sim: Simulator) -> None:
    response = frozen_sim.client(auth="none").get("/v1/contacts")
    assert response.status_code == 401
    for name in BLANK_HEADERS:
        assert response.headers[name] == ""


# -- exact counting -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("profile", "status", "body"),
    [
        ("keap", 429, THROTTLED),
        ("guide", 503, GUIDE_THROTTLED),
    ],
)
def test_n_concurrent_requests_pass_and_the_next_is_refused(
    frozen_sim: Simulator, profile: str, status: int, body: dict
) -> None:
    n = 40
    creds = frozen_sim.create_tenant(profile=profile, limits=limits(app=per_minute(n)))
    responses = concurrent_calls(n, lambda: call(frozen_sim, creds, auth="bearer"))
    assert [r.status_code for r in responses] == [200] * n
    # Each admitted request saw its own count: exactly 1..N, none lost, none repeated.
    assert sorted(used(r) for r in responses) == list(range(1, n + 1))
    assert sorted(available(r) for r in responses) == list(range(n))

    refused = call(frozen_sim, creds, auth="bearer")
    assert refused.status_code == status
    assert refused.json() == body
    assert (used(refused), available(refused)) == (n, 0)
    if profile == "guide":
        assert refused.headers["Retry-After"] == "60"
    else:
        assert "Retry-After" not in refused.headers


@pytest.mark.slow
def test_exact_counting_against_a_running_server(own_server: SimulatorServer) -> None:
    sim = own_server.simulator
    n = 24
    creds = sim.create_tenant(limits=limits(key=per_minute(n)))
    headers = {"X-Keap-API-Key": creds.api_key}
    with httpx.Client(base_url=f"{own_server.url}/crm/rest", headers=headers) as client:
        responses = concurrent_calls(n + 8, lambda: client.get("/v1/contacts"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * n + [429] * 8
    assert sorted(used(r) for r in responses if r.status_code == 200) == list(range(1, n + 1))


def test_rejected_requests_consume_nothing(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(
        limits=limits(key=Window(per_minute=2, per_day=100), tenant=Window(per_day=100))
    )
    for _ in range(2):
        assert call(frozen_sim, creds).status_code == 200
    for _ in range(5):
        assert call(frozen_sim, creds).status_code == 429
    frozen_sim.clock.advance(60)
    after = call(frozen_sim, creds)
    assert after.status_code == 200
    assert used(after, "product-quota") == 3
    assert after.headers["x-keap-tenant-throttle-used"] == "3"


# -- windows and the clock ----------------------------------------------------------------------
def test_the_minute_window_rolls_with_the_clock(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(retry_after=True, limits=limits(key=per_minute(4)))
    assert [call(frozen_sim, creds).status_code for _ in range(2)] == [200, 200]
    frozen_sim.clock.advance(30)
    assert [call(frozen_sim, creds).status_code for _ in range(2)] == [200, 200]
    frozen_sim.clock.advance(29)
    refused = call(frozen_sim, creds)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"  # the first two leave the window at +60 s
    frozen_sim.clock.advance(1)
    rolled = [call(frozen_sim, creds) for _ in range(3)]
    assert [r.status_code for r in rolled] == [200, 200, 429]
    assert [used(r) for r in rolled[:2]] == [3, 4]
    assert rolled[2].headers["Retry-After"] == "30"


def test_the_daily_quota_resets_at_midnight_utc() -> None:
    just_before_midnight = datetime(2026, 3, 10, 23, 59, 30, tzinfo=UTC).timestamp()
    sim = Simulator(clock=Clock(frozen_at=just_before_midnight))
    creds = sim.create_tenant(retry_after=True, limits=limits(key=Window(per_day=3)))
    assert [call(sim, creds).status_code for _ in range(3)] == [200] * 3
    refused = call(sim, creds)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    sim.clock.advance(30)
    fresh = call(sim, creds)
    assert fresh.status_code == 200
    assert used(fresh, "product-quota") == 1
    midnight_after = datetime(2026, 3, 12, tzinfo=UTC).timestamp()
    assert fresh.headers["x-keap-product-quota-expiry-time"] == str(int(midnight_after * 1000))


def test_the_spike_limit_is_a_rolling_second(frozen_sim: Simulator) -> None:
    creds = frozen_sim.default_tenant  # default key limits: 10/s, 240/min
    assert [call(frozen_sim, creds).status_code for _ in range(11)] == [200] * 10 + [429]
    frozen_sim.clock.advance(1)
    assert call(frozen_sim, creds).status_code == 200


def test_the_tenant_limit_spans_all_credentials(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(limits=limits(tenant=per_minute(3)))
    pat = frozen_sim.identity.create_api_key(creds.tenant_id, "PAT")
    statuses = [call(frozen_sim, creds).status_code, call(frozen_sim, creds, "bearer").status_code]
    with frozen_sim.client(creds, auth="none", headers={"X-Keap-API-Key": pat.key}) as client:
        statuses += [client.get("/v1/contacts").status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]


def test_each_key_has_its_own_allowance(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(limits=limits(key=per_minute(1)))
    pat = frozen_sim.identity.create_api_key(creds.tenant_id, "PAT")
    assert call(frozen_sim, creds).status_code == 200
    assert call(frozen_sim, creds).status_code == 429
    with frozen_sim.client(creds, auth="none", headers={"X-Keap-API-Key": pat.key}) as client:
        assert client.get("/v1/contacts").status_code == 200


# -- switches -----------------------------------------------------------------------------------
def test_throttle_off_means_no_limits_and_no_headers() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(limits=limits(key=per_minute(1)))
    responses = [call(sim, creds) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert "x-keap-product-throttle-used" not in responses[-1].headers


def test_settings_changes_apply_to_the_next_request(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(limits=limits(key=per_minute(1)))
    assert [call(frozen_sim, creds).status_code for _ in range(2)] == [200, 429]
    tenant = frozen_sim.tenant(creds.tenant_id)
    tenant.settings = tenant.settings.model_copy(update={"throttle": False})
    assert call(frozen_sim, creds).status_code == 200


def test_reset_forgets_the_counters(frozen_sim: Simulator) -> None:
    creds = frozen_sim.create_tenant(limits=limits(key=per_minute(1)))
    assert [call(frozen_sim, creds).status_code for _ in range(2)] == [200, 429]
    frozen_sim.reset(creds.tenant_id)
    assert call(frozen_sim, creds).status_code == 200

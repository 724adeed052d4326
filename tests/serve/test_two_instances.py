"""Two ``keap-connector serve`` processes sharing one ``redis-server`` deliver 1,000 leads to a
keapsim tenant limited to N requests a minute: no 429, at least 0.9 × N, one token refresh.

Time. A rolling minute is only tested by more than a minute of traffic, so the simulator's
clock runs five times faster than the wall clock (a thread moves it forward through the admin
API, to a target computed from the wall clock, so a late tick catches up instead of drifting).
The tenant's minute is then 12 wall seconds, and N = 360 per (simulated) minute is 30 requests
a wall second; the flow's shared rate is 0.94 of that. The rate achieved is measured the way
the tenant counts it: in simulated time, from the journal's stamps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .processes import Keapsim, keapsim, metric_samples, redis_server, serving, write_flow

pytestmark = pytest.mark.slow

SPEED = 5  # simulated seconds per wall second
N = 360  # requests per simulated minute the tenant allows
LEADS = 1000
WALL_RATE = N / (60 / SPEED)  # the tenant's limit in requests per wall second
SHARED_RATE = 0.94 * WALL_RATE
#: The seed access token's life in simulated seconds: it runs out about mid-run.
FIRST_TOKEN_TTL = 90


class FastClock:
    """Keeps the simulator's clock at ``SPEED`` × the wall clock while running."""

    def __init__(self, sim: Keapsim) -> None:
        self.sim = sim
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        moved = 0.0
        with httpx.Client(base_url=self.sim.info["admin_url"], timeout=10) as admin:
            while not self._stop.wait(0.05):
                target = (SPEED - 1) * (time.monotonic() - started)
                admin.post("/clock/advance", json={"seconds": target - moved})
                moved = target

    def __enter__(self) -> FastClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def sim() -> Iterator[Keapsim]:
    with keapsim() as server:  # its own simulator: this test moves the clock
        yield server


def test_two_instances_share_the_quota_and_the_token(sim: Keapsim, tmp_path: Path) -> None:
    unlimited = {"per_second": None, "per_minute": None, "per_day": None}
    tenant = sim.tenant(
        throttle=True,
        access_token_ttl=FIRST_TOKEN_TTL,
        limits={"oauth_app": unlimited, "tenant": {"per_minute": N, "per_day": None}},
    )
    # Tokens issued from now on (the refreshed one) live a day: exactly one refresh is due.
    patched = sim.admin.patch(
        f"/tenants/{tenant.tenant_id}/settings", json={"access_token_ttl": 86_400}
    )
    assert patched.status_code == 200, patched.text

    with redis_server(tmp_path / "redis") as redis_url:
        shared = {"redis_url": redis_url}
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            write_flow(
                tmp_path / name / "flow.yaml",
                sim,
                tenant,
                oauth=True,
                rps=SHARED_RATE,
                burst=2,
                serve=shared,
            )
        args = ("-c", "flow.yaml", "--log-db", "log.sqlite3", "--threads", "24")
        with (
            serving(tmp_path / "a", *args) as a,
            serving(tmp_path / "b", *args) as b,
            a.client() as to_a,
            b.client() as to_b,
            FastClock(sim),
        ):
            clients = [to_a, to_b]

            def post(i: int) -> str:
                lead = {"email": f"shared{i}@example.com", "first_name": f"S{i}"}
                return clients[i % 2].post("/leads", json=lead).json()["outcome"]

            with ThreadPoolExecutor(max_workers=40) as pool:
                outcomes = list(pool.map(post, range(LEADS)))
            metrics = [metric_samples(c.get("/metrics").text) for c in clients]

    assert outcomes == ["success"] * LEADS
    assert sim.journal(tenant=tenant.tenant_id, status="429") == []
    writes = sorted(
        entry["time"]
        for entry in sim.journal(tenant=tenant.tenant_id, status="200,201")
        if entry["path"] == "/crm/rest/v2/contacts"
    )
    assert len(writes) == LEADS
    per_minute = (len(writes) - 1) / (writes[-1] - writes[0]) * 60
    print(f"two instances: {per_minute:.1f} requests per simulated minute (N = {N})")
    assert per_minute >= 0.9 * N, f"{per_minute:.0f} requests a minute, N = {N}"
    assert per_minute <= N
    # The seed token expired mid-run: both instances got 401s, one of them refreshed.
    assert sim.journal(status="401"), "the token never expired"
    assert len(sim.journal(path="/token")) == 1
    assert sum(m["keap_connector_token_refreshes_total"] for m in metrics) == 1
    assert sum(m["keap_connector_throttled_responses_total"] for m in metrics) == 0
    assert [m['keap_connector_deliveries_total{outcome="success"}'] for m in metrics] == [
        LEADS / 2,
        LEADS / 2,
    ]


def test_two_instances_share_a_redis_queue(sim: Keapsim, tmp_path: Path) -> None:
    tenant = sim.tenant(throttle=False)
    with redis_server(tmp_path / "redis") as redis_url:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            write_flow(
                tmp_path / name / "flow.yaml",
                sim,
                tenant,
                serve={"redis_url": redis_url, "queue_backend": "redis"},
            )
        args = ("-c", "flow.yaml", "--mode", "queue", "--log-db", "log.sqlite3")
        with (
            serving(tmp_path / "a", *args) as a,
            serving(tmp_path / "b", *args) as b,
            a.client() as to_a,
            b.client() as to_b,
        ):
            clients = [to_a, to_b]
            leads = [
                {"email": f"rq{i % 40}@example.com", "first_name": f"R{i}"} for i in range(120)
            ]
            ids = [
                clients[i % 2].post("/leads", json=lead).json()["id"]
                for i, lead in enumerate(leads)
            ]
            deadline = time.monotonic() + 60
            while to_a.get("/healthz").json()["queue_depth"] and time.monotonic() < deadline:
                time.sleep(0.05)
            # Either instance answers for any lead: the queue is one.
            statuses = [
                clients[(i + 1) % 2].get(f"/leads/{lead_id}").json()
                for i, lead_id in enumerate(ids)
            ]
            delivered = [metric_samples(c.get("/metrics").text) for c in clients]
    assert {s["outcome"] for s in statuses} == {"success"}
    # Three leads per address, never two at once: one create, then two updates of that contact.
    assert sim.contact_writes(tenant.tenant_id) == {f"rq{i}@example.com": 3 for i in range(40)}
    assert sorted(s["duplicate"] for s in statuses).count(False) == 40
    assert sum(m['keap_connector_deliveries_total{outcome="success"}'] for m in delivered) == 120

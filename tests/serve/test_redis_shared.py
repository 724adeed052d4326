"""What instances share through a real ``redis-server``: the rate limiter, the OAuth token pair
and (optionally) the queue. The simulator runs in-process; Redis is a process on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
from batch.simhelpers import contact_writes
from support.serve_helpers import flow

from connector import parse_config
from connector.batch.ledger import LeadResult
from connector.serve.deliverer import LeadDeliverer, build_connector
from connector.serve.metrics import ServeMetrics
from connector.serve.redis_queue import RedisQueue
from connector.serve.shared import SharedOAuth, SharedTokenBucket
from connector.serve.worker import QueueWorkers

from .processes import redis_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def rclient(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


def test_two_buckets_on_one_key_share_one_rate(rclient: redis.Redis) -> None:
    rate, burst = 100.0, 2
    buckets = [SharedTokenBucket(rclient, "t:rate", rate, burst) for _ in range(2)]
    stamps: list[float] = []
    lock = threading.Lock()

    def take(bucket: SharedTokenBucket) -> None:
        for _ in range(50):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(take, [buckets[0], buckets[1], buckets[0], buckets[1]]))
    stamps.sort()
    # Never more than a second's rate plus the burst in any second, across both "instances".
    # The stamps are taken after acquire returns, so a thread the GIL held back lands later
    # than Redis granted it: 3% covers that jitter (a limiter that did not share would allow
    # twice the rate).
    most = max(sum(1 for t in stamps[i:] if t - s < 1.0) for i, s in enumerate(stamps))
    assert most <= (rate + burst) * 1.03
    assert stamps[-1] - stamps[0] >= (len(stamps) - burst) / rate * 0.95


def _oauth_flow(sim: Any, tenant: Any, tmp_path: Path, name: str, url: str) -> Any:
    credentials = {
        "type": "oauth",
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
        "access_token": tenant.access_token,
        "refresh_token": tenant.refresh_token,
        "token_store": str(tmp_path / f"{name}-tokens.json"),  # each host has its own file
    }
    data = flow(sim.base_url, tenant, keap={"credentials": credentials})
    data["serve"]["redis_url"] = url
    return parse_config(data)


def test_two_instances_refresh_an_expired_token_once(
    sim: Any, tenant: Any, tmp_path: Path, rclient: redis.Redis, redis_url: str
) -> None:
    connectors = []
    for name in ("a", "b"):
        config = _oauth_flow(sim, tenant, tmp_path, name, redis_url)
        connector, _ = build_connector(
            config, ServeMetrics(), redis_client=rclient, transport=sim.transport()
        )
        assert isinstance(connector.client.auth, SharedOAuth)
        connectors.append(connector)
    assert connectors[0].deliver({"email": "warm@example.com"}).ok
    sim.clock.advance(86_400 + 60)  # the access token expires for everyone

    def deliver(i: int) -> bool:
        return connectors[i % 2].deliver({"email": f"after{i}@example.com"}).ok

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(pool.map(deliver, range(32)))
    assert sim.journal.count(method="POST", path="/token") == 1
    refreshed = [c.client.auth.refresh_count for c in connectors]
    assert sorted(refreshed) == [0, 1]
    for connector in connectors:
        connector.close()


def _deliverer(sim: Any, tenant: Any, rclient: redis.Redis, url: str) -> LeadDeliverer:
    data = flow(sim.base_url, tenant)
    data["serve"].update(redis_url=url, queue_backend="redis")
    metrics = ServeMetrics()
    connector, meter = build_connector(
        parse_config(data), metrics, redis_client=rclient, transport=sim.transport()
    )
    return LeadDeliverer(connector, meter, metrics, log=None, run_id="redis-test")


def test_the_redis_queue_keeps_an_address_to_one_instance_at_a_time(
    rclient: redis.Redis,
) -> None:
    a = RedisQueue(rclient, "t", instance="a")
    b = RedisQueue(rclient, "t", instance="b")
    try:
        first = a.enqueue({"email": "same@example.com"}, "same@example.com").id
        a.enqueue({"email": "same@example.com", "first_name": "Later"}, "same@example.com")
        other = a.enqueue({"email": "other@example.com"}, "other@example.com").id
        job = a.claim(set())
        assert job is not None and job.id == first
        taken = b.claim(set())
        assert taken is not None and taken.id == other  # the busy address's next lead waits
        assert b.claim(set()) is None
        a.finish(job, LeadResult(line=0, key=job.id, outcome="success", contact_id="1"))
        later = b.claim(set())
        assert later is not None and later.lead["first_name"] == "Later"
        assert a.status(first)["outcome"] == "success"  # type: ignore[index]
        assert a.depth() == 2  # two in flight at b
    finally:
        a.close()
        b.close()


def test_a_dead_instances_leads_are_adopted_and_delivered_once(
    sim: Any, tenant: Any, rclient: redis.Redis, redis_url: str
) -> None:
    dead = RedisQueue(rclient, "t", instance="dead")
    ids = [dead.enqueue({"email": f"r{i}@example.com"}, f"r{i}@example.com").id for i in range(5)]
    job = dead.claim(set())
    assert job is not None
    deliverer = _deliverer(sim, tenant, rclient, redis_url)
    deliverer.connector.deliver(job.lead)  # its write reached Keap, then the instance died
    dead._stop.set()
    rclient.delete("t:queue:alive:dead")  # its heartbeat expired

    alive = RedisQueue(rclient, "t", instance="alive")
    workers = QueueWorkers(alive, deliverer, workers=2).start()
    try:
        deadline = time.monotonic() + 10
        while alive.depth() and time.monotonic() < deadline:
            time.sleep(0.02)
        statuses = [alive.status(i) for i in ids]
    finally:
        workers.stop()
        alive.close()
        deliverer.connector.close()
    assert [s["status"] for s in statuses] == ["done"] * 5  # type: ignore[index]
    assert [s["reason"] for s in statuses].count("reconciled after an interrupted run") == 1  # type: ignore[index]
    assert contact_writes(sim, tenant.tenant_id) == {f"r{i}@example.com": 1 for i in range(5)}

"""``keap-connector serve`` as a process against ``keapsim serve`` as a process."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from batch.leadgen import make_leads

from connector import Connector, load_config
from connector.report import DeliveryLog
from connector.result import RECONCILED

from .processes import Keapsim, keapsim, metric_samples, serving, start_serve, write_flow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Any:
    with keapsim("--throttle", "off") as server:
        yield server


def _post_all(client: httpx.Client, leads: list[dict[str, str]], workers: int) -> list[Any]:
    def post(lead: dict[str, str]) -> Any:
        return client.post("/leads", json=lead)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(post, leads))


def _by_email(rows: list[dict[str, str]], answers: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Per e-mail address: its leads' (outcome, reason, has a contact id) and duplicate flags."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for row, answer in zip(rows, answers, strict=True):
        key = row.get("email", "").lower() or f"(none) {row.get('first_name')}"
        groups[key].append((answer["outcome"], answer["reason"], answer["contact_id"] is not None))
    return {k: sorted(v) for k, v in groups.items()}


def test_200_concurrent_leads_get_the_outcomes_of_deliver(sim: Keapsim, tmp_path: Path) -> None:
    leads = make_leads(200, seed=17, duplicates=20, invalid=10, skips=6).rows
    served_tenant = sim.tenant(throttle=False)
    direct_tenant = sim.tenant(throttle=False)
    write_flow(tmp_path / "flow.yaml", sim, served_tenant)
    with serving(tmp_path, "-c", "flow.yaml", "--log-db", "log.sqlite3", "--threads", "32") as s:
        with s.client() as client:
            responses = _post_all(client, leads, workers=32)
            assert {r.status_code for r in responses} == {200}
            metrics = metric_samples(client.get("/metrics").text)
    served = [r.json() for r in responses]
    assert all(set(a) == {"outcome", "reason", "contact_id", "duplicate"} for a in served)

    write_flow(tmp_path / "direct.yaml", sim, direct_tenant)
    with Connector(load_config(tmp_path / "direct.yaml")) as connector:
        direct = [connector.deliver(lead) for lead in leads]
    direct_answers = [
        {"outcome": r.outcome.value, "reason": r.reason, "contact_id": r.contact_id} for r in direct
    ]
    assert _by_email(leads, served) == _by_email(leads, direct_answers)
    assert Counter(a["outcome"] for a in served) == Counter(r.outcome.value for r in direct)
    # Leads sharing an address: one contact, created once, matched after that.
    emails = Counter(row["email"].lower() for row in leads if row["email"])
    for email, n in emails.items():
        group = [a for row, a in zip(leads, served, strict=True) if row["email"].lower() == email]
        ok = [a for a in group if a["outcome"] == "success"]
        assert len({a["contact_id"] for a in ok}) <= 1, email
        if ok and n > 1:
            assert sorted(a["duplicate"] for a in ok) == [False] + [True] * (len(ok) - 1)
    # The counters of /metrics are the delivery log's rows.
    with DeliveryLog(tmp_path / "log.sqlite3") as log:
        logged = Counter(entry.outcome for entry in log.entries())
        duplicates = sum(1 for entry in log.entries() if entry.duplicate)
    assert sum(logged.values()) == 200
    for outcome in ("success", "failure", "error", "skip"):
        assert metrics[f'keap_connector_deliveries_total{{outcome="{outcome}"}}'] == logged[outcome]
    assert metrics["keap_connector_duplicates_total"] == duplicates


def _wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_queue_mode_survives_kill_9_mid_burst(sim: Keapsim, tmp_path: Path) -> None:
    tenant = sim.tenant(throttle=False)
    # Slow contact writes: leads are surely in flight (their writes on the way) at the kill.
    sim.fault(
        effect="delay",
        latency=0.15,
        method="POST",
        path="/crm/rest/v2/contacts",
        tenant=tenant.tenant_id,
    )
    write_flow(tmp_path / "flow.yaml", sim, tenant)
    leads = [{"email": f"burst{i}@example.com", "first_name": f"B{i}"} for i in range(300)]
    args = (
        "-c",
        "flow.yaml",
        "--mode",
        "queue",
        "--queue-db",
        "queue.sqlite3",
        "--log-db",
        "log.sqlite3",
        "--workers",
        "6",
    )
    first = start_serve(tmp_path, *args, name="first")
    accepted: dict[str, str] = {}  # lead id -> e-mail
    try:
        with first.client() as client:

            def post(lead: dict[str, str]) -> None:
                try:
                    response = client.post("/leads", json=lead)
                except httpx.HTTPError:
                    return  # the server died under this request: not accepted
                if response.status_code == 202:
                    accepted[response.json()["id"]] = lead["email"]

            with ThreadPoolExecutor(max_workers=8) as pool:
                futures = [pool.submit(post, lead) for lead in leads]
                # Kill while leads are still arriving and some were delivered.
                _wait_until(lambda: len(accepted) >= 150, 60, "150 leads never accepted")
                with DeliveryLog(tmp_path / "log.sqlite3") as log:
                    _wait_until(lambda: log.count() >= 10, 60, "nothing delivered before the kill")
                first.kill()
                for future in futures:
                    future.result()
    finally:
        if first.process.poll() is None:
            first.kill()
    assert 150 <= len(accepted) < 300

    with serving(tmp_path, *args, name="second") as second, second.client() as client:

        def all_done() -> bool:
            return client.get("/healthz").json()["queue_depth"] == 0

        _wait_until(all_done, 120, "the restarted instance did not drain the queue")
        statuses = {lead_id: client.get(f"/leads/{lead_id}").json() for lead_id in accepted}
    assert {s["status"] for s in statuses.values()} == {"done"}
    assert {s["outcome"] for s in statuses.values()} == {"success"}
    reconciled = [s for s in statuses.values() if s["reason"] == RECONCILED]
    assert reconciled, "no lead was in flight at the kill: the test proved nothing"
    # Keap saw exactly one contact write per accepted lead. (A lead whose 202 the kill cut off
    # may have been queued all the same: it is delivered too, once.)
    writes = sim.contact_writes(tenant.tenant_id)
    assert all(writes[email] == 1 for email in accepted.values())
    assert set(writes.values()) == {1}

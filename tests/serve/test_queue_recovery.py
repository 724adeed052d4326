"""Queue mode after a crash: the leads left in flight follow ``--resume``'s rules.

A crash is made by hand: a lead is claimed (marked in flight, as a worker does before its first
request) and the queue closed without a result; the contact write may or may not be done
first. A new queue on the same file, with its workers, must then deliver each lead exactly
once, counted in the simulator's journal.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from batch.simhelpers import contact_writes
from support.serve_helpers import Served, flow

from connector import Connector, parse_config
from connector.result import RECONCILED
from connector.serve.queue import QueueBusy, SqliteQueue


def _crash_with(path: Path, lead: dict[str, Any], *, written_by: Connector | None) -> str:
    """Queue ``lead``, claim it, maybe write its contact, and stop without a result."""
    queue = SqliteQueue(path)
    lead_id = queue.enqueue(lead, lead.get("email", "").lower()).id
    job = queue.claim(set())
    assert job is not None and job.id == lead_id
    if written_by is not None:
        assert written_by.deliver(lead).outcome == "success"
    queue.close()
    return lead_id


def _finish(served: Served, lead_id: str) -> dict[str, Any]:
    assert served.workers is not None
    served.workers.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = served.state.queue.status(lead_id)  # type: ignore[union-attr]
        if status and status["status"] == "done":
            return status
        time.sleep(0.01)
    raise AssertionError("not delivered after the restart")


def _connector(sim: Any, tenant: Any, **extra: Any) -> Connector:
    return Connector(parse_config(flow(sim.base_url, tenant, **extra)), transport=sim.transport())


def test_a_lead_whose_write_landed_is_reconciled_not_resent(
    serve_app: Any, sim: Any, tenant: Any, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    lead = {"email": "landed@example.com", "first_name": "Landed"}
    lead_id = _crash_with(path, lead, written_by=_connector(sim, tenant))
    status = _finish(serve_app("queue", queue_path=path), lead_id)
    assert status["outcome"] == "success" and status["reason"] == RECONCILED
    assert contact_writes(sim, tenant.tenant_id) == {"landed@example.com": 1}


def test_a_lead_that_never_reached_keap_is_delivered(
    serve_app: Any, sim: Any, tenant: Any, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    lead_id = _crash_with(path, {"email": "lost@example.com"}, written_by=None)
    status = _finish(serve_app("queue", queue_path=path), lead_id)
    assert status["outcome"] == "success" and status["reason"] is None
    assert contact_writes(sim, tenant.tenant_id) == {"lost@example.com": 1}


def test_without_an_address_or_an_upsert_the_lead_is_left_for_a_person(
    serve_app: Any, sim: Any, tenant: Any, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    lead_id = _crash_with(path, {"phone_1": "+1 602 555 0143"}, written_by=None)
    served = serve_app("queue", queue_path=path, duplicates={"mode": "create_new"})
    status = _finish(served, lead_id)
    assert status["outcome"] == "error" and status["reason"].startswith("in doubt:")
    assert len(sim.journal) == 0  # nothing was sent
    assert served.log.count() == 0  # and nothing delivered, so nothing logged


def test_an_address_just_delivered_by_another_lead_is_resent_as_an_upsert(
    serve_app: Any, sim: Any, tenant: Any, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    queue = SqliteQueue(path)
    earlier = queue.enqueue({"email": "twice@example.com"}, "twice@example.com")
    job = queue.claim(set())
    assert job is not None and job.id == earlier.id
    result = _connector(sim, tenant).deliver(job.lead)
    from connector.batch.ledger import LeadResult

    queue.finish(job, LeadResult(line=0, key=job.id, outcome=result.outcome))
    queue.close()
    # A second lead of the address was in flight at the crash, written or not: Keap's record
    # of the first lead's write would look like its own, so it is re-sent (an upsert).
    lead_id = _crash_with(
        path, {"email": "twice@example.com", "first_name": "Second"}, written_by=None
    )
    status = _finish(serve_app("queue", queue_path=path), lead_id)
    assert status["outcome"] == "success" and status["reason"] is None
    assert status["duplicate"] is True
    assert contact_writes(sim, tenant.tenant_id) == {"twice@example.com": 2}


def test_a_queue_file_has_one_owner(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    owner = SqliteQueue(path)
    try:
        try:
            SqliteQueue(path)
        except QueueBusy as exc:
            assert "another keap-connector serve" in str(exc)
        else:
            raise AssertionError("a second owner was allowed")
    finally:
        owner.close()
    SqliteQueue(path).close()  # free again once the owner closed it


def test_finished_leads_keep_no_lead_data(tmp_path: Path) -> None:
    import sqlite3

    from connector.batch.ledger import LeadResult

    queue = SqliteQueue(tmp_path / "q.sqlite3")
    lead_id = queue.enqueue({"email": "private@example.com"}, "private@example.com").id
    job = queue.claim(set())
    assert job is not None
    queue.finish(job, LeadResult(line=0, key=lead_id, outcome="success", contact_id="7"))
    queue.close()
    db = sqlite3.connect(tmp_path / "q.sqlite3")
    assert db.execute("SELECT lead FROM leads").fetchall() == [(None,)]
    db.close()

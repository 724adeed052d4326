"""Resume: in-doubt leads are looked up in Keap before they are sent again; the config alias."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.lead_files import lead, write_csv

from connector import Connector
from connector.batch import BatchOptions, BatchRunner, load_results, read_leads
from connector.batch.ledger import IN_DOUBT
from connector.config import ErrorBehaviour, parse_config
from connector.delivery import CLOCK_SKEW_MARGIN
from connector.result import RECONCILED, DeliveryResult, Outcome

from .fakes import FakeConnector

WRITES = {"v1": ("PUT", "/crm/rest/v1/contacts"), "v2": ("POST", "/crm/rest/v2/contacts")}


@pytest.fixture
def sim() -> Any:
    from keapsim import Simulator

    return Simulator()


@pytest.fixture(params=["v1", "v2"])
def connector(request: pytest.FixtureRequest, sim: Any) -> Iterator[Connector]:
    config = parse_config(
        {
            "keap": {
                "base_url": f"{sim.base_url}/crm/rest",
                "api_version": request.param,
                "credentials": {"type": "api_key", "api_key": sim.default_tenant.api_key},
            },
            "note": {"enabled": True},
        }
    )
    with Connector(config, transport=sim.transport()) as made:
        yield made


def _writes(sim: Any, connector: Connector) -> int:
    method, path = WRITES[connector.client.v]
    return sim.journal.count(method=method, path=path)


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_lead_whose_write_landed_is_reconciled_not_written_again(
    sim: Any, connector: Connector
) -> None:
    started = _now()
    first = connector.deliver({**lead(1), "comments": "call me"})
    assert first.outcome == "success" and _writes(sim, connector) == 1

    again = connector.deliver_in_doubt({**lead(1), "comments": "call me"}, started)
    assert again.outcome == "success" and again.reason == RECONCILED
    assert again.contact_id == first.contact_id and again.duplicate is False
    assert _writes(sim, connector) == 1  # no second contact write
    note = again.step("note")
    assert note is not None and note.status == "skipped"  # not idempotent: never re-sent
    assert sim.journal.count(method="POST", path="/crm/rest/v*/*notes") == 1
    assert any("note not re-sent" in w for w in again.warnings)


def test_a_lead_keap_has_not_seen_is_delivered(sim: Any, connector: Connector) -> None:
    result = connector.deliver_in_doubt(lead(2), _now())
    assert result.outcome == "success" and result.reason is None
    assert result.step("lookup") is not None and _writes(sim, connector) == 1


def test_a_contact_updated_before_the_lead_started_is_not_taken_for_its_write(
    sim: Any, connector: Connector
) -> None:
    earlier = connector.deliver(lead(3))
    # The lead started well after the contact's last update (beyond the clock-skew margin):
    # that update was someone else's, so the lead is delivered, as an upsert of that contact.
    started = _now() + CLOCK_SKEW_MARGIN + timedelta(seconds=1)
    result = connector.deliver_in_doubt(lead(3), started)
    assert result.outcome == "success" and result.reason is None
    assert result.contact_id == earlier.contact_id and result.duplicate is True
    assert _writes(sim, connector) == 2


def test_within_the_margin_a_contact_is_still_taken_for_the_write(
    sim: Any, connector: Connector
) -> None:
    # The stamp is ours, the update time Keap's: a client clock ahead of Keap's by less than
    # the margin still recognises its write.
    connector.deliver(lead(4))
    started = _now() + CLOCK_SKEW_MARGIN - timedelta(seconds=1)
    assert connector.deliver_in_doubt(lead(4), started).reason == RECONCILED
    assert _writes(sim, connector) == 1


class _Checking(FakeConnector):
    """A fake whose deliver_in_doubt finds lines listed in ``in_keap`` already delivered."""

    def __init__(self, in_keap: set[str]) -> None:
        super().__init__()
        self.in_keap = in_keap
        self.checked: dict[str, datetime] = {}

    def deliver_in_doubt(self, lead_: dict[str, Any], started_at: datetime) -> DeliveryResult:
        email = lead_["email"]
        with self.lock:
            self.checked[email] = started_at
        if email in self.in_keap:
            return DeliveryResult(Outcome.SUCCESS, reason=RECONCILED, contact_id="77")
        return self.deliver(lead_)


def test_runner_checks_in_doubt_leads_with_their_earliest_start(tmp_path: Path) -> None:
    rows = [lead(0), lead(1), lead(2, "shared@example.com"), lead(3, "shared@example.com")]
    src = read_leads(write_csv(tmp_path / "in.csv", rows))
    results = tmp_path / "r.jsonl"
    # Two killed runs: lead 0 started in both (the earlier stamp counts), leads 1 and 3 once.
    early, late = datetime(2026, 5, 1, 9, 0, tzinfo=UTC), datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    journal = [(0, late), (1, late), (3, late), (0, early)]
    (tmp_path / "r.jsonl.inflight").write_text(
        "".join(
            json.dumps({"key": src.records[i].key, "started": when.isoformat()}) + "\n"
            for i, when in journal
        )
    )
    fake = _Checking(in_keap={"lead0@example.com"})
    summary = BatchRunner(
        fake.deliver,
        src,
        results_path=results,
        dead_letter_path=tmp_path / "d.csv",
        options=BatchOptions(resume=True),
        deliver_in_doubt=fake.deliver_in_doubt,
    ).run()
    assert summary.counts == {"success": 4}
    assert summary.in_doubt_reconciled == 1 and summary.in_doubt_redelivered == 2
    # the shared address is not checked (its twin's write would look like its own): re-sent
    assert fake.checked == {"lead0@example.com": early, "lead1@example.com": late}
    assert "lead0@example.com" not in fake.calls  # found in Keap: not sent
    by_line = {r.line: r for r in load_results(results)}
    assert by_line[2].reason == RECONCILED and by_line[2].contact_id == "77"
    assert by_line[3].reason is None and fake.calls["lead1@example.com"] == 1


def test_error_behavior_is_accepted_as_the_name_of_on_error() -> None:
    keap = {"credentials": {"type": "api_key", "api_key": "k"}}
    assert parse_config({"keap": keap, "error_behavior": "stop"}).on_error is ErrorBehaviour.STOP
    assert parse_config({"keap": keap, "on_error": "stop"}).on_error is ErrorBehaviour.STOP
    assert parse_config({"keap": keap}).on_error is ErrorBehaviour.CONTINUE


def test_a_checked_lead_that_ends_in_error_stays_in_doubt_without_upserts(tmp_path: Path) -> None:
    src = read_leads(write_csv(tmp_path / "in.csv", [lead(0), lead(1)]))
    started = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    (tmp_path / "r.jsonl.inflight").write_text(
        json.dumps({"key": src.records[0].key, "started": started.isoformat()}) + "\n"
    )

    def lookup_fails(lead_: dict[str, Any], _started: datetime) -> DeliveryResult:
        return DeliveryResult(Outcome.ERROR, reason="Keap answered HTTP 503 after 6 attempt(s)")

    fake = FakeConnector(mode="create_new")
    reasons = []
    for _ in range(2):  # the second resume must not re-send it blindly either
        summary = BatchRunner(
            fake.deliver,
            read_leads(tmp_path / "in.csv"),
            results_path=tmp_path / "r.jsonl",
            dead_letter_path=tmp_path / "d.csv",
            options=BatchOptions(resume=True, redeliver_in_doubt=False),
            deliver_in_doubt=lookup_fails,
        ).run()
        assert summary.counts == {"success": 1, "error": 1}
        reasons.append(load_results(tmp_path / "r.jsonl")[0].reason)
    assert "lead0@example.com" not in fake.calls
    assert reasons[0] == f"{IN_DOUBT} Keap answered HTTP 503 after 6 attempt(s)"
    assert reasons[1].startswith(IN_DOUBT)
    assert [r.lead["email"] for r in read_leads(tmp_path / "d.csv")] == ["lead0@example.com"]

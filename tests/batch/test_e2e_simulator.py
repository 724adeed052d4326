"""End to end: the CLI in a subprocess delivers lead files to a keapsim server on loopback."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.batch import load_results, read_leads
from connector.batch.readers import lead_key
from connector.report import DeliveryLog

from .leadgen import make_leads
from .leadgen import write_csv as write_leads
from .simhelpers import (
    cli_in_process,
    contact_emails,
    contact_ids_by_email,
    contact_writes,
    run_cli,
    start_cli,
    wait_for_lines,
    write_flow,
)

pytestmark = pytest.mark.slow  # every test runs the CLI as a process against a served simulator


def _tenant(sim: Any, per_second: int | None = None) -> Any:
    from keapsim.config import Limits, Window

    if per_second is None:
        return sim.create_tenant(throttle=False)
    limits = Limits(oauth_app=Window(per_second=per_second), api_key=Window(), tenant=Window())
    return sim.create_tenant(throttle=True, limits=limits)


def _check_accounting(tmp: Path, source: Path, results_path: Path, dead_path: Path) -> list:
    """Every input lead has exactly one result; the dead letter holds exactly the errors."""
    src = read_leads(source)
    raw_lines = [json.loads(x) for x in results_path.read_text().splitlines()]
    assert len(raw_lines) == len(src.records)  # compacted: one line per lead
    results = load_results(results_path)
    assert [r.line for r in results] == [r.line for r in src.records]
    assert [r.key for r in results] == [r.key for r in src.records]
    errors = [r for r in results if r.outcome == "error"]
    if errors:
        dead = read_leads(dead_path)
        by_key = {r.key: r for r in src.records}
        expected = Counter(lead_key(by_key[r.key].lead, "") for r in errors)
        assert Counter(lead_key(r.lead, "") for r in dead.records) == expected
    else:
        assert not dead_path.exists()
    return results


def test_500_leads_with_duplicates_invalid_and_faults(sim_server: Any, tmp_path: Path) -> None:
    sim = sim_server.simulator
    creds = _tenant(sim, per_second=120)  # the connector asks for 300/s: real 429 bursts
    leads = make_leads(500, seed=11, duplicates=40, invalid=20, skips=5, broken=5)
    source = write_leads(tmp_path / "leads.csv", leads)
    write_flow(tmp_path / "flow.yaml", sim_server.url, creds, rps=300, burst=60)

    put = {"method": "PUT", "path": "/crm/rest/v1/contacts", "tenant": creds.tenant_id}
    rules = [
        # a 503 burst: leads retry through it
        sim.faults.add(canned="unavailable_503", after=40, times=30, **put),
        sim.faults.add(canned="throttled", after=120, times=10, **put),
        sim.faults.add(effect="drop", after=200, times=4, **put),
        # the response is lost after Keap created the contact: the retry must not duplicate
        sim.faults.add(effect="drop", apply_then_fail=True, after=260, times=4, **put),
        sim.faults.add(canned="expired_token", after=700, times=2, tenant=creds.tenant_id),
    ]
    # Keap stays down for three leads: they run out of retries and end in the dead letter.
    seen = Counter(row["email"].lower() for row in leads.rows)
    once = [
        row["email"]
        for row, kind in zip(leads.rows, leads.kinds, strict=True)
        if kind == "valid" and seen[row["email"]] == 1
    ]
    down_for = once[3:6]
    for email in down_for:
        sim.faults.add(canned="unavailable_503", body_contains=f'"{email}"', **put)

    results_path = tmp_path / "leads.results.jsonl"
    proc = start_cli(
        "deliver",
        "-c",
        "flow.yaml",
        "leads.csv",
        "--log-db",
        "log.sqlite3",
        "-j",
        "8",
        cwd=tmp_path,
    )
    # Midway, a day passes on the simulator's clock: the access token really expires.
    wait_for_lines(results_path, 250, proc)
    sim.clock.advance(86_400 + 60)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out  # done, some leads ended in error
    for rule in rules:
        assert rule.fired == rule.spec.times, rule.to_dict()

    results = _check_accounting(tmp_path, source, results_path, tmp_path / "leads.dead-letter.csv")
    src = read_leads(source)
    lead_by_line = {r.line: r.lead for r in src.records}
    by_line = {r.line: r for r in results}
    kinds = dict(zip([r.line for r in src.records], leads.kinds, strict=True))
    for line, kind in kinds.items():
        outcome = by_line[line].outcome
        if kind == "broken":
            assert outcome == "failure" and "invalid input" in (by_line[line].reason or "")
        elif kind == "invalid":
            assert outcome == "failure", by_line[line]
        elif kind == "skip":
            assert outcome == "skip"
        else:
            assert outcome in ("success", "error"), by_line[line]
    errors = [lead_by_line[r.line]["email"] for r in results if r.outcome == "error"]
    assert set(down_for) <= set(errors)
    ok = [r for r in results if r.outcome == "success"]
    assert len(ok) >= 400
    assert any(r.duplicate for r in ok)  # the file's duplicates matched existing contacts
    assert sum(r.attempts for r in ok) > 2 * len(ok)  # faults and 429s cost retries
    # Keap's response time is told apart from the connector's pacing and back-off sleeps
    assert all(r.response_ms is not None and r.response_ms <= r.latency_ms for r in ok)
    assert any(r.response_ms < r.latency_ms for r in ok)
    assert "Delivery summary" in out and "leads.results.jsonl" in out

    # No duplicate contacts; every success points at the one contact holding its e-mail.
    emails = contact_emails(sim, creds.tenant_id)
    assert emails and max(emails.values()) == 1
    ids = contact_ids_by_email(sim, creds.tenant_id)
    for r in ok:
        assert ids[lead_by_line[r.line]["email"].lower()] == r.contact_id
    valid_emails = {
        lead_by_line[r.line]["email"].lower() for r in results if r.outcome in ("success", "error")
    }
    assert set(emails) <= valid_emails

    # The delivery log saw every lead once, and the report adds up.
    with DeliveryLog(tmp_path / "log.sqlite3") as log:
        assert log.count() == 500
    rep = run_cli("report", "--format", "json", "--log-db", "log.sqlite3", cwd=tmp_path)
    total = json.loads(rep.stdout)["total"]
    assert total["total"] == 500
    assert total["successes"] == len(ok)
    assert total["skips"] == 5 and total["failures"] == 25

    # The dead letter can be delivered again as it is, once Keap is healthy.
    dead = tmp_path / "leads.dead-letter.csv"
    assert len(read_leads(dead)) == len(errors) >= 3
    sim.faults.clear()
    again = run_cli(
        "deliver",
        "-c",
        "flow.yaml",
        str(dead),
        "--log-db",
        "log.sqlite3",
        "--no-progress",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stdout
    emails = contact_emails(sim, creds.tenant_id)
    assert max(emails.values()) == 1 and {e.lower() for e in errors} <= set(emails)


def _kill_setup(
    sim_server: Any, tmp_path: Path, api_version: str, n: int = 200
) -> tuple[Any, Path]:
    sim = sim_server.simulator
    sim.journal.clear()  # the journal is a ring shared by the session: count this test only
    creds = _tenant(sim)
    leads = make_leads(n, seed=5)  # all valid and distinct
    write_leads(tmp_path / "leads.csv", leads)
    # ~2 requests per lead at 120/s: about 60 leads/s, so the batch is still running when killed
    write_flow(
        tmp_path / "flow.yaml", sim_server.url, creds, rps=120, burst=10, api_version=api_version
    )
    return creds, tmp_path / "leads.results.jsonl"


def _emails_by_line(source: Path) -> dict[int, str]:
    return {r.line: r.lead["email"].lower() for r in read_leads(source).records if r.lead}


def _log_rows_by_line(db: Path) -> Counter[int]:
    with DeliveryLog(db) as log:
        return Counter(e.line for e in log.entries() if e.line is not None)


def test_sigint_stops_cleanly_and_resume_finishes(sim_server: Any, tmp_path: Path) -> None:
    sim = sim_server.simulator
    creds, results_path = _kill_setup(sim_server, tmp_path, "v1")
    args = ("deliver", "-c", "flow.yaml", "leads.csv", "--log-db", "log.sqlite3", "-j", "4")
    # paced at 40 leads/s so the kill lands mid-batch even on a slow machine
    proc = start_cli(*args, "--max-rate", "40", cwd=tmp_path)
    wait_for_lines(results_path, 40, proc)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "SIGINT" in out and "--resume" in out

    first = load_results(results_path)
    assert len(first) == 200  # every lead recorded: delivered or not_delivered
    outcomes = Counter(r.outcome for r in first)
    assert set(outcomes) == {"success", "not_delivered"}
    delivered = outcomes["success"]
    assert 40 <= delivered < 200
    # in-flight leads finished: Keap received exactly the leads recorded as delivered, each
    # once, and not one of the leads recorded as not_delivered
    emails_by_line = _emails_by_line(tmp_path / "leads.csv")
    sent = {emails_by_line[r.line] for r in first if r.outcome == "success"}
    assert contact_writes(sim, creds.tenant_id) == Counter(dict.fromkeys(sent, 1))
    assert sum(contact_emails(sim, creds.tenant_id).values()) == delivered

    done = run_cli(*args, "--resume", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert f"{delivered} lead(s) were already delivered" in done.stdout
    final = load_results(results_path)
    assert [r.outcome for r in final] == ["success"] * 200
    emails = contact_emails(sim, creds.tenant_id)
    assert len(emails) == 200 and max(emails.values()) == 1
    # no lead was delivered twice: Keap saw one contact write per lead, and so did the log
    writes = contact_writes(sim, creds.tenant_id)
    assert writes == Counter(dict.fromkeys(emails_by_line.values(), 1))
    assert set(_log_rows_by_line(tmp_path / "log.sqlite3").values()) == {1}


def _wait_until(check: Any, proc: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, "the CLI ended before the kill"
        assert time.monotonic() < deadline, "the condition before the kill never held"
        time.sleep(0.005)


def test_sigkill_midway_then_resume_delivers_every_lead_exactly_once(
    sim_server: Any, tmp_path: Path
) -> None:
    sim = sim_server.simulator
    creds, results_path = _kill_setup(sim_server, tmp_path, "v2", n=40)
    tenant = sim.tenant(creds.tenant_id)
    tag = tenant.tags.create("Resumed batch")
    flow = yaml.safe_load((tmp_path / "flow.yaml").read_text())
    flow["tags"] = [tag.id]
    campaign = tenant.campaigns.create("Nurture", ["Welcome"])
    sequence = (campaign.id, campaign.sequences[0].id)
    flow["sequences"] = [{"campaign_id": sequence[0], "sequence_id": sequence[1]}]
    flow["note"] = {"enabled": True}
    (tmp_path / "flow.yaml").write_text(yaml.safe_dump(flow))
    # Every lead's contact write is answered at once, its tag request only after 0.4 s: each
    # worker spends nearly all its time between the contact write and its result, so the
    # leads in flight at the kill have surely reached Keap with their results lost.
    slow_tags = sim.faults.add(
        method="POST",
        path="/crm/rest/v2/tags/*/contacts:applyTags",
        tenant=creds.tenant_id,
        effect="delay",
        latency=0.4,
    )
    args = ("deliver", "-c", "flow.yaml", "leads.csv", "--log-db", "log.sqlite3", "-j", "4")
    proc = start_cli(*args, cwd=tmp_path)
    try:
        wait_for_lines(results_path, 8, proc)

        def four_written_unrecorded() -> bool:
            recorded = len(results_path.read_text().splitlines())
            return sum(contact_writes(sim, creds.tenant_id).values()) - recorded >= 4

        _wait_until(four_written_unrecorded, proc)
        proc.kill()  # SIGKILL: no chance to clean up
        proc.communicate(timeout=10)
    finally:
        sim.faults.remove(slow_tags.id)
    assert proc.returncode == -signal.SIGKILL

    emails_by_line = _emails_by_line(tmp_path / "leads.csv")
    before = {r.line for r in load_results(results_path) if r.outcome == "success"}
    journal = results_path.with_name(results_path.name + ".inflight")
    started = {json.loads(x)["line"] for x in journal.read_text().splitlines()}
    writes_before = contact_writes(sim, creds.tenant_id)
    # In doubt: started, no result, and Keap has its contact write (the lost answer).
    in_doubt = {line for line in started - before if emails_by_line[line] in writes_before}
    assert len(in_doubt) >= 4 and len(before) >= 8
    assert {emails_by_line[line] for line in before | in_doubt} == set(writes_before)

    done = run_cli(*args, "--resume", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert f"Found {len(in_doubt)} lead(s) that were in flight" in done.stdout
    final = load_results(results_path)
    assert [r.outcome for r in final] == ["success"] * 40
    assert not journal.exists()
    # Counted in Keap's request journal: one contact write per lead, the in-doubt ones included.
    writes = contact_writes(sim, creds.tenant_id)
    assert writes == Counter(dict.fromkeys(emails_by_line.values(), 1))
    emails = contact_emails(sim, creds.tenant_id)
    assert len(emails) == 40 and max(emails.values()) == 1
    # The in-doubt leads, and only they, are reported as reconciled, with the contact's id.
    ids = contact_ids_by_email(sim, creds.tenant_id)
    reconciled = {r.line: r for r in final if r.reason == "reconciled after an interrupted run"}
    assert set(reconciled) == in_doubt
    for line, res in reconciled.items():
        assert res.contact_id == ids[emails_by_line[line]] and res.duplicate is False
        steps = {s["name"]: s for s in res.details["steps"]}
        assert steps["contact"]["detail"].startswith("reconciled after an interrupted run")
        # re-applied: DUPLICATE if the killed run's delayed request got there first
        assert steps["tags"]["data"]["statuses"][str(tag.id)] in ("SUCCESS", "DUPLICATE")
        added = steps[f"sequence {sequence[0]}/{sequence[1]}"]["detail"]
        assert added in ("SUCCESS", "ALREADY_IN_SEQUENCE")
    # Follow-ups never doubled: every contact has the tag and the sequence once, no contact
    # has two notes (the note of a reconciled lead is not re-sent: missing, with a warning).
    for email, contact_id in ids.items():
        assert [t.id for t, _ in tenant.tags.of_contact(int(contact_id))] == [tag.id], email
        assert tenant.campaigns.sequences_of(int(contact_id)) == [sequence], email
    notes = Counter(
        e.path for e in sim.journal.find(method="POST", path="/crm/rest/v2/contacts/*/notes")
    )
    assert notes and max(notes.values()) == 1
    for res in reconciled.values():
        if res.details["steps"][-1]["name"] == "note":
            assert res.details["steps"][-1]["status"] == "skipped"
            assert any("note not re-sent" in w for w in res.details["warnings"])
    rows = _log_rows_by_line(tmp_path / "log.sqlite3")
    assert set(rows.values()) == {1} and set(rows) == set(emails_by_line)


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_test_connection_and_send_test_lead(
    sim_server: Any, tmp_path: Path, api_version: str
) -> None:
    from keapsim.seed import seed_tenant

    sim = sim_server.simulator
    creds = _tenant(sim)
    seed_tenant(sim.tenant(creds.tenant_id), contacts=0, faker_seed=1)
    flow = write_flow(
        tmp_path / "flow.yaml", sim_server.url, creds, auth="api_key", api_version=api_version
    )
    data = yaml.safe_load(flow.read_text())
    # a wrong key is reported as such, before anything else is looked at
    flow.write_text(
        yaml.safe_dump(
            {
                **data,
                "keap": {
                    **data["keap"],
                    "credentials": {"type": "api_key", "api_key": "not-the-key"},
                },
            }
        )
    )
    refused = cli_in_process(tmp_path, "test-connection", "-c", "flow.yaml")
    assert refused.returncode == 1 and "Credential: failed" in refused.stdout, refused.stdout
    data["tags"] = [1, 99999, "{{ lead.tag }}"]
    data["sequences"] = [
        {"campaign_id": 1, "sequence_id": 1},
        {"campaign_id": 1, "sequence_id": 777},
        {"campaign_id": 555, "sequence_id": 1},
    ]
    data["custom_fields"] = [
        {"field": "Lead Score", "value": "1"},
        {"field": "Favourite Colour", "value": "x"},
    ]
    data["contact"] = {"lead_source": "Website"}
    flow.write_text(yaml.safe_dump(data))
    res = cli_in_process(tmp_path, "test-connection", "-c", "flow.yaml", "--json")
    assert res.returncode == 1, res.stdout + res.stderr
    findings = json.loads(res.stdout)
    assert findings["credential"] == "ok"
    assert {t["name"] for t in findings["tags"]} >= {"New Lead", "Hot Lead"}
    assert [c["name"] for c in findings["campaigns"]][:1] == ["Welcome Series"]
    assert findings["campaigns"][0]["sequences"]
    assert "Website" in {s["name"] for s in findings["lead_sources"]}
    assert "Lead Score" in {f["label"] for f in findings["custom_fields"]}
    assert findings["problems"] == [
        "tags[1]: tag id 99999 does not exist in Keap",
        "sequences[1]: sequence 777 is not in campaign 1 (Welcome Series)",
        "sequences[2]: campaign 555 does not exist in Keap",
        "custom_fields[1]: custom field label 'Favourite Colour' does not exist in Keap",
    ]
    assert any("tags[2] is a template" in n for n in findings["notes"])
    human = cli_in_process(tmp_path, "test-connection", "-c", "flow.yaml")
    assert "Credential: ok" in human.stdout and "tag id 99999 does not exist" in human.stdout

    # a flow with only existing references passes, and the test lead lands in Keap
    data["tags"], data["sequences"] = [1], [{"campaign_id": 1, "sequence_id": 1}]
    data["custom_fields"] = [{"field": "Campaign Code", "value": "{{ lead.utm_campaign }}"}]
    data["note"] = {"enabled": False}
    flow.write_text(yaml.safe_dump(data))
    assert cli_in_process(tmp_path, "test-connection", "-c", "flow.yaml").returncode == 0
    sent = cli_in_process(tmp_path, "send-test-lead", "-c", "flow.yaml", "--log-db", "log.sqlite3")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "outcome success" in sent.stdout and "What Keap now holds" in sent.stdout
    assert '"given_name": "Test"' in sent.stdout
    assert contact_emails(sim, creds.tenant_id) == Counter({"test.lead@example.com": 1})
    with DeliveryLog(tmp_path / "log.sqlite3") as log:
        assert [(e.source, e.run_id) for e in log.entries()] == [("send-test-lead",) * 2]


def test_expired_token_is_refreshed_mid_batch(sim_server: Any, tmp_path: Path) -> None:
    """A day passes on Keap's clock during the batch: the connector refreshes and carries on."""
    sim = sim_server.simulator
    creds = _tenant(sim)
    write_leads(tmp_path / "leads.csv", make_leads(60, seed=3))
    write_flow(tmp_path / "flow.yaml", sim_server.url, creds, rps=60, burst=5)
    proc = start_cli(
        "deliver", "-c", "flow.yaml", "leads.csv", "--no-log", "--max-rate", "30", cwd=tmp_path
    )
    wait_for_lines(tmp_path / "leads.results.jsonl", 10, proc)
    threading.Thread(target=sim.clock.advance, args=(86_460,)).start()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    tokens = json.loads((tmp_path / "tokens.json").read_text())
    assert json.dumps(tokens).count(creds.refresh_token) == 0  # rotated
    assert len(contact_emails(sim, creds.tenant_id)) == 60


def test_workers_share_the_flows_rate_limit(sim_server: Any, tmp_path: Path) -> None:
    """Eight workers, one rate limit: Keap never sees more than the flow allows."""
    sim = sim_server.simulator
    sim.journal.clear()
    creds = _tenant(sim)
    write_leads(tmp_path / "leads.csv", make_leads(60, seed=9))
    rps, burst = 40, 5
    write_flow(tmp_path / "flow.yaml", sim_server.url, creds, rps=rps, burst=burst)
    res = run_cli(
        "deliver",
        "-c",
        "flow.yaml",
        "leads.csv",
        "--no-log",
        "--no-progress",
        "-j",
        "8",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stdout
    assert len(contact_writes(sim, creds.tenant_id)) == 60
    times = sorted(e.time for e in sim.journal.find(tenant=creds.tenant_id))
    assert len(times) >= 60
    # a token bucket allows at most burst + rate * T requests in any window of T seconds
    busiest = max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))
    # +8: the journal stamps arrival at the server, and on a loaded machine requests that left
    # the client paced can reach the server bunched (a limiter-free run sends hundreds a second).
    assert busiest <= burst + rps + 8, busiest
    assert times[-1] - times[0] >= (len(times) - burst) / rps * 0.9


def test_on_error_stop_ends_the_batch_at_the_first_error(sim_server: Any, tmp_path: Path) -> None:
    sim = sim_server.simulator
    creds = _tenant(sim)
    leads = make_leads(30, seed=4)
    write_leads(tmp_path / "leads.csv", leads)
    write_flow(tmp_path / "flow.yaml", sim_server.url, creds, on_error="stop")
    down = leads.rows[9]["email"]  # line 11: Keap answers 503 for this lead, every time
    sim.faults.add(
        canned="unavailable_503", body_contains=f'"{down}"', method="PUT", tenant=creds.tenant_id
    )
    res = cli_in_process(tmp_path, "deliver", "-c", "flow.yaml", "leads.csv", "--no-log", "-j1")
    assert res.returncode == 3, res.stdout
    assert "stopped at the first error (on_error: stop): line 11: Keap answered HTTP 503" in (
        res.stdout
    )
    assert "20 lead(s) were not sent. Run the same command with --resume" in res.stdout
    results = load_results(tmp_path / "leads.results.jsonl")
    assert [r.outcome for r in results] == ["success"] * 9 + ["error"] + ["not_delivered"] * 20
    assert len(contact_emails(sim, creds.tenant_id)) == 9

"""OAuth refresh, throttling, retries, 409 handling and threads, against the simulator."""

from __future__ import annotations

import json
import stat
import threading

import pytest
from conftest import GUIDE_LEAD, flow

from connector import Connector, parse_config

try:
    from keapsim import Limits, Window
except ImportError:  # pragma: no cover
    Limits = Window = None


class RecordingSleep:
    """Sleeps on the simulator's clock and remembers each wait."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
        self.sim.clock.advance(seconds)


def build(sim, version="v2", sleep=None, **extra) -> Connector:
    return Connector(
        parse_config(flow(sim, version, **extra)),
        transport=sim.transport(),
        sleep=sleep or sim.clock.advance,
        clock=sim.clock.time,
    )


def key_of(creds) -> dict:
    return {"credentials": {"type": "api_key", "api_key": creds.api_key}}


# -- 409 from the guide profile ----------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_guide_409_on_create_is_handled_as_update(version, sim):
    guide = sim.create_tenant(profile="guide")
    connector = build(sim, version, keap=key_of(guide), duplicates={"mode": "create_new"})
    first = connector.deliver(GUIDE_LEAD)
    second = connector.deliver({**GUIDE_LEAD, "title": "Countess"})
    assert first.outcome == "success" and first.duplicate is False
    assert second.outcome == "success" and second.duplicate is True
    assert second.contact_id == first.contact_id
    assert [s.http_status for s in second.steps if s.name == "contact"][0] == 409
    tenant = sim.tenant(guide.tenant_id)
    assert tenant.get_contact(int(first.contact_id)).job_title == "Countess"
    assert len(tenant.find_by_email(GUIDE_LEAD["email"])) == 1
    # the id came from the 409 body: no look-up by email was needed
    assert sim.journal.find(method="GET", path=f"/crm/rest/{version}/contacts") == []


def test_guide_409_with_skip_existing_is_a_skip(sim):
    guide = sim.create_tenant(profile="guide")
    first = build(sim, keap=key_of(guide)).deliver(GUIDE_LEAD)
    # the look-up misses (as if another process created the contact meanwhile, simulated by a
    # fault rule); the create then answers 409, which still means "exists": skip, not update
    skipper = build(sim, keap=key_of(guide), duplicates={"mode": "skip_existing"})
    sim.faults.add(
        method="GET", path="/crm/rest/v2/contacts", status=200, response={"contacts": []}
    )
    result = skipper.deliver(GUIDE_LEAD)
    assert result.outcome == "skip" and result.contact_id == first.contact_id


def test_409_body_without_id_falls_back_to_email_lookup(sim):
    existing = build(sim).deliver(GUIDE_LEAD)
    sim.faults.add(
        method="POST", path="/crm/rest/v2/contacts", status=409, response={"oops": True}, times=1
    )
    result = build(sim, duplicates={"mode": "create_new"}).deliver(GUIDE_LEAD)
    assert result.outcome == "success" and result.duplicate is True
    assert result.contact_id == existing.contact_id


# -- OAuth --------------------------------------------------------------------------------------
def oauth_flow(sim, tmp_path, creds=None):
    creds = creds or sim.default_tenant
    return {
        "credentials": {
            "type": "oauth",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "token_store": str(tmp_path / "tokens.json"),
            "access_token": creds.access_token,
            "refresh_token": creds.refresh_token,
        }
    }


def test_oauth_refreshes_once_on_401_after_expiry_and_persists_rotation(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    assert connector.deliver(GUIDE_LEAD).outcome == "success"
    store = tmp_path / "tokens.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    seeded = json.loads(store.read_text())

    sim.clock.advance(86_400 + 60)  # the 24 h access token has expired
    result = connector.deliver({**GUIDE_LEAD, "email": "after-expiry@example.com"})
    assert result.outcome == "success", result.reason
    rotated = json.loads(store.read_text())
    assert rotated["refresh_token"] != seeded["refresh_token"]
    assert rotated["access_token"] != seeded["access_token"]
    assert connector.client.auth.refresh_count == 1
    assert len(sim.journal.find(method="POST", path="/token")) == 1


def test_oauth_refreshes_before_expiry_without_a_401(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    sim.clock.advance(86_400 + 60)
    connector.deliver(GUIDE_LEAD)  # learns expires_in from the refresh
    sim.clock.advance(86_400 - 120)  # inside the 5-minute refresh margin
    before_401s = len(sim.journal.find(status=401))
    assert connector.deliver(GUIDE_LEAD).outcome == "success"
    assert connector.client.auth.refresh_count == 2
    assert len(sim.journal.find(status=401)) == before_401s  # proactive: no 401 this time


def test_threads_share_one_refresh(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    sim.clock.advance(86_400 + 60)
    results = []

    def work(i):
        results.append(connector.deliver({**GUIDE_LEAD, "email": f"t{i}@example.com"}))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [r.outcome for r in results] == ["success"] * 6
    assert connector.client.auth.refresh_count == 1  # a refresh token works only once


def test_used_refresh_token_is_an_error_asking_to_reauthorise(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    sim.clock.advance(86_400 + 60)
    connector.deliver(GUIDE_LEAD)  # rotates the refresh token
    stale = json.loads((tmp_path / "tokens.json").read_text())
    stale["refresh_token"] = sim.default_tenant.refresh_token  # the already-used one
    stale["access_token"] = "expired"
    (tmp_path / "tokens.json").write_text(json.dumps(stale))
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "error"
    assert "re-authorise" in result.reason


# -- throttling and retries --------------------------------------------------------------------
def test_spike_limit_is_respected_without_429s(sim):
    connector = build(sim)
    for i in range(6):
        assert connector.deliver({**GUIDE_LEAD, "email": f"s{i}@example.com"}).outcome == "success"
    assert sim.journal.find(status=429) == []


def test_paces_before_the_minute_window_runs_out(sim):
    small = sim.create_tenant(limits=Limits(api_key=Window(per_second=10, per_minute=30)))
    sleep = RecordingSleep(sim)
    connector = build(sim, keap=key_of(small), sleep=sleep)
    outcomes = [
        connector.deliver({**GUIDE_LEAD, "email": f"p{i}@example.com"}).outcome for i in range(12)
    ]
    assert outcomes == ["success"] * 12
    assert sim.journal.find(status=429) == []  # slowed down instead of hitting the limit
    assert connector.client.governor.interval == pytest.approx(2.0)  # 30/minute sustained


def test_429_is_retried_with_backoff(sim):
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", canned="throttled", times=2)
    sleep = RecordingSleep(sim)
    result = build(sim, sleep=sleep).deliver(GUIDE_LEAD)
    assert result.outcome == "success"
    posts = sim.journal.find(method="POST", path="/crm/rest/v2/contacts")
    assert [e.status for e in posts] == [429, 429, 201]
    assert result.attempts == len(sim.journal)  # every HTTP attempt of the lead is counted
    assert len([w for w in sleep.waits if w >= 1.0]) >= 2  # 429: at least Keap's 1 s window


def test_guide_503_honours_retry_after(sim):
    guide = sim.create_tenant(
        profile="guide", limits=Limits(api_key=Window(per_second=10, per_minute=3))
    )
    sleep = RecordingSleep(sim)
    connector = build(sim, keap={**key_of(guide), "rate_limit": {"low_water": 0}}, sleep=sleep)
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    answered = sim.journal.find(status=503)
    assert answered, "the guide profile should have answered 503 over the limit"
    headers = {k.lower(): v for k, v in answered[0].response_headers.items()}
    retry_after = float(headers["retry-after"])
    assert retry_after in sleep.waits


def test_persistent_500_is_an_error_after_three_attempts(sim):
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", status=500)
    result = build(sim).deliver(GUIDE_LEAD)
    assert result.outcome == "error"
    assert "HTTP 500" in result.reason and "3 attempt" in result.reason
    assert result.attempts == 3
    assert GUIDE_LEAD["email"] not in result.reason


def test_dropped_connection_is_retried(sim):
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", effect="drop", times=1)
    result = build(sim).deliver(GUIDE_LEAD)
    assert result.outcome == "success" and result.attempts >= 2


def test_follow_up_transport_error_says_the_contact_is_saved(sim, seed):
    sim.faults.add(method="POST", path="/crm/rest/v2/tags/*", status=503)
    result = build(sim, tags=[seed.tag_web]).deliver(GUIDE_LEAD)
    assert result.outcome == "error"
    assert result.reason.startswith("contact saved")
    assert result.contact_id is not None
    again = build(sim, tags=[seed.tag_web])
    sim.faults.clear()
    retry = again.deliver(GUIDE_LEAD)  # a retry is an upsert, not a second contact
    assert retry.outcome == "success" and retry.contact_id == result.contact_id


def test_many_threads_one_contact_per_email(sim):
    connector = build(sim)
    results = []
    lock = threading.Lock()

    def work(i):
        for lead in ({**GUIDE_LEAD, "email": f"w{i}@example.com"}, GUIDE_LEAD):
            r = connector.deliver(lead)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {r.outcome for r in results} == {"success"}
    assert len(sim.tenant().find_by_email(GUIDE_LEAD["email"])) == 1
    shared = [r for r in results if r.contact_id and r.duplicate is False]
    assert len(shared) == 9  # 8 distinct emails + the shared one created exactly once


def test_exhausted_daily_quota_stops_sending(sim):
    tiny = sim.create_tenant(limits=Limits(api_key=Window(per_second=10, per_day=12)))
    connector = build(sim, keap={**key_of(tiny), "rate_limit": {"low_water": 0}})
    outcomes = [connector.deliver({**GUIDE_LEAD, "email": f"q{i}@example.com"}) for i in range(8)]
    assert outcomes[0].outcome == "success"
    last = outcomes[-1]
    assert last.outcome == "error" and "quota" in last.reason.lower()
    # once the headers showed zero left, the connector stopped asking
    assert len(sim.journal.find(status=429)) <= 1

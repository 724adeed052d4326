"""OAuth refresh, throttling, retries, 409 handling and threads, against the simulator."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import httpx
import pytest
from support.connector_flows import GUIDE_LEAD, flow

from connector import Connector, parse_config
from keapsim import Limits, Window


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
    assert tenant.contacts.get(int(first.contact_id)).job_title == "Countess"
    assert len(tenant.contacts.find_by_email(GUIDE_LEAD["email"])) == 1
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
    assert sim.journal.count(path="/token") == 1
    assert sim.journal.count(status=401) == 1  # the expired token was noticed once, then fixed


def test_oauth_refreshes_before_expiry_without_a_401(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    sim.clock.advance(86_400 + 60)
    connector.deliver(GUIDE_LEAD)  # learns expires_in from the refresh
    sim.clock.advance(86_400 - 120)  # inside the 5-minute refresh margin
    before_401s = len(sim.journal.find(status=401))
    assert connector.deliver(GUIDE_LEAD).outcome == "success"
    assert connector.client.auth.refresh_count == 2
    assert sim.journal.count(path="/token") == 2
    assert len(sim.journal.find(status=401)) == before_401s  # proactive: no 401 this time


class StoreWitness(httpx.BaseTransport):
    """Passes requests to the simulator; notes whether each bearer token was on disk first.

    A token counts as saved once a read of the token store has shown it: a thread may still
    send the previous token after another thread saved a newer one, which is fine.
    """

    def __init__(self, inner: httpx.BaseTransport, store: Path) -> None:
        self.inner = inner
        self.store = store
        self.saved: set[str] = set()
        self.unsaved_uses: list[str] = []
        self.bearer_uses = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            with self._lock:
                self.saved.add(json.loads(self.store.read_text())["access_token"])
                self.bearer_uses += 1
                if auth[7:] not in self.saved:
                    self.unsaved_uses.append(request.url.path)
        return self.inner.handle_request(request)


def run_threads(count: int, work) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def test_refresh_is_serialised_under_8_threads_and_saved_before_use(sim, tmp_path):
    witness = StoreWitness(sim.transport(), tmp_path / "tokens.json")
    connector = Connector(
        parse_config(flow(sim, keap=oauth_flow(sim, tmp_path))),
        transport=witness,
        sleep=sim.clock.advance,
        clock=sim.clock.time,
    )
    seeded = json.loads((tmp_path / "tokens.json").read_text())
    sim.clock.advance(86_400 + 60)  # every thread starts with an expired access token
    results = []
    run_threads(
        8, lambda i: results.append(connector.deliver({**GUIDE_LEAD, "email": f"t{i}@x.io"}))
    )

    assert [r.outcome for r in results] == ["success"] * 8, [r.reason for r in results]
    # a refresh token works only once: one refresh, and the rotated one was never reused
    assert sim.journal.count(path="/token") == 1
    assert sim.journal.count(path="/token", status=200) == 1
    assert connector.client.auth.refresh_count == 1
    rotated = json.loads((tmp_path / "tokens.json").read_text())
    assert rotated["refresh_token"] != seeded["refresh_token"]
    assert witness.bearer_uses > 8 and witness.unsaved_uses == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_token_expiring_mid_batch_is_recovered_by_one_refresh(version, sim, seed, tmp_path):
    connector = build(sim, version, keap=oauth_flow(sim, tmp_path), tags=[seed.tag_web])
    leads = [{**GUIDE_LEAD, "email": f"b{i}@example.com"} for i in range(5)]
    # 24 h pass between two requests in the middle of the batch (inside the second lead)
    sim.journal.after_requests(6, lambda: sim.clock.advance(86_400 + 60))
    results = connector.deliver_many(leads)

    assert [r.outcome for r in results] == ["success"] * 5, [r.reason for r in results]
    assert sim.journal.pending_hooks == 0
    assert sim.journal.count(path="/token") == 1
    assert sim.journal.count(status=401) == 1
    assert connector.client.auth.refresh_count == 1
    tenant = sim.tenant()
    for lead, result in zip(leads, results, strict=True):
        (contact,) = tenant.contacts.find_by_email(lead["email"])
        assert str(contact.id) == result.contact_id
        assert seed.tag_web in {tag.id for tag, _ in tenant.tags.of_contact(contact.id)}


def test_a_401_after_the_refresh_is_not_refreshed_again(sim, tmp_path):
    connector = build(sim, keap=oauth_flow(sim, tmp_path))
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", canned="invalid_token")
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "error" and "HTTP 401" in result.reason
    assert sim.journal.count(path="/token") == 1  # once on a 401, not once per 401
    assert sim.journal.count(method="POST", path="/crm/rest/v2/contacts") == 2


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


@pytest.mark.parametrize("status", [400, 404, 409])
def test_400_404_409_are_never_retried(status, sim):
    sim.faults.add(method="GET", path="/crm/rest/v2/contacts/model", status=status)
    check = build(sim).test_connection()
    assert check["ok"] is False and check["outcome"] == "failure" and check["status"] == status
    assert sim.journal.count(path="/crm/rest/v2/contacts/model") == 1


def test_429_and_503_bursts_across_threads_are_recovered(sim, seed):
    # Bursts shorter than the retry budget: whichever threads they hit, every lead recovers.
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", canned="throttled", times=5)
    sim.faults.add(method="POST", path="/crm/rest/v2/tags/*", canned="unavailable_503", times=5)
    retries = {"attempts": 6, "initial_delay": 0.2}
    connector = build(sim, keap={"retries": retries}, tags=[seed.tag_web])
    results = []
    run_threads(
        8, lambda i: results.append(connector.deliver({**GUIDE_LEAD, "email": f"u{i}@x.io"}))
    )

    assert [r.outcome for r in results] == ["success"] * 8, [r.reason for r in results]
    assert sim.journal.count(status=429) == 5 and sim.journal.count(status=503) == 5
    assert sum(r.attempts for r in results) == len(sim.journal)
    tenant = sim.tenant()
    for i in range(8):
        (contact,) = tenant.contacts.find_by_email(f"u{i}@x.io")
        assert seed.tag_web in {tag.id for tag, _ in tenant.tags.of_contact(contact.id)}


class TimesOutOnce(httpx.BaseTransport):
    """The first contact create times out before reaching the simulator; the rest go through."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.timed_out = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if (
            request.method == "POST"
            and request.url.path.endswith("/contacts")
            and not self.timed_out
        ):
            self.timed_out += 1
            raise httpx.ReadTimeout("timed out", request=request)
        return self.inner.handle_request(request)


def test_timeout_is_retried(sim):
    transport = TimesOutOnce(sim.transport())
    config = parse_config(flow(sim))
    with Connector(config, transport=transport, sleep=sim.clock.advance) as connector:
        result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success" and transport.timed_out == 1
    assert sim.journal.count(method="POST", path="/crm/rest/v2/contacts") == 1
    assert len(sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])) == 1


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
    assert len(sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])) == 1
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

"""The request journal: what is recorded, masking, the ring bound, queries, exports."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import vcr
import yaml
from support.contacts import new_contact

from keapsim.gateway.journal import DEFAULT_JOURNAL_SIZE, Journal, mask
from keapsim.simulator import Simulator

CONTACTS = "/crm/rest/v1/contacts"


def test_an_exchange_is_recorded_whole(sim: Simulator, client: httpx.Client) -> None:
    created = client.post("/v1/contacts", json=new_contact(), params={"note": "x"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.query, entry.status) == (
        "POST",
        CONTACTS,
        "note=x",
        201,
    )
    assert json.loads(entry.request_body) == new_contact()
    assert json.loads(entry.response_body) == created.json()
    assert entry.response_headers["Content-Type"].startswith("application/json")
    assert entry.tenant == sim.default_tenant.tenant_id
    assert entry.fault is None and entry.error is None
    assert entry.latency_ms > 0
    assert entry.time == pytest.approx(sim.clock.time(), abs=5)


def test_the_tenant_and_fault_are_recorded_even_when_authentication_never_ran(
    sim: Simulator, client: httpx.Client
) -> None:
    rule = sim.faults.add(canned="throttled", times=1)
    client.get("/v1/contacts")
    entry = sim.journal.last()
    assert (entry.status, entry.fault, entry.tenant) == (429, rule.id, sim.default_tenant.tenant_id)


def test_credentials_are_masked(sim: Simulator, admin: httpx.Client) -> None:
    creds = sim.default_tenant
    with sim.client(auth="bearer") as bearer:
        bearer.get("/v1/contacts", params={"access_token": creds.access_token, "limit": 1})
    refreshed = admin.post(
        "/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
    )
    assert refreshed.status_code == 200
    with sim.client() as by_key:
        by_key.get("/v1/contacts")
    dump = sim.journal.to_jsonl()
    secrets = [
        creds.api_key,
        creds.access_token,
        creds.refresh_token,
        creds.client_secret,
        refreshed.json()["access_token"],
        refreshed.json()["refresh_token"],
    ]
    for secret in secrets:
        assert secret not in dump
    api_call, token_call, key_call = sim.journal.find()
    assert api_call.request_headers["Authorization"] == f"Bearer ****{creds.access_token[-4:]}"
    assert "limit=1" in api_call.query and "access_token=%2A%2A%2A%2A" in api_call.query
    assert token_call.request_headers["Authorization"].startswith("Basic ****")
    assert "grant_type=refresh_token" in token_call.request_body
    assert json.loads(token_call.response_body)["token_type"] == "bearer"
    assert key_call.request_headers["X-Keap-Api-Key"] == f"****{creds.api_key[-4:]}"


def test_the_authorization_code_in_the_authorize_redirect_is_masked(
    sim: Simulator, admin: httpx.Client
) -> None:
    from keapsim.oauth.views import AUTO_APPROVE

    creds = sim.default_tenant
    redirected = admin.get(
        "/app/oauth/authorize",
        params={
            "client_id": creds.client_id,
            "redirect_uri": creds.redirect_uri,
            "response_type": "code",
            "scope": "full",
            "state": "s1",
            AUTO_APPROVE: "1",
        },
    )
    assert redirected.status_code == 302
    code = parse_qs(urlsplit(redirected.headers["location"]).query)["code"][0]
    exchanged = admin.post(
        "/token",
        data={
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": creds.redirect_uri,
        },
    )
    assert exchanged.status_code == 200
    assert code not in sim.journal.to_jsonl()
    location = sim.journal.find(path="/app/oauth/authorize")[0].response_headers["Location"]
    assert location.startswith(f"{creds.redirect_uri}?")
    assert parse_qs(urlsplit(location).query) == {
        "code": [mask(code)],
        "scope": [parse_qs(urlsplit(redirected.headers["location"]).query)["scope"][0]],
        "state": ["s1"],
    }


def test_bodies_are_cut_at_the_limit(client: httpx.Client) -> None:
    sim = Simulator()
    sim.journal.body_limit = 64
    with sim.client() as api:
        api.post("/v1/contacts", json={**new_contact(), "notes": "x" * 500})
    entry = sim.journal.last()
    assert len(entry.request_body) == 64 and entry.request_body_truncated
    assert len(entry.response_body) == 64 and entry.response_body_truncated


def test_the_ring_keeps_the_newest_entries() -> None:
    sim = Simulator(journal_size=5)
    with sim.client() as api:
        for offset in range(12):
            api.get("/v1/contacts", params={"offset": offset})
    entries = sim.journal.find()
    assert len(entries) == sim.journal.maxlen == 5
    assert [e.query for e in entries] == [f"offset={n}" for n in range(7, 12)]
    assert [e.seq for e in entries] == list(range(8, 13))
    assert Journal().maxlen == DEFAULT_JOURNAL_SIZE == 10_000


def test_admin_calls_are_not_journaled(
    sim: Simulator, admin: httpx.Client, client: httpx.Client
) -> None:
    client.get("/v1/contacts")
    admin.get("/_keapsim/journal")
    admin.get("/_keapsim/faults")
    assert [e.path for e in sim.journal.find()] == [CONTACTS]


def test_find_and_count_filters(sim: Simulator, client: httpx.Client) -> None:
    other = sim.create_tenant()
    client.post("/v1/contacts", json=new_contact())
    client.get("/v1/contacts")
    client.get("/v1/contacts/999")
    rule = sim.faults.add(path="/crm/rest/v2/*", canned="throttled", times=1)
    client.get("/v2/contacts")
    with sim.client(other) as theirs:
        theirs.get("/v1/tags")
    journal = sim.journal
    assert journal.count() == 5
    assert journal.count(method="post", path=CONTACTS) == 1
    assert journal.count(path="/crm/rest/v1/contacts*") == 3
    assert journal.count(status=404) == 1
    assert journal.count(status=[200, 201]) == 3
    assert journal.count(tenant=other.tenant_id) == 1
    assert journal.count(fault=rule.id) == journal.count(fault=True) == 1
    assert journal.count(fault=False) == 4
    assert [e.path for e in journal.find(limit=2)] == ["/crm/rest/v2/contacts", "/crm/rest/v1/tags"]
    assert journal.count(body_contains="lead@example.com") == 1
    client.get("/v1/contacts", params={"email": "a@b.c"})
    assert journal.count(query={"email": "a@b.c"}) == 1


def test_assert_called_passes_and_fails_readably(sim: Simulator, client: httpx.Client) -> None:
    client.post("/v1/contacts", json=new_contact())
    client.post("/v1/contacts", json=new_contact("b@example.com"))
    found = sim.journal.assert_called(method="POST", path=CONTACTS, times=2)
    assert len(found) == 2
    sim.journal.assert_called(method="POST")
    sim.journal.assert_not_called(method="DELETE")
    with pytest.raises(AssertionError) as caught:
        sim.journal.assert_called(method="POST", path=CONTACTS, times=3)
    message = str(caught.value)
    assert "expected exactly 3 request(s) matching method='POST'" in message
    assert "found 2" in message
    assert "POST /crm/rest/v1/contacts -> 201" in message


def test_jsonl_export(sim: Simulator, client: httpx.Client, admin: httpx.Client) -> None:
    client.post("/v1/contacts", json=new_contact())
    client.get("/v1/contacts")
    lines = sim.journal.to_jsonl().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["method"], r["status"]) for r in rows] == [("POST", 201), ("GET", 200)]
    exported = admin.get("/_keapsim/journal/export", params={"format": "jsonl", "method": "GET"})
    assert exported.status_code == 200
    assert [json.loads(line)["method"] for line in exported.text.splitlines()] == ["GET"]


def test_vcr_export_replays_with_vcrpy(
    sim: Simulator, client: httpx.Client, admin: httpx.Client, tmp_path
) -> None:
    created = client.post("/v1/contacts", json=new_contact())
    listed = client.get("/v1/contacts")
    exported = admin.get("/_keapsim/journal/export", params={"format": "vcr"})
    assert exported.status_code == 200
    cassette = yaml.safe_load(exported.text)
    assert cassette["version"] == 1
    assert [i["response"]["status"]["code"] for i in cassette["interactions"]] == [201, 200]
    path = tmp_path / "journal.yaml"
    path.write_text(exported.text)
    # Replay with no simulator behind it: vcrpy answers from the cassette.
    with vcr.use_cassette(str(path), record_mode="none", match_on=["method", "uri"]):
        with httpx.Client(base_url=f"{sim.base_url}/crm/rest") as offline:
            assert offline.post("/v1/contacts", json=new_contact()).json() == created.json()
            replayed = offline.get("/v1/contacts")
    assert (replayed.status_code, replayed.json()) == (200, listed.json())


def test_admin_api_queries_counts_and_clears(
    sim: Simulator, client: httpx.Client, admin: httpx.Client
) -> None:
    client.post("/v1/contacts", json=new_contact())
    client.get("/v1/contacts/12345")
    body = admin.get("/_keapsim/journal", params={"status": "404"}).json()
    assert body["count"] == 1 and body["maxlen"] == DEFAULT_JOURNAL_SIZE
    assert body["entries"][0]["path"] == "/crm/rest/v1/contacts/12345"
    tenant = sim.default_tenant.tenant_id
    assert admin.get(
        "/_keapsim/journal/count", params={"tenant": tenant, "method": "POST", "path": CONTACTS}
    ).json() == {"count": 1}
    assert admin.get("/_keapsim/journal/count", params={"status": "201,404"}).json()["count"] == 2
    assert admin.get("/_keapsim/journal", params={"limit": "1"}).json()["count"] == 1
    assert admin.get("/_keapsim/journal", params={"status": "abc"}).status_code == 400
    assert admin.get("/_keapsim/journal/export", params={"format": "har"}).status_code == 400
    assert admin.delete("/_keapsim/journal").status_code == 204
    assert len(sim.journal) == 0


def test_a_disabled_journal_records_nothing_but_runs_hooks() -> None:
    sim = Simulator(journal=False)
    fired: list[int] = []
    sim.journal.after_requests(2, lambda: fired.append(len(fired)))
    with sim.client() as api:
        api.get("/v1/contacts")
        assert fired == []
        api.get("/v1/contacts")
    assert fired == [0]
    assert len(sim.journal) == 0


def test_request_hooks_count_only_their_tenant(sim: Simulator, client: httpx.Client) -> None:
    other = sim.create_tenant()
    seen: list[str] = []
    sim.journal.after_requests(2, lambda: seen.append("mine"), tenant=sim.default_tenant.tenant_id)
    with sim.client(other) as theirs:
        theirs.get("/v1/contacts")
        client.get("/v1/contacts")
        theirs.get("/v1/contacts")
        assert seen == []
        client.get("/v1/contacts")
    assert seen == ["mine"]
    assert sim.journal.pending_hooks == 0


def test_reset_clears_the_journal_and_faults(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(canned="throttled", times=1)
    client.get("/v1/contacts")
    sim.reset()
    assert len(sim.journal) == 0 and sim.faults.list() == []


@pytest.mark.slow
def test_concurrent_requests_over_waitress_are_each_journaled_once(server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sim = server.simulator
    sim.tenant().settings = sim.tenant().settings.model_copy(update={"throttle": False})
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    with httpx.Client(base_url=f"{server.url}/crm/rest", headers=headers) as http:
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(lambda n: http.get(f"/v1/contacts?offset={n}").status_code, range(40))
            )
    assert codes == [200] * 40
    entries = sim.journal.find(path=CONTACTS)
    assert len(entries) == 40
    assert sorted(e.query for e in entries) == sorted(f"offset={n}" for n in range(40))
    assert len({e.seq for e in entries}) == 40


def test_admin_journal_refuses_odd_numbers_with_a_400() -> None:
    """``str.isdigit`` accepts "²", which ``int`` refuses: such filters are a clear 400."""
    import httpx

    from keapsim import Simulator

    sim = Simulator()
    admin = httpx.Client(transport=sim.transport(), base_url=f"{sim.base_url}/_keapsim")
    for query in ("limit=²", "status=²", "limit=" + "9" * 50, "status=4290000"):
        response = admin.get(f"/journal?{query}")
        assert response.status_code == 400, query
        assert "error" in response.json()


def test_an_entry_read_twice_or_exported_has_the_same_masked_fields(
    sim: Simulator, client: httpx.Client
) -> None:
    """Entries are masked when first read (recording keeps the raw exchange): every read and
    export sees the same fields, and the raw exchange never leaks into an export."""
    client.post("/v1/contacts", json=new_contact(), params={"access_token": "secret-token"})
    first, second = sim.journal.last(), sim.journal.last()
    assert first is second
    assert "secret-token" not in first.query and first.query.startswith("access_token=")
    assert first.request_headers["Content-Type"] == "application/json"
    assert first.request_headers["Content-Length"] == str(len(first.request_body.encode()))
    assert first.request_headers["X-Keap-Api-Key"] == mask(sim.default_tenant.api_key)
    exported = json.loads(sim.journal.to_jsonl().splitlines()[-1])
    assert exported == first.to_dict()
    assert set(exported) == {
        "seq", "time", "method", "path", "query", "request_headers", "request_body", "status",
        "response_headers", "response_body", "latency_ms", "tenant", "fault", "error",
        "request_body_truncated", "response_body_truncated", "kind", "attempt",
    }  # fmt: skip

"""Fault rules: each effect, each trigger, matching, and the admin API."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from pydantic import ValidationError
from support.contacts import new_contact

from keapsim.gateway.canned import CANNED
from keapsim.gateway.faults import DroppedConnection
from keapsim.gateway.journal import JournalEntry
from keapsim.gateway.responses import EXPIRED_TOKEN, INVALID_TOKEN, THROTTLED
from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator

CONTACTS = "/crm/rest/v1/contacts"


# -- effects ---------------------------------------------------------------------------------
def test_a_canned_gateway_body_answers_before_authentication(sim: Simulator) -> None:
    sim.faults.add(method="GET", path=CONTACTS, canned="expired_token")
    with sim.client(auth="none") as anonymous:
        response = anonymous.get("/v1/contacts")
    assert response.status_code == 401
    assert response.json() == EXPIRED_TOKEN


def test_canned_application_errors_take_the_versions_shape(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(method="POST", canned="bad_request")
    v1 = client.post("/v1/contacts", json=new_contact())
    v2 = client.post("/v2/contacts", json=new_contact())
    assert v1.status_code == v2.status_code == 400
    assert v1.json() == {"message": "Input could not be converted to a valid request"}
    assert v2.json()["code"] == 400
    assert v2.json()["message"] == "Input could not be converted to a valid request"


# The canned bodies the issue names, with what a v1 client receives.
ISSUE_CANNED_BODIES = {
    "expired_token": (401, EXPIRED_TOKEN),
    "invalid_token": (401, INVALID_TOKEN),
    "throttled": (429, THROTTLED),
    "duplicate_409": (409, {"message": "A contact with this email address already exists"}),
    "unavailable_503": (
        503,
        {
            "code": "503",
            "message": "Service Unavailable",
            "status": "Request Throttled",
            "details": None,
        },
    ),
    "bad_request": (400, {"message": "Input could not be converted to a valid request"}),
}


@pytest.mark.parametrize("name", sorted(ISSUE_CANNED_BODIES))
def test_each_named_canned_body_answers_a_create_that_changes_nothing(
    sim: Simulator, client: httpx.Client, name: str
) -> None:
    sim.faults.add(method="POST", path=CONTACTS, canned=name, times=1)
    faulted = client.post("/v1/contacts", json=new_contact())
    assert (faulted.status_code, faulted.json()) == ISSUE_CANNED_BODIES[name]
    assert sim.tenant().contacts == {}
    assert client.post("/v1/contacts", json=new_contact()).status_code == 201


def test_every_canned_body_has_its_status(sim: Simulator, client: httpx.Client) -> None:
    for name, canned in CANNED.items():
        rule = sim.faults.add(path=CONTACTS, canned=name)
        response = client.get("/v1/contacts")
        assert response.status_code == canned.status, name
        assert response.headers["content-type"].startswith("application/json")
        sim.faults.remove(rule.id)
    assert client.get("/v1/contacts").status_code == 200


def test_a_custom_status_body_and_headers(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(
        path=CONTACTS, status=502, response={"oops": True}, response_headers={"X-Why": "upstream"}
    )
    text_rule = sim.faults.add(path="/crm/rest/v1/tags", status=504, response="gateway timeout")
    response = client.get("/v1/contacts")
    assert (response.status_code, response.json(), response.headers["x-why"]) == (
        502,
        {"oops": True},
        "upstream",
    )
    tags = client.get("/v1/tags")
    assert (tags.status_code, tags.text) == (504, "gateway timeout")
    assert text_rule.fired == 1


def test_a_status_can_override_a_canned_body(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(path=CONTACTS, canned="throttled", status=403)
    response = client.get("/v1/contacts")
    assert (response.status_code, response.json()) == (403, THROTTLED)


@pytest.mark.slow
def test_fixed_latency_then_pass_through(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(path=CONTACTS, effect="delay", latency=0.15)
    started = time.perf_counter()
    response = client.get("/v1/contacts")
    assert time.perf_counter() - started >= 0.15
    assert response.status_code == 200
    assert sim.journal.last().fault is not None


@pytest.mark.slow
def test_random_latency_stays_within_bounds_and_can_precede_a_status(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(path=CONTACTS, canned="throttled", latency=(0.02, 0.06), seed=3)
    for _ in range(3):
        started = time.perf_counter()
        response = client.get("/v1/contacts")
        elapsed = time.perf_counter() - started
        assert response.status_code == 429
        assert 0.02 <= elapsed < 0.5


def test_a_dropped_connection_in_process_is_an_httpx_transport_error(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(method="POST", path=CONTACTS, effect="drop")
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        client.post("/v1/contacts", json=new_contact())
    assert isinstance(caught.value, DroppedConnection)
    assert isinstance(caught.value, ConnectionResetError)
    assert sim.tenant().contacts == {}
    entry = sim.journal.last()
    assert entry.status is None and entry.error and entry.fault


@pytest.mark.slow
def test_a_dropped_connection_over_waitress_closes_the_socket(server) -> None:
    sim = server.simulator
    sim.faults.add(method="GET", path=CONTACTS, effect="drop", times=1)
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    with httpx.Client(base_url=f"{server.url}/crm/rest", headers=headers) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get("/v1/contacts")
        assert http.get("/v1/contacts").status_code == 200  # a new connection works
    # The dropped request is journaled before its socket closes (keapsim.server), so both
    # entries are there; they are ordered by arrival all the same.
    dropped, served = sorted(sim.journal.find(path=CONTACTS), key=lambda entry: entry.seq)
    assert dropped.status is None and dropped.fault is not None
    assert served.status == 200


@pytest.mark.slow
def test_a_dropped_request_is_journaled_before_its_socket_closes(
    server: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal write of a dropped request waits (up to half a second) for the client to see
    the drop: if the socket closed first, the client's error would arrive during that wait."""
    sim = server.simulator
    sim.faults.add(method="GET", path=CONTACTS, effect="drop", times=1)
    client_saw_the_drop = threading.Event()
    seen_when_journaled: list[bool] = []
    record = sim.journal.record

    def record_after_a_wait(entry: JournalEntry) -> None:
        if entry.error:
            seen_when_journaled.append(client_saw_the_drop.wait(timeout=0.5))
        record(entry)

    monkeypatch.setattr(sim.journal, "record", record_after_a_wait)
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    with httpx.Client(base_url=f"{server.url}/crm/rest", headers=headers) as http:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get("/v1/contacts")
        client_saw_the_drop.set()
    assert seen_when_journaled == [False]
    assert sim.journal.last().error


@pytest.mark.slow
def test_a_lost_response_over_waitress_still_creates(server) -> None:
    sim = server.simulator
    sim.faults.add(method="POST", path=CONTACTS, effect="drop", apply_then_fail=True, times=1)
    headers = {"X-Keap-API-Key": sim.default_tenant.api_key}
    with httpx.Client(base_url=f"{server.url}/crm/rest", headers=headers) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/v1/contacts", json=new_contact())
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 1


def test_a_malformed_body_is_a_200_with_truncated_json(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(method="GET", path=CONTACTS, effect="malformed")
    response = client.get("/v1/contacts")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert int(response.headers["content-length"]) == len(response.content) > 0
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_malformed_after_applying_cuts_the_real_response(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(method="POST", path=CONTACTS, effect="malformed", apply_then_fail=True)
    response = client.post("/v1/contacts", json=new_contact())
    assert response.status_code == 200
    assert response.text.startswith('{"tag_ids":[],"id":1')  # Keap's v1 shape (§9.1)
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert len(sim.tenant().contacts) == 1


# -- state changes ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "effect", [{"canned": "unavailable_503"}, {"effect": "drop"}, {"effect": "malformed"}]
)
def test_a_faulted_create_changes_nothing(
    sim: Simulator, client: httpx.Client, effect: dict
) -> None:
    sim.faults.add(method="POST", path=CONTACTS, times=1, **effect)
    try:
        client.post("/v1/contacts", json=new_contact())
    except httpx.TransportError:
        pass
    assert sim.tenant().contacts == {}
    assert client.post("/v1/contacts", json=new_contact()).status_code == 201
    assert len(sim.tenant().contacts) == 1


def test_apply_then_fail_changes_state_and_answers_the_fault(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.faults.add(
        method="POST", path=CONTACTS, canned="unavailable_503", apply_then_fail=True, times=1
    )
    failed = client.post("/v1/contacts", json=new_contact())
    retried = client.post("/v1/contacts", json=new_contact())
    assert (failed.status_code, retried.status_code) == (503, 201)
    # The lost response: the retry made a duplicate, as Keap's POST never de-duplicates.
    assert len(sim.tenant().contacts.find_by_email("lead@example.com")) == 2


# -- triggers --------------------------------------------------------------------------------
def statuses(client: httpx.Client, count: int, path: str = "/v1/contacts") -> list[int]:
    return [client.get(path).status_code for _ in range(count)]


def test_next_n_matches(sim: Simulator, client: httpx.Client) -> None:
    rule = sim.faults.add(path=CONTACTS, canned="throttled", times=2)
    assert statuses(client, 4) == [429, 429, 200, 200]
    assert (rule.matched, rule.fired, rule.exhausted) == (2, 2, True)
    assert sim.faults.list() == [rule]  # exhausted rules stay listed


def test_after_the_first_k_matches(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(path=CONTACTS, canned="throttled", after=2, times=2)
    assert statuses(client, 5) == [200, 200, 429, 429, 200]


def test_until_removed(sim: Simulator, client: httpx.Client) -> None:
    rule = sim.faults.add(path=CONTACTS, canned="throttled")
    assert statuses(client, 3) == [429, 429, 429]
    assert sim.faults.remove(rule.id) is rule
    assert statuses(client, 1) == [200]
    with pytest.raises(KeyError):
        sim.faults.remove(rule.id)


def test_probability_with_a_seed_is_deterministic(client: httpx.Client) -> None:
    def run() -> list[int]:
        sim = Simulator()
        sim.faults.add(path=CONTACTS, canned="throttled", probability=0.5, seed=42)
        with sim.client() as api:
            return statuses(api, 30)

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(429) < 30
    other = Simulator()
    other.faults.add(path=CONTACTS, canned="throttled", probability=0.5, seed=7)
    with other.client() as api:
        assert statuses(api, 30) != first


def test_probability_zero_never_fires_and_one_always_does(
    sim: Simulator, client: httpx.Client
) -> None:
    never = sim.faults.add(path=CONTACTS, canned="throttled", probability=0.0)
    assert statuses(client, 5) == [200] * 5
    assert (never.matched, never.fired) == (5, 0)


def test_the_first_firing_rule_wins_and_others_do_not_count(
    sim: Simulator, client: httpx.Client
) -> None:
    first = sim.faults.add(path=CONTACTS, canned="throttled", times=1)
    second = sim.faults.add(path=CONTACTS, canned="expired_token", times=1)
    assert statuses(client, 3) == [429, 401, 200]
    assert (first.fired, second.fired) == (1, 1)


# -- matching --------------------------------------------------------------------------------
def test_method_path_glob_and_version(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(method="post", path="/crm/rest/*/contacts", version="v2", canned="throttled")
    assert client.get("/v2/contacts").status_code == 200
    assert client.post("/v1/contacts", json=new_contact()).status_code == 201
    assert client.post("/v2/contacts", json=new_contact("b@example.com")).status_code == 429


def test_tenant_is_resolved_from_the_credential_before_authentication(sim: Simulator) -> None:
    other = sim.create_tenant()
    sim.faults.add(tenant=other.tenant_id, canned="throttled")
    with (
        sim.client() as mine,
        sim.client(other) as theirs,
        sim.client(other, auth="bearer") as theirs_by_token,
    ):
        assert mine.get("/v1/contacts").status_code == 200
        assert theirs.get("/v1/contacts").status_code == 429
        assert theirs_by_token.get("/v1/contacts").status_code == 429
    with sim.client(auth="none", headers={"X-Keap-API-Key": "unknown"}) as stranger:
        assert stranger.get("/v1/contacts").status_code == 401  # not faulted, not crashed


def test_tenant_of_a_token_request_comes_from_the_client_id(
    sim: Simulator, admin: httpx.Client
) -> None:
    creds = sim.default_tenant
    sim.faults.add(path="/token", tenant=creds.tenant_id, canned="invalid_grant")
    response = admin.post(
        "/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert sim.identity.refresh_tokens[creds.refresh_token].used is False  # nothing applied


def test_header_and_body_predicates(sim: Simulator, client: httpx.Client) -> None:
    sim.faults.add(headers={"X-Batch": "night-*"}, canned="throttled")
    sim.faults.add(
        method="POST",
        body={"email_addresses.0.email": "*@blocked.example", "given_name": "Lead"},
        canned="bad_request",
    )
    sim.faults.add(method="POST", body_contains="PoisonPill", canned="unavailable_503")
    assert client.get("/v1/contacts", headers={"X-Batch": "night-7"}).status_code == 429
    assert client.get("/v1/contacts", headers={"X-Batch": "day-7"}).status_code == 200
    assert client.post("/v1/contacts", json=new_contact("x@blocked.example")).status_code == 400
    assert client.post("/v1/contacts", json=new_contact("x@fine.example")).status_code == 201
    poison = {**new_contact("y@fine.example"), "family_name": "PoisonPill"}
    assert client.post("/v1/contacts", json=poison).status_code == 503
    # A body read by a predicate is still there for the API behind it.
    assert [c.emails for c in sim.tenant().contacts.list()] == [["x@fine.example"]]


# -- Python API and validation ---------------------------------------------------------------
def test_add_list_remove_clear(sim: Simulator) -> None:
    first = sim.faults.add({"path": CONTACTS, "canned": "throttled"})
    second = sim.faults.add(path="/x", status=500, name="broken x")
    assert first.id != second.id
    assert [r.id for r in sim.faults.list()] == [first.id, second.id]
    assert sim.faults.get(second.id).to_dict()["name"] == "broken x"
    sim.faults.clear()
    assert sim.faults.list() == []


@pytest.mark.parametrize(
    ("fields", "bad_key"),
    [
        ({"canned": "nope"}, "canned"),
        ({"effect": "explode"}, "effect"),
        ({"path": "/x"}, "status"),
        ({"canned": "throttled", "times": 0}, "times"),
        ({"canned": "throttled", "probability": 2}, "probability"),
        ({"effect": "delay"}, "latency"),
        ({"canned": "throttled", "latency": [2, 1]}, "latency"),
        ({"canned": "throttled", "colour": "red"}, "colour"),
    ],
)
def test_invalid_rules_name_the_bad_key(sim: Simulator, fields: dict, bad_key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sim.faults.add(**fields)
    assert bad_key in str(caught.value)


def test_disabled_rules_do_nothing(client: httpx.Client) -> None:
    sim = Simulator(faults=False)
    sim.faults.add(canned="throttled")
    with sim.client() as api:
        assert api.get("/v1/contacts").status_code == 200


# -- admin API -------------------------------------------------------------------------------
def test_admin_api_adds_lists_and_removes_rules(
    sim: Simulator, admin: httpx.Client, client: httpx.Client
) -> None:
    created = admin.post(
        "/_keapsim/faults", json={"path": CONTACTS, "canned": "throttled", "times": 1}
    )
    assert created.status_code == 201
    rule_id = created.json()["id"]
    assert client.get("/v1/contacts").status_code == 429
    listed = admin.get("/_keapsim/faults").json()
    assert [r["id"] for r in listed["faults"]] == [rule_id]
    assert listed["faults"][0]["fired"] == 1
    assert listed["canned"]["throttled"] == 429
    assert admin.get(f"/_keapsim/faults/{rule_id}").json()["exhausted"] is True
    assert admin.delete(f"/_keapsim/faults/{rule_id}").status_code == 204
    assert admin.delete(f"/_keapsim/faults/{rule_id}").status_code == 404
    admin.post("/_keapsim/faults", json={"canned": "throttled"})
    assert admin.delete("/_keapsim/faults").status_code == 204
    assert sim.faults.list() == []


def test_admin_api_names_the_bad_key(admin: httpx.Client) -> None:
    response = admin.post("/_keapsim/faults", json={"canned": "throttled", "tims": 3})
    assert response.status_code == 400
    assert "tims" in response.json()["error"]


def test_admin_api_explains_a_rule_without_a_response(admin: httpx.Client) -> None:
    response = admin.post("/_keapsim/faults", json={"path": CONTACTS})
    assert response.status_code == 400
    assert response.json()["details"] == [
        {
            "field": "(body)",
            "message": "status: a 'status' effect needs a 'status' code or a 'canned' body name",
        }
    ]


def test_admin_calls_are_never_faulted(sim: Simulator, admin: httpx.Client) -> None:
    sim.faults.add(effect="drop")
    assert admin.get("/_keapsim/faults").status_code == 200
    assert admin.delete("/_keapsim/faults").status_code == 204


def test_rules_without_the_adapters_renderer_answer_in_v1s_shape() -> None:
    """The gateway does not import the adapters: the simulator hands them in. A bare rule set
    (a benchmark's gateway) renders application errors as ``{"message"}``."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from keapsim.gateway.faults import FaultRules, status_response

    rules = FaultRules()
    rule = rules.add(canned="duplicate_409")
    request = Request(EnvironBuilder(path="/crm/rest/v2/contacts", method="POST").get_environ())
    response = status_response(rule.spec, request, rules.render_error)
    assert response.status_code == 409
    assert response.get_json() == {"message": "A contact with this email address already exists"}

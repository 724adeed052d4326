"""Tasks, appointments, email records and address statuses across versions (one store serves
v1 and v2) and under the rest of keapsim: snapshots, tenant reset, the journal, fault rules and
throttling work on the new routes without code of their own."""

from __future__ import annotations

import json

import httpx
from support.api_client import same_instant

from keapsim.config import Limits, Window
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2, email_contact


def test_a_task_made_in_v2_reads_in_v1_and_the_other_way(api: V2, v1: httpx.Client) -> None:
    ada = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    made = api.post(
        "/tasks",
        201,
        json={
            "title": "Call",
            "assigned_to_user_id": "1",
            "contact_id": ada,
            "priority": "NONESSENTIAL",
            "due_time": "2030-01-01T09:00:00Z",
        },
    )
    seen = v1.get(f"/v1/tasks/{made['id']}").json()
    assert (seen["id"], seen["priority"], seen["user_id"]) == (int(made["id"]), 3, 1)
    assert seen["contact"]["id"] == int(ada) and same_instant(seen["due_date"], made["due_time"])
    v1.patch(f"/v1/tasks/{made['id']}", json={"completed": True, "priority": 1})
    back = api.get(f"/tasks/{made['id']}")
    assert back["completed"] is True and back["priority"] == "CRITICAL"
    completed = v1.get(f"/v1/tasks/{made['id']}").json()["completion_date"]
    assert same_instant(back["completion_time"], completed)


def test_email_records_and_statuses_agree(api: V2, v1: httpx.Client) -> None:
    ada = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    v1_record = v1.post(
        "/v1/emails",
        json={"sent_to_address": "ada@example.com", "contact_id": int(ada), "subject": "v1"},
    ).json()
    v2_record = api.post(
        "/emails", 201, json={"sent_to_address": "ada@example.com", "subject": "v2"}
    )
    assert api.get(f"/emails/{v1_record['id']}")["subject"] == "v1"
    assert v1.get(f"/v1/emails/{v2_record['id']}").json()["subject"] == "v2"
    listed = v1.get(f"/v1/contacts/{ada}/emails").json()["emails"]
    assert [e["subject"] for e in listed] == ["v1"]
    v1.put("/v1/emailAddresses/ada@example.com", json={"opted_in": True, "reason": "Form"})
    assert api.get("/emailAddresses/ada@example.com/status")["status"] == "SINGLE_OPT_IN"
    api.patch("/emailAddresses/ada@example.com/status", json={"opted_in": False, "reason": "No"})
    assert v1.get(f"/v1/contacts/{ada}").json()["email_status"] == "Manual"


def _populate(api: V2, v1: httpx.Client) -> None:
    ada = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    api.post("/tasks", 201, json={"title": "Call", "assigned_to_user_id": "1", "contact_id": ada})
    appointment = {
        "title": "Meet",
        "start_date": "2030-01-02T10:00:00Z",
        "end_date": "2030-01-02T11:00:00Z",
    }
    assert v1.post("/v1/appointments", json=appointment).status_code == 201
    body = {"contacts": [ada], "subject": "News", "user_id": "1"}
    assert api.raw("POST", "/emails:send", json=body).status_code == 202
    api.patch("/emailAddresses/ada@example.com/status", json={"opted_in": False, "reason": "No"})


def test_a_snapshot_keeps_them(api: V2, v1: httpx.Client, sim: Simulator) -> None:
    _populate(api, v1)
    sim.tenant().email_templates.create(piece_title="Welcome", categories=["Onboarding"])
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    tenant = fresh.tenant()
    assert [t.title for t in tenant.tasks.values()] == ["Call"]
    assert [a.title for a in tenant.appointments.values()] == ["Meet"]
    assert [e.subject for e in tenant.emails.outbox()] == ["News"]
    assert tenant.email_statuses.find_address("ada@example.com").status == "Manual"
    assert tenant.email_templates.get(1).categories == ["Onboarding"]
    with fresh.client() as client:
        again = client.post("/v2/tasks", json={"title": "Next", "assigned_to_user_id": "1"})
        assert again.json()["id"] == "2"  # ids keep growing where they were


def test_a_tenant_reset_forgets_them(
    api: V2, v1: httpx.Client, sim: Simulator, tenant: Tenant
) -> None:
    _populate(api, v1)
    sim.reset(tenant.id)
    for store in ("tasks", "appointments", "emails", "email_statuses"):
        assert tenant.store(store) == {}, store
    assert api.get("/tasks") == {"tasks": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    created = api.post("/tasks", 201, json={"title": "Call", "assigned_to_user_id": "1"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == ("POST", "/crm/rest/v2/tasks", 201)
    assert json.loads(entry.response_body) == created


def test_a_fault_rule_answers_instead_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(method="POST", path="/crm/rest/v2/emails", canned="bad_request", times=1)
    response = api.raw("POST", "/emails", json={"sent_to_address": "a@example.com"})
    assert response.status_code == 400
    assert tenant.emails == {}
    api.post("/emails", 201, json={"sent_to_address": "a@example.com"})


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code for path in ("/v2/tasks", "/v1/appointments", "/v2/emails")
        ]
    assert statuses == [200, 200, 429]

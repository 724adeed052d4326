"""v1 tasks (with ``tasks/search``), appointments, email records, ``emails/queue`` and an
address's opt-in status: status, shape (every success body validated against the official v1
document by the client) and the effect on the store; v1 and v2 read the same records."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.specs.validate import check_http_response
from keapsim.store import Tenant

from .helpers import V1


def task(api: V1, **fields: Any) -> dict[str, Any]:
    return api.post("/tasks", json={"title": "Call", "due_date": "2030-01-02T10:00:00Z", **fields})


# -- tasks -----------------------------------------------------------------------------------
def test_create_get_replace_and_delete_a_task(api: V1, tenant: Tenant) -> None:
    ada = api.contact(given_name="Ada", family_name="Lovelace")["id"]
    created = task(api, description="Offer", type="Call", priority=1, contact={"id": ada})
    assert created["contact"] == {
        "id": ada,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    # Assigned to the authenticated user (the account owner) when no user_id is given.
    assert created["user_id"] == tenant.users.account_owner().id
    assert created["due_date"] == "2030-01-02T10:00:00.000+0000" and created["completed"] is False
    assert api.get(f"/tasks/{created['id']}") == created
    replaced = api.put(f"/tasks/{created['id']}", json={"title": "Email", "completed": True})
    assert replaced["title"] == "Email" and replaced["completion_date"]
    assert "description" not in replaced and "contact" not in replaced  # PUT clears the rest
    assert tenant.tasks.get(created["id"]).description is None
    api.delete(f"/tasks/{created['id']}")
    assert tenant.tasks == {}
    api.error("GET", f"/tasks/{created['id']}", 404)


def test_patch_changes_what_is_given_and_completes(api: V1, tenant: Tenant) -> None:
    ident = task(api, description="Keep")["id"]
    patched = api.patch(f"/tasks/{ident}", json={"completed": True, "priority": 3})
    assert patched["description"] == "Keep" and patched["priority"] == 3
    assert patched["completion_date"] and tenant.tasks.get(ident).completed


def test_bad_tasks_are_400_and_change_nothing(api: V1, tenant: Tenant) -> None:
    api.error("POST", "/tasks", 400, json={"description": "no title"})
    api.error("POST", "/tasks", 400, json={"title": "x", "due_date": "tomorrow"})
    api.error("POST", "/tasks", 400, json={"title": "x", "remind_time": 7})
    api.error("POST", "/tasks", 400, json={"title": "x", "contact": {"id": 404}})
    assert tenant.tasks == {}
    api.error("PATCH", "/tasks/9", 404, json={"title": "x"})


def test_list_and_search_filter_by_contact_user_due_date_and_completion(
    api: V1, tenant: Tenant
) -> None:
    ada = api.contact()["id"]
    other = tenant.users.create("sam@example.com", "Sam", "Lee", status="Active").id
    first = task(api, contact={"id": ada}, due_date="2030-01-01T00:00:00Z")["id"]
    second = task(api, user_id=other, completed=True)["id"]
    third = api.post("/tasks", json={"title": "Someday"})["id"]

    def ids(path: str = "/tasks", **params: Any) -> list[int]:
        return [t["id"] for t in api.get(path, params=params)["tasks"]]

    assert ids() == [first, second, third]
    assert ids(contact_id=ada) == [first]
    assert ids(user_id=other) == [second]
    assert ids(completed="true") == [second]
    assert ids(has_due_date="false") == [third]
    assert ids(since="2030-01-01T12:00:00Z") == [second]
    assert ids(until="2030-01-01T12:00:00Z") == [first]
    assert ids(order="due_date") == [first, second, third]
    # tasks/search: the authenticated user's tasks unless user_id names another.
    assert ids("/tasks/search") == [first, third]
    assert ids("/tasks/search", user_id=other) == [second]
    assert api.get("/tasks", params={"limit": 1})["count"] == 3
    api.error("GET", "/tasks", 400, params={"order": "colour"})
    api.error("GET", "/tasks", 400, params={"completed": "perhaps"})


# -- appointments ----------------------------------------------------------------------------
MEETING = {
    "title": "Meet",
    "start_date": "2030-01-02T10:00:00Z",
    "end_date": "2030-01-02T11:00:00Z",
    "location": "Office",
    "remind_time": 15,
}


def test_appointments_crud(api: V1, tenant: Tenant) -> None:
    ada = api.contact()["id"]
    created = api.post("/appointments", 201, json={**MEETING, "contact_id": ada, "user": 1})
    assert created["contact_id"] == ada and created["user"] == 1
    assert created["start_date"] == "2030-01-02T10:00:00.000+0000"
    assert api.get(f"/appointments/{created['id']}") == created
    patched = api.patch(f"/appointments/{created['id']}", json={"location": "Cafe"})
    assert patched["location"] == "Cafe" and patched["title"] == "Meet"
    replaced = api.put(
        f"/appointments/{created['id']}",
        json={
            "title": "Call",
            "start_date": MEETING["start_date"],
            "end_date": MEETING["end_date"],
        },
    )
    assert "location" not in replaced and "contact_id" not in replaced
    assert tenant.appointments.get(created["id"]).title == "Call"
    api.delete(f"/appointments/{created['id']}")
    assert tenant.appointments == {}


def test_appointment_rules(api: V1, tenant: Tenant) -> None:
    api.error("POST", "/appointments", 400, json={"title": "No times"})
    backwards = {**MEETING, "end_date": "2030-01-02T09:00:00Z"}
    api.error("POST", "/appointments", 400, json=backwards)
    api.error("POST", "/appointments", 400, json={**MEETING, "remind_time": 3})
    assert tenant.appointments == {}
    ident = api.post("/appointments", 201, json=MEETING)["id"]
    api.error("PUT", f"/appointments/{ident}", 400, json={"title": "No times"})
    assert tenant.appointments.get(ident).location == "Office"


def test_list_appointments_by_contact_and_start(api: V1) -> None:
    ada = api.contact()["id"]
    first = api.post("/appointments", 201, json={**MEETING, "contact_id": ada})["id"]
    later = {**MEETING, "start_date": "2030-02-01T10:00:00Z", "end_date": "2030-02-01T11:00:00Z"}
    second = api.post("/appointments", 201, json=later)["id"]

    def ids(**params: Any) -> list[int]:
        return [a["id"] for a in api.get("/appointments", params=params)["appointments"]]

    assert ids() == [first, second]
    assert ids(contact_id=ada) == [first]
    assert ids(since="2030-01-15T00:00:00Z") == [second]
    assert ids(until="2030-01-15T00:00:00Z") == [first]


def test_a_deleted_contact_takes_its_tasks_and_appointments(api: V1, tenant: Tenant) -> None:
    ada = api.contact()["id"]
    task(api, contact={"id": ada})
    api.post("/appointments", 201, json={**MEETING, "contact_id": ada})
    record = api.post(f"/contacts/{ada}/emails", 201, json={"sent_to_address": "ada@example.com"})
    api.delete(f"/contacts/{ada}")
    assert tenant.tasks == {} and tenant.appointments == {}
    assert tenant.emails.get(record["id"]).contact_id is None  # the history stays


# -- email records ---------------------------------------------------------------------------
RECORD = {
    "subject": "Hello",
    "sent_to_address": "ada@example.com",
    "sent_to_cc_addresses": "cc@example.com, dd@example.com",
    "sent_from_address": "me@example.com",
    "sent_date": "2030-01-01T10:00:00Z",
    "original_provider": "google",
    "plain_content": base64.b64encode(b"Hi").decode(),
}


def test_email_records_create_get_list_and_delete(api: V1, tenant: Tenant) -> None:
    ada = api.contact()["id"]
    created = api.post("/emails", 201, json={**RECORD, "contact_id": ada})
    assert created["original_provider"] == "GOOGLE"  # case-insensitive
    assert created["sent_to_cc_addresses"] == "cc@example.com, dd@example.com"
    assert tenant.emails.get(created["id"]).sent_to_cc == ["cc@example.com", "dd@example.com"]
    assert api.get(f"/emails/{created['id']}") == created
    scoped = api.post(f"/contacts/{ada}/emails", 201, json={"sent_to_address": "ada@example.com"})
    assert scoped["contact_id"] == ada
    listed = api.get(f"/contacts/{ada}/emails")
    assert listed["count"] == 2 and "plain_content" not in listed["emails"][0]
    assert [e["id"] for e in api.get("/emails", params={"contact_id": ada})["emails"]] == [
        created["id"],
        scoped["id"],
    ]
    since = api.get("/emails", params={"since_sent_date": "2029-12-31T00:00:00Z"})["emails"]
    assert [e["id"] for e in since] == [created["id"]]
    api.error("GET", "/emails", 400, params={"until_sent_date": "2030-01-01T00:00:00Z"})
    api.delete(f"/emails/{created['id']}")
    assert list(tenant.emails) == [scoped["id"]]
    api.error("POST", "/contacts/404/emails", 404, json={"sent_to_address": "x@example.com"})


def test_sync_and_unsync(api: V1, tenant: Tenant) -> None:
    duplicate = {**RECORD, "original_provider": "GOOGLE", "original_provider_id": "p-1"}
    answer = api.post("/emails/sync", 201, json={"emails": [duplicate, duplicate]})
    assert len(answer["emails"]) == 1 and len(answer["errors"]) == 1
    assert answer["errors"][0]["email"] == {
        **duplicate,
        "sent_date": "2030-01-01T10:00:00.000+0000",
    }
    ident = answer["emails"][0]["id"]
    removed = api.post("/emails/unsync", json={"ids": [ident, 999]})
    assert removed == {str(ident): "SUCCESS", "999": "EMAIL_ID_NOT_FOUND"}
    assert tenant.emails == {}


def test_queue_records_the_send_and_answers_202(api: V1, sim: Simulator, tenant: Tenant) -> None:
    ada = api.contact()["id"]
    body = {"contacts": [ada], "subject": "News", "user_id": 1}
    response = api.raw("POST", "/emails/queue", json=body)
    assert (response.status_code, response.content) == (202, b"")
    assert check_http_response("v1", response) == []
    [sent] = tenant.emails.outbox()
    assert (sent.sent_to_address, sent.subject, sent.source) == ("ada@example.com", "News", "SEND")
    api.error("POST", "/emails/queue", 400, json={"contacts": [ada], "subject": "No user"})
    api.error("POST", "/emails/queue", 400, json={**body, "user_id": 99})
    assert len(tenant.emails) == 1


# -- email address status --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("opted_in", "status", "marketable"),
    [(True, "Unconfirmed", True), (False, "Opt-Out", False)],
)
def test_put_email_address_opts_in_or_out(
    api: V1, tenant: Tenant, opted_in: bool, status: str, marketable: bool
) -> None:
    ada = api.contact()["id"]
    answer = api.put("/emailAddresses/ada@example.com", json={"opted_in": opted_in, "reason": "r"})
    assert answer == {"email": "ada@example.com", "opted_in": marketable, "status": status}
    shown = api.get(f"/contacts/{ada}")
    assert shown["email_opted_in"] is marketable
    assert shown["email_status"] == ("SingleOptIn" if opted_in else "Manual")
    api.error("PUT", "/emailAddresses/ada@example.com", 400, json={"opted_in": True})
    api.error(
        "PUT", "/emailAddresses/nobody@example.com", 404, json={"opted_in": True, "reason": "r"}
    )

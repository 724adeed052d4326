"""v2 tasks, email records, sends (the outbox), email templates, email address statuses, the
account's notes and note templates: status, shape (every success body validated against
swagger.yml by the client) and the effect on the store."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from keapsim.simulator import Simulator
from keapsim.specs.validate import check_http_response
from keapsim.store import Tenant

from .helpers import V2, email_contact


def contact(api: V2, email: str = "ada@example.com", **extra: Any) -> str:
    return api.post("/contacts", 201, json=email_contact(email, **extra))["id"]


def task(api: V2, **fields: Any) -> dict[str, Any]:
    return api.post("/tasks", 201, json={"title": "Call", "assigned_to_user_id": "1", **fields})


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- tasks -----------------------------------------------------------------------------------
def test_create_get_and_delete_a_task(api: V2, tenant: Tenant) -> None:
    ada = contact(api)
    created = task(
        api,
        description="Discuss the offer",
        type="CALL",
        priority="ESSENTIAL",
        due_time="2030-01-02T10:00:00Z",
        contact_id=ada,
        accepted=True,
    )
    assert created["priority"] == "ESSENTIAL" and created["contact_id"] == ada
    assert created["assigned_to_user_id"] == "1" and created["created_by_user_id"] == "1"
    assert created["completed"] is False and "completion_time" not in created
    assert created["due_time"] == "2030-01-02T10:00:00.000Z"
    stored = tenant.tasks.get(int(created["id"]))
    assert stored.priority == 2 and stored.contact_id == int(ada) and stored.accepted
    assert api.get(f"/tasks/{created['id']}") == created
    api.delete(f"/tasks/{created['id']}")
    assert tenant.tasks == {}
    api.error("GET", f"/tasks/{created['id']}", 404)


def test_create_needs_an_assigned_user_and_known_references(api: V2, tenant: Tenant) -> None:
    api.error("POST", "/tasks", 400, json={"title": "Call"})
    api.error("POST", "/tasks", 400, json={"title": "Call", "assigned_to_user_id": "99"})
    bad_contact = {"title": "Call", "assigned_to_user_id": "1", "contact_id": "77"}
    api.error("POST", "/tasks", 400, json=bad_contact)
    api.error("POST", "/tasks", 400, json={"assigned_to_user_id": "1", "priority": "URGENT"})
    api.error("POST", "/tasks", 400, json={"assigned_to_user_id": "1", "due_time": "soon"})
    assert tenant.tasks == {}


def test_completing_a_task_stamps_and_reopening_clears_the_time(api: V2, tenant: Tenant) -> None:
    ident = task(api)["id"]
    done = api.patch(f"/tasks/{ident}", json={"completed": True})
    assert done["completed"] is True and done["completion_time"]
    assert tenant.tasks.get(int(ident)).completion_time is not None
    reopened = api.patch(f"/tasks/{ident}", json={"completed": False})
    assert reopened["completed"] is False and "completion_time" not in reopened


def test_patch_changes_only_what_is_given_and_the_mask_narrows_it(api: V2) -> None:
    ident = task(api, description="Old")["id"]
    changed = api.patch(f"/tasks/{ident}", json={"title": "Email", "description": "New"})
    assert (changed["title"], changed["description"]) == ("Email", "New")
    masked = api.patch(
        f"/tasks/{ident}", params={"update_mask": "title"}, json={"title": "Meet", "type": "X"}
    )
    assert masked["title"] == "Meet" and "type" not in masked


def test_list_filters_by_contact_user_due_date_completion_and_more(api: V2, tenant: Tenant) -> None:
    ada, bob = contact(api), contact(api, "bob@example.com")
    second_user = tenant.users.create("sam@example.com", "Sam", "Lee", status="Active").id
    first = task(api, contact_id=ada, due_time="2030-01-01T00:00:00Z", priority="CRITICAL")["id"]
    second = task(api, contact_id=bob, assigned_to_user_id=str(second_user))["id"]
    third = task(api, title="Follow up", completed=True, due_time="2030-06-01T00:00:00Z")["id"]

    def ids(expression: str, **params: Any) -> list[str]:
        body = api.get("/tasks", params={"filter": expression, **params})
        return [t["id"] for t in body["tasks"]]

    assert ids(f"contact_id=={ada}") == [first]
    assert ids(f"user_id=={second_user}") == [second]
    assert ids("has_due_date==true") == [first, third]
    assert ids("has_due_date==false") == [second]
    assert ids("is_completed==true") == [third]
    assert ids("priority==CRITICAL") == [first]
    assert ids(f"task_ids=={first},{third}") == [first, third]
    assert ids(f"id>{first}") == [second, third]
    assert ids("title==Follow*") == [third]
    assert ids("since_time==2030-03-01T00:00:00.000Z") == [third]
    assert ids("until_time==2030-03-01T00:00:00.000Z") == [first]
    assert ids("has_due_date==true", order_by="due_time desc") == [third, first]
    api.error("GET", "/tasks", 400, params={"filter": "colour==red"})
    api.error("GET", "/tasks", 400, params={"order_by": "title"})


def test_unassigned_tasks_are_listed_with_user_id_unassigned(api: V2, tenant: Tenant) -> None:
    tenant.tasks.create(title="Nobody's")
    task(api)
    listed = api.get("/tasks", params={"filter": "user_id==UNASSIGNED"})["tasks"]
    assert [t["title"] for t in listed] == ["Nobody's"]


def test_remind_time_mins_is_a_documented_defect(sim: Simulator, tenant: Tenant) -> None:
    """The document types remind_time_mins as an integer with an enum of strings: no value
    fits both. keapsim sends the integer (the type; the v1 remind_time is an integer too)."""
    with sim.client() as client:
        body = {"title": "Call", "assigned_to_user_id": "1", "remind_time_mins": 30}
        response = client.post("/v2/tasks", json=body)
    assert response.status_code == 201 and response.json()["remind_time_mins"] == 30
    defects = check_http_response("v2", response, prefix="/crm")
    assert [d.location for d in defects] == [("remind_time_mins",)]
    assert tenant.tasks.get(1).remind_time == 30


# -- email records ---------------------------------------------------------------------------
RECORD = {
    "subject": "Hello",
    "headers": "X-Test: 1",
    "sent_to_address": "ada@example.com",
    "sent_to_cc_address_list": ["cc@example.com"],
    "sent_from_address": "me@example.com",
    "sent_time": "2030-01-01T10:00:00Z",
    "opened_time": "2030-01-01T11:00:00Z",
    "original_provider": "GOOGLE",
    "original_provider_id": "abc-1",
    "plain_content": b64("Hi Ada"),
    "html_content": b64("<p>Hi Ada</p>"),
}


def test_create_get_list_and_delete_an_email_record(api: V2, tenant: Tenant) -> None:
    ada = contact(api)
    created = api.post("/emails", 201, json={**RECORD, "contact_id": ada})
    assert created["contact_id"] == ada and created["plain_content"] == RECORD["plain_content"]
    assert created["sent_to_cc_address_list"] == ["cc@example.com"]
    stored = tenant.emails.get(int(created["id"]))
    assert stored.source == "RECORD" and stored.original_provider == "GOOGLE"
    assert api.get(f"/emails/{created['id']}") == created
    listed = api.get("/emails", params={"filter": f"contact_id=={ada}"})["emails"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "plain_content" not in listed[0]  # EmailSent has no content
    assert api.get("/emails", params={"filter": "email==ADA@example.com"})["emails"] == listed
    assert api.get("/emails", params={"filter": "email==bob@example.com"})["emails"] == []
    # The address's status keeps the last sent and open times.
    status = api.get("/emailAddresses/ada@example.com/status")
    assert status["last_sent_time"] == "2030-01-01T10:00:00.000Z"
    assert status["last_open_time"] == "2030-01-01T11:00:00.000Z"
    api.delete(f"/emails/{created['id']}")
    assert tenant.emails == {}


def test_a_record_needs_an_address_and_a_unique_provider_id(api: V2, tenant: Tenant) -> None:
    api.error("POST", "/emails", 400, json={"subject": "No address"})
    api.post("/emails", 201, json=RECORD)
    api.error("POST", "/emails", 400, json=RECORD)
    generated = api.post("/emails", 201, json={"sent_to_address": "x@example.com"})
    assert generated["original_provider"] == "UNKNOWN"
    assert len(generated["original_provider_id"]) == 32  # "a UUID without dashes"
    assert len(tenant.emails) == 2


def test_batch_add_reports_errors_and_keeps_the_rest(api: V2, tenant: Tenant) -> None:
    second = {**RECORD, "original_provider_id": "2"}
    body = {"emails": [RECORD, RECORD, second]}
    answer = api.post("/emails:batchAdd", 201, json=body)
    assert [e["original_provider_id"] for e in answer["emails"]] == ["abc-1", "2"]
    message = "original_provider_id must be unique for its original_provider"
    # The request comes back with its times in Keap's form.
    echoed = {
        **RECORD,
        "sent_time": "2030-01-01T10:00:00.000Z",
        "opened_time": "2030-01-01T11:00:00.000Z",
    }
    assert answer["errors"] == [{"email": echoed, "error_message": message}]
    assert len(tenant.emails) == 2
    api.error("POST", "/emails:batchAdd", 400, json={})


def test_batch_remove_answers_per_id(api: V2, tenant: Tenant) -> None:
    first = api.post("/emails", 201, json=RECORD)["id"]
    answer = api.post("/emails:batchRemove", json={"email_ids": [first, "999"]})
    assert answer == {"results": {first: "SUCCESS", "999": "EMAIL_ID_NOT_FOUND"}}
    assert tenant.emails == {}


def test_list_filters_by_created_time_and_orders(api: V2, sim: Simulator) -> None:
    first = api.post("/emails", 201, json={"sent_to_address": "a@example.com"})["id"]
    sim.clock.advance(60)
    second = api.post("/emails", 201, json={"sent_to_address": "b@example.com"})["id"]
    newest = api.get("/emails", params={"order_by": "created_time desc"})["emails"]
    assert [e["id"] for e in newest] == [second, first]
    created = sim.tenant().emails.get(int(second)).create_time
    since = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    later = api.get("/emails", params={"filter": f"start_created_time=={since}"})["emails"]
    assert [e["id"] for e in later] == [second]


# -- sending ---------------------------------------------------------------------------------
def _outbox(sim: Simulator, tenant: Tenant) -> list[dict[str, Any]]:
    # In-process requests count as loopback, which the admin API asks for.
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as admin:
        response = admin.get(f"/_keapsim/tenants/{tenant.id}/outbox")
    assert response.status_code == 200
    return response.json()["emails"]


def test_send_records_one_email_per_contact_in_the_outbox(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ada, bob = contact(api), contact(api, "bob@example.com")
    body = {
        "contacts": [ada, bob],
        "subject": "News",
        "user_id": "1",
        "plain_content": b64("Hello"),
        "attachments": [{"file_name": "terms.pdf", "file_data": b64("%PDF")}],
    }
    response = api.raw("POST", "/emails:send", json=body)
    assert (response.status_code, response.content) == (202, b"")
    assert check_http_response("v2", response, prefix="/crm") == []
    outbox = _outbox(sim, tenant)
    assert [(e["sent_to_address"], e["source"]) for e in outbox] == [
        ("ada@example.com", "SEND"),
        ("bob@example.com", "SEND"),
    ]
    owner = tenant.users.account_owner()
    assert outbox[0]["sent_from_address"] == owner.email_address
    assert outbox[0]["attachments"] == ["terms.pdf"]
    # The sends are email records too: listed, with their content.
    listed = api.get("/emails", params={"filter": f"contact_id=={ada}"})["emails"]
    assert listed[0]["subject"] == "News" and listed[0]["original_provider"] == "INFUSIONSOFT"


@pytest.mark.parametrize(
    "change",
    [
        {"user_id": None},  # neither user_id nor from_address
        {"from_address": "me@example.com"},  # both
        {"contacts": ["404"]},
        {"attachments": [{"file_name": "run.exe", "file_data": "AA=="}]},
        {"attachments": [{"file_name": "a.txt", "file_data": "not base64!"}]},
        {"address_field": "Fax"},
    ],
)
def test_a_bad_send_is_a_400_and_records_nothing(
    api: V2, tenant: Tenant, change: dict[str, Any]
) -> None:
    ada = contact(api)
    body = {"contacts": [ada], "subject": "News", "user_id": "1", **change}
    api.error("POST", "/emails:send", 400, json={k: v for k, v in body.items() if v is not None})
    assert tenant.emails == {}


def test_send_skips_opted_out_addresses_and_uses_the_address_field(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ada = contact(api)
    bob = api.post(
        "/contacts",
        201,
        json={
            "email_addresses": [
                {"email": "bob@example.com", "field": "EMAIL1"},
                {"email": "bob@work.example", "field": "EMAIL2"},
            ]
        },
    )["id"]
    api.patch("/emailAddresses/ada@example.com/status", json={"opted_in": False, "reason": "No"})
    body = {"contacts": [ada, bob], "subject": "Hi", "from_address": "me@example.com"}
    assert api.raw("POST", "/emails:send", json=body).status_code == 202
    assert [e["sent_to_address"] for e in _outbox(sim, tenant)] == ["bob@example.com"]
    body["address_field"] = "EmailAddress2"
    assert api.raw("POST", "/emails:send", json=body).status_code == 202
    assert _outbox(sim, tenant)[-1]["sent_to_address"] == "bob@work.example"


def test_templates_are_listed_read_and_sent(api: V2, sim: Simulator, tenant: Tenant) -> None:
    welcome = tenant.email_templates.create(
        piece_title="Welcome",
        subject="Welcome!",
        categories=["Onboarding"],
        text_body="Hello",
        html_body="<p>Hello</p>",
    )
    tenant.email_templates.create(piece_title="Receipt", categories=["Billing"])
    listed = api.get("/emails/templates")["email_templates"]
    assert [t["piece_title"] for t in listed] == ["Welcome", "Receipt"]
    assert "text_body" not in listed[0]  # the summary has no bodies
    filtered = api.get("/emails/templates", params={"filter": "category==Billing"})
    assert [t["piece_title"] for t in filtered["email_templates"]] == ["Receipt"]
    full = api.get(f"/emails/templates/{welcome.id}")
    assert full["id"] == welcome.id and full["text_body"] == "Hello"
    api.error("GET", "/emails/templates/99", 404)
    ada = contact(api)
    body = {"template_id": str(welcome.id), "contact_ids": [ada], "user_id": "1"}
    response = api.raw("POST", "/emails/templates:send", json=body)
    assert (response.status_code, response.content) == (202, b"")
    [sent] = _outbox(sim, tenant)
    assert (sent["source"], sent["template_id"], sent["subject"]) == (
        "TEMPLATE",
        welcome.id,
        "Welcome!",
    )
    assert base64.b64decode(sent["plain_content"]) == b"Hello"
    api.error("POST", "/emails/templates:send", 400, json={**body, "template_id": "99"})
    api.error("POST", "/emails/templates:send", 400, json={"template_id": "1"})


# -- email address status --------------------------------------------------------------------
def test_opting_an_address_in_and_out_shows_on_the_contact(api: V2, tenant: Tenant) -> None:
    ada = contact(api)
    status = api.get("/emailAddresses/ada@example.com/status")
    assert (status["status"], status["opted_in"]) == ("UNENGAGED_NON_MARKETABLE", False)
    opted_in = api.patch(
        "/emailAddresses/ada@example.com/status", json={"opted_in": True, "reason": "Webform"}
    )
    assert (opted_in["status"], opted_in["opted_in"]) == ("SINGLE_OPT_IN", True)
    [address] = api.get(f"/contacts/{ada}")["email_addresses"]
    assert (address["email_opt_status"], address["is_opt_in"]) == ("SINGLE_OPT_IN", True)
    out = api.patch(
        "/emailAddresses/ADA@example.com/status", json={"opted_in": False, "reason": "Asked"}
    )
    assert (out["status"], out["opted_in"]) == ("MANUAL", False)
    assert tenant.email_statuses.find_address("ada@example.com").reason == "Asked"
    with_contact = api.get(f"/contacts/{ada}")["email_addresses"][0]
    assert with_contact["email_opt_status"] == "MANUAL"


def test_only_some_statuses_can_be_opted_in(api: V2, tenant: Tenant) -> None:
    contact(api)
    record = tenant.email_statuses.create(email="ada@example.com", status="ListUnsubscribe")
    answer = api.patch(
        "/emailAddresses/ada@example.com/status", json={"opted_in": True, "reason": "Please"}
    )
    assert answer["status"] == "LIST_UNSUBSCRIBE" and answer["opted_in"] is False
    assert tenant.email_statuses.get(record.id).status == "ListUnsubscribe"


def test_an_unknown_address_is_a_404_and_bad_bodies_400(api: V2) -> None:
    api.error("GET", "/emailAddresses/nobody@example.com/status", 404)
    contact(api)
    path = "/emailAddresses/ada@example.com/status"
    api.error("PATCH", path, 400, json={"opted_in": True})
    api.error("PATCH", path, 400, json={"opted_in": "maybe", "reason": "x"})


def test_list_email_addresses_with_filters(api: V2) -> None:
    contact(api)
    marketable = {"email": "bob@example.com", "field": "EMAIL1", "opt_in_reason": "Signed up"}
    api.post("/contacts", 201, json={"email_addresses": [marketable]})
    contact(api, "cy@example.com")
    api.patch("/emailAddresses/cy@example.com/status", json={"opted_in": False, "reason": "No"})
    listed = api.get("/emailAddresses")["email_addresses"]
    assert [(a["email"], a["status"]) for a in listed] == [
        ("ada@example.com", "UNENGAGED_NON_MARKETABLE"),
        ("bob@example.com", "UNENGAGED_MARKETABLE"),
        ("cy@example.com", "MANUAL"),
    ]

    def emails(expression: str) -> list[str]:
        body = api.get("/emailAddresses", params={"filter": expression})
        return [a["email"] for a in body["email_addresses"]]

    assert emails("opted_in==true") == ["bob@example.com"]
    assert emails("statuses==MANUAL,UNENGAGED_MARKETABLE") == ["bob@example.com", "cy@example.com"]
    assert emails("emails==ada@example.com,cy@example.com") == ["ada@example.com", "cy@example.com"]
    ordered = api.get("/emailAddresses", params={"order_by": "email desc"})["email_addresses"]
    assert ordered[0]["email"] == "cy@example.com"
    api.error("GET", "/emailAddresses", 400, params={"filter": "statuses==HAPPY"})


# -- notes (top level) and note templates -------------------------------------------------------
def test_all_notes_of_the_account_with_filters(api: V2, tenant: Tenant) -> None:
    ada, bob = contact(api), contact(api, "bob@example.com")
    for who, title in ((ada, "Call Ada"), (bob, "Call Bob"), (bob, "Lunch")):
        api.post(f"/contacts/{who}/notes", 201, json={"title": title, "user_id": "1"})
    notes = api.get("/notes")["notes"]
    assert [n["title"] for n in notes] == ["Call Ada", "Call Bob", "Lunch"]
    by_bob = api.get("/notes", params={"filter": f"contact_id=={bob}"})["notes"]
    assert [n["title"] for n in by_bob] == ["Call Bob", "Lunch"]
    calls = api.get("/notes", params={"filter": "title==Call*", "order_by": "id desc"})["notes"]
    assert [n["title"] for n in calls] == ["Call Bob", "Call Ada"]
    api.error("GET", "/notes", 400, params={"filter": "id==1;ids==1,2"})
    assert len(tenant.notes) == 3


def test_note_templates_come_from_seed_data(api: V2, tenant: Tenant) -> None:
    owner = tenant.users.account_owner().id
    tenant.note_templates.create(title="Meeting", action_type="Appointment")
    tenant.note_templates.create(title="Call", action_type="Call", assignment_user_id=owner)
    listed = api.get("/notes/templates", params={"order_by": "title"})["note_templates"]
    assert [(t["title"], t.get("assignment_user_id")) for t in listed] == [
        ("Call", owner),
        ("Meeting", None),
    ]
    calls = api.get("/notes/templates", params={"filter": "action_type==Call"})
    assert [t["title"] for t in calls["note_templates"]] == ["Call"]


def test_no_request_leaves_for_an_outside_address(sim: Simulator) -> None:
    """Sending never opens a connection: a contact at an address under .invalid is recorded."""
    with sim.client() as client:
        client.post("/v2/contacts", json=email_contact("ann@mail.invalid"))
        response = client.post(
            "/v2/emails:send", json={"contacts": ["1"], "subject": "Hi", "user_id": "1"}
        )
    assert response.status_code == 202
    assert [e.sent_to_address for e in sim.tenant().emails.outbox()] == ["ann@mail.invalid"]


def test_a_failed_batch_item_is_echoed_as_the_schema_allows(api: V2, tenant: Tenant) -> None:
    """errors[].email is a CreateEmailSentRequest, which requires sent_to_address: a value of
    the wrong type is left out and a missing address shows as ""."""
    body = {"emails": [{"subject": 5, "headers": "h"}, {"sent_to_address": "a@example.com"}]}
    answer = api.post("/emails:batchAdd", 201, json=body)
    assert answer["errors"] == [
        {
            "email": {"headers": "h", "sent_to_address": ""},
            "error_message": "Input could not be converted to a valid request",
        }
    ]
    assert len(answer["emails"]) == 1 and len(tenant.emails) == 1


def test_templates_come_from_scenario_files(api: V2, sim: Simulator) -> None:
    from keapsim.scenarios.loader import ScenarioError, apply_scenario

    apply_scenario(
        sim,
        {
            "name": "templates",
            "tenant": {
                "email_templates": [{"piece_title": "Welcome", "subject": "Hi"}],
                "note_templates": [{"title": "Call summary", "action_type": "Call"}],
            },
        },
    )
    assert [t["piece_title"] for t in api.get("/emails/templates")["email_templates"]] == [
        "Welcome"
    ]
    assert [t["title"] for t in api.get("/notes/templates")["note_templates"]] == ["Call summary"]
    with pytest.raises(ScenarioError, match="tenant.email_templates.0"):
        apply_scenario(sim, {"name": "bad", "tenant": {"email_templates": [{"subject": "x"}]}})


def test_the_dashboard_shows_the_outbox(api: V2, sim: Simulator) -> None:
    ada = contact(api)
    api.raw("POST", "/emails:send", json={"contacts": [ada], "subject": "Hello", "user_id": "1"})
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as admin:
        page = admin.get("/_keapsim/ui/panels/outbox")
    assert page.status_code == 200
    assert "ada@example.com" in page.text and "Hello" in page.text

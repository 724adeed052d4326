"""v1 bodies in the shape captured from a real Keap account (keap-facts.md §9; the evidence
cassettes ``contracts/cassettes/evidence/*_captured.yaml`` hold the captures)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from contracts.evidence import CAPTURED_V1_CONTACT
from keapsim.api.v1.shapes import utc_millis, v1_time
from keapsim.store import Tenant

from .helpers import V1

V1_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
JOHN = {"email_addresses": [{"email": "john.doe@gmail.com", "field": "EMAIL1"}]}
#: keap-python 1.3.0 README, contact_service.model() (keap-facts.md §9.2).
PRINTED_MODEL_OPTIONAL = [
    "birthday",
    "opt_in_reason",
    "preferred_locale",
    "website",
    "notes",
    "custom_fields",
    "prefix",
    "origin",
    "source_type",
    "time_zone",
    "suffix",
    "lead_source_id",
    "social_accounts",
    "fax_numbers",
    "relationships",
    "spouse_name",
    "contact_type",
    "company_name",
    "job_title",
    "anniversary",
    "preferred_name",
]


def _millis(text: str) -> int:
    """Milliseconds since the epoch of a v1 time, in integer arithmetic."""
    return (datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
        milliseconds=1
    )


def test_a_contact_written_with_only_an_email_has_keaps_default_properties(api: V1) -> None:
    created = api.post("/contacts", 201, json=JOHN)
    assert set(created) == set(CAPTURED_V1_CONTACT)
    assert (created["company"], created["middle_name"], created["owner_id"]) == (None, None, None)
    assert (created["given_name"], created["family_name"]) == ("", "")
    assert created["ScoreValue"] == "0"
    assert created["last_updated_utc_millis"] == _millis(created["last_updated"])
    assert created["tag_ids"] == [] and created["addresses"] == created["phone_numbers"] == []
    # Every write answers the same default properties (keap-python README, PATCH and PUT).
    patched = api.patch(f"/contacts/{created['id']}", json={"family_name": "Doe"})
    upserted = api.put("/contacts", json={**JOHN, "duplicate_option": "Email"})
    assert set(patched) == set(upserted) == set(CAPTURED_V1_CONTACT)
    assert upserted["family_name"] == "Doe" and upserted["middle_name"] is None


def test_v1_times_carry_a_plus_0000_offset(api: V1, tenant: Tenant) -> None:
    contact = api.post("/contacts", 201, json={**JOHN, "given_name": "John"})
    for name in ("date_created", "last_updated"):
        assert V1_TIME.match(contact[name]), contact[name]
    tag = api.post("/tags", json={"name": "Hot"})
    api.post(f"/contacts/{contact['id']}/tags", json={"tagIds": [tag["id"]]})
    [applied] = api.get(f"/contacts/{contact['id']}/tags")["tags"]
    [tagged] = api.get(f"/tags/{tag['id']}/contacts")["contacts"]
    note = api.post("/notes", 201, json={"contact_id": contact["id"], "title": "Hi"})
    task = api.post("/tasks", json={"title": "Call", "due_date": "2030-01-02T10:00:00Z"})
    [user] = api.get("/users")["users"]
    for value in (
        applied["date_applied"],
        tagged["date_applied"],
        note["date_created"],
        task["due_date"],
        user["date_created"],
    ):
        assert V1_TIME.match(value), value
    assert task["due_date"] == "2030-01-02T10:00:00.000+0000"
    # Clients read them back: since= takes the form (Python parses it as well).
    since = api.get("/contacts", params={"since": contact["last_updated"]})
    assert [c["id"] for c in since["contacts"]] == [contact["id"]]
    assert datetime.fromisoformat(contact["date_created"]).tzinfo == UTC


def test_an_api_contact_stays_non_marketable_after_emails_are_recorded(api: V1) -> None:
    created = api.post("/contacts", 201, json=JOHN)
    assert created["email_status"] == "NonMarketable" and created["email_opted_in"] is False
    api.post(
        "/emails",
        201,
        json={
            "contact_id": created["id"],
            "sent_to_address": "john.doe@gmail.com",
            "sent_from_address": "owner@example.com",
            "subject": "Hello",
            "sent_date": "2026-01-01T00:00:00Z",
            "opened_date": "2026-01-01T01:00:00Z",
        },
    )
    assert api.get(f"/contacts/{created['id']}")["email_status"] == "NonMarketable"
    [item] = api.get("/contacts")["contacts"]
    assert item["email_status"] == "NonMarketable"


def test_list_items_carry_tag_ids_and_the_null_properties(api: V1) -> None:
    created = api.post("/contacts", 201, json=JOHN)
    [item] = api.get("/contacts")["contacts"]
    assert set(item) == set(CAPTURED_V1_CONTACT)
    assert item["tag_ids"] == [] and item["middle_name"] is None and item["company"] is None
    tag = api.post("/tags", json={"name": "Hot"})
    api.post(f"/contacts/{created['id']}/tags", json={"tagIds": [tag["id"]]})
    [item] = api.get("/contacts")["contacts"]
    assert item["tag_ids"] == [tag["id"]]


def test_optional_properties_come_on_request_and_null_when_unset(api: V1) -> None:
    assert api.get("/contacts/model")["optional_properties"] == PRINTED_MODEL_OPTIONAL
    created = api.post("/contacts", 201, json={**JOHN, "website": "https://example.com"})
    plain = api.get(f"/contacts/{created['id']}")
    assert not set(plain) & set(PRINTED_MODEL_OPTIONAL)  # website too: it is optional
    asked = api.get(
        f"/contacts/{created['id']}",
        params={"optional_properties": "lead_source_id,custom_fields,website,job_title"},
    )
    assert asked["lead_source_id"] is None and asked["job_title"] is None
    assert asked["website"] == "https://example.com" and asked["custom_fields"] == []
    [item] = api.get("/contacts", params={"optional_properties": "lead_source_id"})["contacts"]
    assert item["lead_source_id"] is None


def test_custom_field_metadata_sends_a_null_default_value(api: V1, tenant: Tenant) -> None:
    tenant.custom_fields.create("Color", "Text", record_type="OPPORTUNITY")
    [field] = api.get("/opportunities/model")["custom_fields"]
    assert "default_value" in field and field["default_value"] is None
    created = api.post(
        "/contacts/model/customFields", 201, json={"label": "A", "field_type": "Text"}
    )
    assert created["default_value"] is None


def test_tag_bodies_send_a_null_category_description_and_empty_names(api: V1) -> None:
    category = api.post("/tags/categories", json={"name": "Customer Tags"})
    tag = api.post("/tags", json={"name": "T", "category": {"id": category["id"]}})
    assert tag["category"] == {"id": category["id"], "name": "Customer Tags", "description": None}
    ada = api.post("/contacts", 201, json={**JOHN, "given_name": "Johnny"})
    api.post(f"/tags/{tag['id']}/contacts", json={"ids": [ada["id"]]})
    [tagged] = api.get(f"/tags/{tag['id']}/contacts")["contacts"]
    assert tagged["contact"]["last_name"] == "" and tagged["contact"]["first_name"] == "Johnny"


def test_the_time_helpers_reproduce_the_captured_pair() -> None:
    """write-contacts.json: last_updated and last_updated_utc_millis name the same instant."""
    moment = datetime.fromisoformat(CAPTURED_V1_CONTACT["last_updated"])
    assert v1_time(moment) == CAPTURED_V1_CONTACT["last_updated"]
    assert utc_millis(moment) == CAPTURED_V1_CONTACT["last_updated_utc_millis"]

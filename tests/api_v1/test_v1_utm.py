"""POST /v1/contacts/{contactId}/utm (insertUTMsUsingPOST): served in the v1 description, so
its success body is checked against the official document like every other operation."""

from __future__ import annotations

from keapsim.store import Tenant

from .helpers import UNCONVERTIBLE, V1, email_contact


def test_insert_utms_stores_them_on_the_contact(api: V1, tenant: Tenant) -> None:
    contact = api.post("/contacts", 201, json=email_contact("utm@example.com"))
    body = {"keapSourceId": "6088383224687662", "utmSource": "google", "utmMedium": "cpc"}
    answer = api.post(f"/contacts/{contact['id']}/utm", 201, json=body)
    assert {k: answer[k] for k in body} == body
    stored = tenant.contacts.get(contact["id"]).utm_parameters
    assert stored == {
        "keap_source_id": "6088383224687662",
        "utm_source": "google",
        "utm_medium": "cpc",
    }
    # A second insert replaces the set (keapsim keeps one set per contact).
    api.post(f"/contacts/{contact['id']}/utm", 201, json={"keapSourceId": "1", "utmTerm": "t"})
    assert tenant.contacts.get(contact["id"]).utm_parameters == {
        "keap_source_id": "1",
        "utm_term": "t",
    }


def test_insert_utms_errors(api: V1) -> None:
    contact = api.post("/contacts", 201, json=email_contact("utm2@example.com"))
    path = f"/contacts/{contact['id']}/utm"
    assert api.error("POST", path, 400, json={"utmSource": "google"}) == "keapSourceId is required"
    assert api.error("POST", path, 400, json=[{"keapSourceId": "1"}]) == UNCONVERTIBLE
    assert api.error("POST", path, 400, json={"keapSourceId": 5}) == UNCONVERTIBLE
    missing = api.error("POST", "/contacts/99999/utm", 404, json={"keapSourceId": "1"})
    assert missing == "Unable to find this Contact"

"""The standard lead table mapped onto Keap's v1 and v2 contact shapes."""

from __future__ import annotations

from connector.config import parse_config
from connector.mapping import Resolved, contact_body, note_text, restrict_for_existing
from connector.validation import normalise_lead

LEAD = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone_1": "602-555-0123",
    "phone_3": "602-555-0199",
    "address_1": "1 Main St",
    "city": "Phoenix",
    "state": "AZ",
    "postal_code": "85001",
    "website": "https://ada.example.com",
    "title": "Analyst",
    "dob": "1985-03-15",
    "comments": "Interested in plans",
    "utm_source": "google",
    "referring_url": "https://ref.example.com",
}


def cfg(version="v2", **extra):
    return parse_config(
        {
            "keap": {"api_version": version, "credentials": {"type": "api_key", "api_key": "k"}},
            "contact": {"source_type": "landing_page", "owner_id": 3, "contact_type": "Lead"},
            **extra,
        }
    )


def test_v2_shape():
    body = contact_body(
        normalise_lead(LEAD), cfg(), Resolved(lead_source_id=9, custom_fields={4: "x"})
    )
    assert body["given_name"] == "Ada" and body["family_name"] == "Lovelace"
    assert body["email_addresses"] == [{"email": "ada@example.com", "field": "EMAIL1"}]
    assert body["phone_numbers"] == [
        {"number": "+16025550123", "field": "PHONE1"},
        {"number": "+16025550199", "field": "PHONE3"},
    ]
    assert body["addresses"] == [
        {
            "field": "BILLING",
            "line1": "1 Main St",
            "locality": "Phoenix",
            "postal_code": "85001",
            "country_code": "USA",
            "region_code": "US-AZ",
        }
    ]
    assert body["birth_date"] == "1985-03-15"
    assert body["job_title"] == "Analyst" and body["website"] == "https://ada.example.com"
    assert body["source_type"] == "LANDING_PAGE"
    assert body["leadsource_id"] == "9" and body["owner_id"] == "3"  # v2 ids are strings
    assert body["custom_fields"] == [{"id": "4", "content": "x"}]
    assert "utm_parameters" not in body  # no keap_source_id configured: UTM goes to the note


def test_v1_shape():
    body = contact_body(normalise_lead(LEAD), cfg("v1"), Resolved(lead_source_id=9))
    assert body["addresses"][0]["region"] == "Arizona"
    assert "region_code" not in body["addresses"][0]
    assert body["birthday"] == "1985-03-15T00:00:00.000Z"
    assert body["source_type"] == "LANDINGPAGE"
    assert body["lead_source_id"] == 9 and body["owner_id"] == 3


def test_utm_parameters_on_v2_with_a_form_id():
    body = contact_body(normalise_lead(LEAD), cfg(utm={"keap_source_id": "77"}), Resolved())
    assert body["utm_parameters"] == {"keap_source_id": "77", "utm_source": "google"}
    text = note_text(normalise_lead(LEAD), cfg(utm={"keap_source_id": "77"}))
    assert "utm_source" not in text and "referring_url: https://ref.example.com" in text


def test_note_carries_comments_and_tracking():
    text = note_text(normalise_lead(LEAD), cfg("v1"))
    assert text.startswith("Interested in plans")
    assert "utm_source: google" in text and "referring_url: https://ref.example.com" in text


def test_restrict_for_existing_drops_preserved_and_merges_slots():
    config = cfg(existing_contacts={"preserve_fields": ["first_name", "owner"]})
    body = contact_body(normalise_lead(LEAD), config, Resolved())
    existing = {
        "phone_numbers": [
            {"number": "+15550000002", "field": "PHONE2", "type": "Work"},
            {"number": "+15550000001", "field": "PHONE1"},
        ],
        "email_addresses": [{"email": "old@example.com", "field": "EMAIL2", "is_opt_in": True}],
    }
    patch = restrict_for_existing(body, config, existing)
    assert "given_name" not in patch and "owner_id" not in patch
    assert patch["family_name"] == "Lovelace"
    fields = {p["field"]: p["number"] for p in patch["phone_numbers"]}
    assert fields == {"PHONE1": "+16025550123", "PHONE3": "+16025550199", "PHONE2": "+15550000002"}
    assert {"email": "old@example.com", "field": "EMAIL2"} in patch["email_addresses"]


def test_update_fields_whitelist():
    config = cfg(existing_contacts={"update_fields": ["phones", "title"]})
    body = contact_body(normalise_lead(LEAD), config, Resolved())
    assert set(restrict_for_existing(body, config, None)) == {"phone_numbers", "job_title"}

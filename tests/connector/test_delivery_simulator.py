"""The connector end to end against the in-process simulator (no HTTP mocks)."""

from __future__ import annotations

import json

import pytest
from support.connector_flows import GUIDE_LEAD

V2_FIELDS = (
    "addresses,birth_date,custom_fields,email_addresses,given_name,family_name,job_title,"
    "leadsource_id,phone_numbers,website,contact_type,preferred_locale,source_type,tag_ids,"
    "owner_id,utm_parameters"
)
V1_OPTIONAL = (
    "custom_fields,job_title,lead_source_id,birthday,website,preferred_locale,contact_type,"
    "source_type"
)

BOTH = pytest.mark.parametrize("version", ["v1", "v2"])


def fetch(api, version: str, contact_id: str) -> dict:
    if version == "v2":
        response = api.get(f"/v2/contacts/{contact_id}", params={"fields": V2_FIELDS})
    else:
        response = api.get(
            f"/v1/contacts/{contact_id}", params={"optional_properties": V1_OPTIONAL}
        )
    assert response.status_code == 200, response.text
    return response.json()


def full_flow(seed, **extra):
    return {
        "contact": {
            "lead_source": "{{ lead.source }}",
            "source_type": "WEBFORM",
            "contact_type": "Lead",
            "preferred_locale": "en_US",
        },
        "tags": [
            seed.tag_web,
            "{% if lead.score >= 80 %}" + str(seed.tag_hot) + "{% endif %}",
            {"id": seed.tag_back, "when": "duplicate"},
            {"id": seed.tag_new, "when": "new"},
        ],
        "sequences": [
            {"campaign_id": seed.campaign, "sequence_id": seed.seq_all},
            {"campaign_id": seed.campaign, "sequence_id": seed.seq_new, "when": "new"},
        ],
        "custom_fields": [
            {"field": "Lead Score", "value": "{{ lead.score }}"},
            {"field": "journey", "value": "{{ lead.touchpoints | join_nonempty(' > ') }}"},
        ],
        "note": {"title": "Web lead from {{ lead.source }}"},
        **extra,
    }


def tag_ids(contact: dict) -> set[int]:
    return {int(t) for t in contact.get("tag_ids") or []}


@BOTH
def test_guide_lead_end_to_end(version, sim, seed, connect, api):
    owner = sim.tenant().users.create("owner@example.com", "Olive", status="Active")
    flow = full_flow(seed)
    flow["contact"]["owner_id"] = owner.id
    connector = connect(version, **flow)
    result = connector.deliver(GUIDE_LEAD)

    assert result.outcome == "success", result
    assert result.reason is None
    assert result.duplicate is False
    assert result.attempts >= 5 and result.elapsed > 0
    assert [s.name for s in result.steps][-4:] == [
        "tags",
        f"sequence {seed.campaign}/{seed.seq_all}",
        f"sequence {seed.campaign}/{seed.seq_new}",
        "note",
    ]
    contact = fetch(api, version, result.contact_id)

    # every mapped field is visible on the Keap contact
    assert contact["given_name"] == "Ada" and contact["family_name"] == "Lovelace"
    assert contact["email_addresses"][0]["email"] == "ada.lovelace@example.com"
    phones = {p["field"]: p["number"] for p in contact["phone_numbers"]}
    assert phones == {"PHONE1": "+16025550123", "PHONE2": "+16025550188", "PHONE3": "+442079460958"}
    (address,) = contact["addresses"]
    assert address["line1"] == "1 Analytical Engine Way" and address["line2"] == "Suite 1843"
    assert address["locality"] == "Phoenix" and address["postal_code"] == "85001"
    assert address["country_code"] == "USA" and address["field"] == "BILLING"
    if version == "v2":
        assert address["region_code"] == "US-AZ"
        assert contact["birth_date"] == "1985-12-10"
        assert contact["leadsource_id"] == str(seed.lead_source)
    else:
        assert address["region"] == "Arizona"
        assert contact["birthday"].startswith("1985-12-10")
        assert contact["lead_source_id"] == seed.lead_source
    assert contact["website"] == "https://ada.example.com"
    assert contact["job_title"] == "Chief Analyst"
    assert contact["source_type"] == "WEBFORM" and contact["contact_type"] == "Lead"
    assert contact["preferred_locale"] == "en_US"
    assert int(contact["owner_id"]) == owner.id
    custom = {int(f["id"]): f["content"] for f in contact["custom_fields"]}
    assert custom[seed.cf_score] == "91"
    assert custom[seed.cf_journey] == "ad > landing page > form"

    # follow-ups: static + templated tags, "new" tag, both sequences, the note
    assert tag_ids(contact) == {seed.tag_web, seed.tag_hot, seed.tag_new}
    tenant = sim.tenant()
    assert set(tenant.campaigns.sequences_of(int(result.contact_id))) == {
        (seed.campaign, seed.seq_all),
        (seed.campaign, seed.seq_new),
    }
    if version == "v2":
        notes = api.get(f"/v2/contacts/{result.contact_id}/notes").json()["notes"]
    else:
        notes = api.get("/v1/notes", params={"contact_id": result.contact_id}).json()["notes"]
    (note,) = notes
    text = note.get("text") or note.get("body")
    assert note["title"] == "Web lead from Spring Expo"
    assert text.startswith(GUIDE_LEAD["comments"])
    # no form id configured for UTM, and the referrer has no place in Keap: both in the note
    assert "utm_source: google" in text
    assert "referring_url: https://partner.example.com/review" in text


@BOTH
def test_second_delivery_updates_and_runs_duplicate_follow_ups(version, sim, seed, connect, api):
    connector = connect(version, **full_flow(seed))
    first = connector.deliver(GUIDE_LEAD)
    second = connector.deliver({**GUIDE_LEAD, "title": "Countess", "score": 10})

    assert second.outcome == "success" and second.duplicate is True
    assert second.contact_id == first.contact_id
    assert len(sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])) == 1
    contact = fetch(api, version, second.contact_id)
    assert contact["job_title"] == "Countess"
    assert seed.tag_back in tag_ids(contact)  # "welcome back" only on the duplicate
    seq_names = [s.name for s in second.steps if s.name.startswith("sequence")]
    assert seq_names == [f"sequence {seed.campaign}/{seed.seq_all}"]  # "new" sequence skipped


@BOTH
def test_create_new_makes_a_second_contact(version, sim, connect):
    connector = connect(version, duplicates={"mode": "create_new"})
    a = connector.deliver(GUIDE_LEAD)
    b = connector.deliver(GUIDE_LEAD)
    assert (a.outcome, b.outcome) == ("success", "success")
    assert a.contact_id != b.contact_id
    assert b.duplicate is False
    assert len(sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])) == 2


@BOTH
def test_skip_existing(version, sim, connect):
    connector = connect(version, duplicates={"mode": "skip_existing"})
    first = connector.deliver(GUIDE_LEAD)
    assert first.outcome == "success" and first.duplicate is False
    before = len(sim.journal)
    again = connector.deliver({**GUIDE_LEAD, "title": "Changed"})
    assert again.outcome == "skip"
    assert again.reason == "contact already exists in Keap (skip_existing)"
    assert again.contact_id == first.contact_id and again.duplicate is True
    assert len(sim.journal) - before == 1  # only the look-up was sent
    assert sim.tenant().contacts.get(int(first.contact_id)).job_title == "Chief Analyst"


@BOTH
def test_match_email_and_name(version, sim, connect):
    connector = connect(version, duplicates={"match": "email_and_name"})
    a = connector.deliver(GUIDE_LEAD)
    b = connector.deliver({**GUIDE_LEAD, "first_name": "Augusta"})
    c = connector.deliver(GUIDE_LEAD)
    assert a.contact_id != b.contact_id and b.duplicate is False
    assert c.contact_id == a.contact_id and c.duplicate is True


@BOTH
def test_existing_contact_fields_preserved(version, sim, connect, api):
    connector = connect(version)
    first = connector.deliver({**GUIDE_LEAD, "phone_3": ""})
    guarded = connect(
        version,
        existing_contacts={"preserve_fields": ["first_name", "title"]},
    )
    result = guarded.deliver(
        {
            "email": GUIDE_LEAD["email"],
            "first_name": "Augusta",
            "last_name": "King",
            "title": "Countess",
            "phone_3": "602-555-0177",
        }
    )
    assert result.outcome == "success" and result.duplicate is True
    assert result.contact_id == first.contact_id
    contact = fetch(api, version, result.contact_id)
    assert contact["given_name"] == "Ada" and contact["job_title"] == "Chief Analyst"
    assert contact["family_name"] == "King"
    phones = {p["field"]: p["number"] for p in contact["phone_numbers"]}
    # the new slot is added, the existing slots survive Keap's replace-the-list semantics
    assert phones == {"PHONE1": "+16025550123", "PHONE2": "+16025550188", "PHONE3": "+16025550177"}


@BOTH
def test_existing_contact_only_update_fields_are_written(version, sim, connect, api):
    first = connect(version).deliver(GUIDE_LEAD)
    narrow = connect(version, existing_contacts={"update_fields": ["title", "phones"]})
    result = narrow.deliver(
        {
            "email": GUIDE_LEAD["email"],
            "first_name": "Augusta",
            "title": "Countess",
            "city": "London",
            "phone_1": "602-555-0177",
        }
    )
    assert (result.outcome, result.duplicate) == ("success", True), result.reason
    assert result.contact_id == first.contact_id
    contact = fetch(api, version, result.contact_id)
    assert contact["job_title"] == "Countess"
    phones = {p["field"]: p["number"] for p in contact["phone_numbers"]}
    assert phones["PHONE1"] == "+16025550177" and phones["PHONE2"] == "+16025550188"
    # not in update_fields: left as they were
    assert contact["given_name"] == "Ada"
    assert contact["addresses"][0]["locality"] == "Phoenix"


@BOTH
def test_shipping_address_type(version, connect, api):
    result = connect(version, contact={"address_type": "SHIPPING"}).deliver(GUIDE_LEAD)
    (address,) = fetch(api, version, result.contact_id)["addresses"]
    assert address["field"] == "SHIPPING" and address["locality"] == "Phoenix"


@BOTH
def test_a_us_virgin_islands_lead_is_accepted(version, connect, api):
    """Regression: v1 sent the connector's name for VI ("U.S. Virgin Islands"), which keapsim's
    region table did not know, and the lead failed with 400 "Region is invalid"."""
    lead = {**GUIDE_LEAD, "state": "VI", "city": "Charlotte Amalie", "postal_code": "00802"}
    result = connect(version).deliver(lead)
    assert result.outcome == "success", result
    (address,) = fetch(api, version, result.contact_id)["addresses"]
    if version == "v2":
        assert address["region_code"] == "US-VI"
    else:
        assert address["region"] == "Virgin Islands"


def test_lead_source_by_id(sim, seed, connect, api):
    result = connect("v2", contact={"lead_source": seed.lead_source}).deliver(GUIDE_LEAD)
    assert fetch(api, "v2", result.contact_id)["leadsource_id"] == str(seed.lead_source)
    assert sim.journal.count(path="*/leadSources*") == 0  # an id needs no look-up


@BOTH
def test_custom_field_by_id_needs_no_model_lookup(version, sim, seed, connect, api):
    connector = connect(
        version, custom_fields=[{"field": seed.cf_score, "value": "{{ lead.score }}"}]
    )
    result = connector.deliver(GUIDE_LEAD)
    custom = {
        int(f["id"]): f["content"] for f in fetch(api, version, result.contact_id)["custom_fields"]
    }
    assert custom[seed.cf_score] == "91"
    assert sim.journal.count(path="*/contacts/model") == 0


@BOTH
def test_refused_tag_ids_are_reported(version, seed, connect):
    connector = connect(version, tags=[seed.tag_web, 987654])
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success"
    assert result.refused_tag_ids == [987654]
    tags = result.step("tags")
    assert tags.status == "partial"
    assert tags.data["statuses"][str(seed.tag_web)] in ("SUCCESS", "DUPLICATE")
    assert "987654" in tags.detail


def test_templated_tag_only_for_hot_leads(seed, connect, api):
    connector = connect(
        "v2", tags=["{% if lead.score >= 80 %}" + str(seed.tag_hot) + "{% endif %}"]
    )
    hot = connector.deliver(GUIDE_LEAD)
    cold = connector.deliver({**GUIDE_LEAD, "email": "cold@example.com", "score": 40})
    assert seed.tag_hot in tag_ids(fetch(api, "v2", hot.contact_id))
    assert tag_ids(fetch(api, "v2", cold.contact_id)) == set()
    assert cold.step("tags") is None  # nothing to apply, no request
    unscored = {k: v for k, v in GUIDE_LEAD.items() if k != "score"} | {"email": "u@example.com"}
    result = connector.deliver(unscored)  # a condition on a missing field is false, not an error
    assert result.outcome == "success" and result.step("tags") is None


@BOTH
def test_utm_parameters_go_to_keap_when_a_form_id_is_configured(version, sim, connect):
    connector = connect(version, utm={"keap_source_id": "6088383224687662"})
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    if version == "v1":  # v1 has no UTM property on the contact: a separate call records them
        assert result.step("utm").http_status == 201
        (sent,) = sim.journal.find(method="POST", path=f"*/contacts/{result.contact_id}/utm")
        assert json.loads(sent.request_body) == {
            "keapSourceId": "6088383224687662",
            "utmSource": "google",
            "utmMedium": "cpc",
            "utmCampaign": "spring",
        }
    stored = sim.tenant().contacts.get(int(result.contact_id)).utm_parameters
    assert stored == {
        "keap_source_id": "6088383224687662",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
    }
    # the referring URL has no place in Keap: it stays in the note, the UTM values do not
    note = sim.tenant().notes.list_by(contact_id=int(result.contact_id))[0]
    assert "utm_source" not in note.body
    assert "referring_url: https://partner.example.com/review" in note.body


@BOTH
def test_utm_parameters_go_to_the_note_without_a_form_id(version, sim, connect):
    result = connect(version).deliver(GUIDE_LEAD)
    assert result.step("utm") is None
    assert not sim.tenant().contacts.get(int(result.contact_id)).utm_parameters
    note = sim.tenant().notes.list_by(contact_id=int(result.contact_id))[0]
    assert "utm_source: google\nutm_medium: cpc\nutm_campaign: spring" in note.body


def test_v2_note_is_written_by_the_account_owner_found_through_v2_userinfo(sim, connect):
    """No owner or note user configured: the note's user is the credential's user, the
    account owner, whose CRM user id userinfo does not carry (its ``id`` is the global id)."""
    owner = sim.tenant().users.account_owner()
    sim.tenant().users.create("rep@example.com", "Rita", status="Active")
    result = connect("v2").deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    (note,) = sim.tenant().notes.list_by(contact_id=int(result.contact_id))
    assert note.user_id == owner.id
    assert sim.journal.count(path="*/v2/oauth/connect/userinfo") == 1
    assert sim.journal.count(path="*/v1/oauth/connect/userinfo") == 0


def test_v2_note_user_falls_back_to_v1_userinfo_where_v2_has_none(sim, connect):
    owner = sim.tenant().users.account_owner()
    sim.faults.add(method="GET", path="*/v2/oauth/connect/userinfo", status=404)
    result = connect("v2").deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    (note,) = sim.tenant().notes.list_by(contact_id=int(result.contact_id))
    assert note.user_id == owner.id
    assert sim.journal.count(path="*/v1/oauth/connect/userinfo") == 1


@BOTH
def test_lookups_are_cached(version, sim, seed, connect):
    connector = connect(version, **full_flow(seed))
    connector.deliver(GUIDE_LEAD)
    connector.deliver({**GUIDE_LEAD, "email": "second@example.com"})
    assert len(sim.journal.find(method="GET", path="*/leadSources*")) == 1
    assert len(sim.journal.find(method="GET", path="*/contacts/model")) == 1


def test_unknown_lead_source_name_is_a_warning(connect, api):
    connector = connect("v2", contact={"lead_source": "Nowhere"})
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success"
    assert any("lead source" in w for w in result.warnings)
    assert fetch(api, "v2", result.contact_id).get("leadsource_id") in (None, "", "0")


def test_unknown_custom_field_label_is_a_failure_before_the_contact(sim, connect):
    connector = connect("v2", custom_fields=[{"field": "No Such Field", "value": "x"}])
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "failure"
    assert "No Such Field" in result.reason
    assert sim.journal.find(path="*/v2/contacts", method="POST") == []


def test_phone_only_lead(connect, api):
    result = connect("v2").deliver({"first_name": "Pat", "phone_1": "602 555 0100"})
    assert result.outcome == "success" and result.duplicate is False
    assert fetch(api, "v2", result.contact_id)["phone_numbers"][0]["number"] == "+16025550100"


@BOTH
def test_skip_when_no_email_or_phone_and_nothing_sent(version, sim, connect):
    result = connect(version).deliver({"first_name": "Ada", "city": "Phoenix"})
    assert result.outcome == "skip"
    assert "neither an email address nor a phone number" in result.reason
    assert result.attempts == 0 and len(sim.journal) == 0


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": "ada@@example"}, "email"),
        ({"phone_2": "12345"}, "phone_2"),
        ({"state": "Atlantis"}, "state"),
        ({"dob": "the 5th of never"}, "dob"),
        ({"last_name": "L" * 41}, "last_name"),
    ],
)
def test_invalid_values_fail_without_a_request(patch, field, sim, connect):
    lead = {**GUIDE_LEAD, **patch}
    result = connect("v2").deliver(lead)
    assert result.outcome == "failure"
    assert result.reason.startswith(field)
    for value in lead.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in result.reason
    assert len(sim.journal) == 0


def test_keap_400_is_a_failure_with_a_data_free_reason(sim, connect):
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", canned="bad_request")
    result = connect("v2").deliver(GUIDE_LEAD)
    assert result.outcome == "failure"
    assert "HTTP 400" in result.reason
    assert result.attempts == 1  # 400 is never retried
    assert GUIDE_LEAD["email"] not in result.reason


def test_bad_api_key_is_an_error(sim, connect):
    connector = connect("v2", keap={"credentials": {"type": "api_key", "api_key": "nope"}})
    result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "error"
    assert "HTTP 401" in result.reason
    check = connector.test_connection()
    assert check["ok"] is False and check["status"] == 401


@BOTH
def test_test_connection_lists_custom_fields(version, seed, connect):
    check = connect(version).test_connection()
    assert check["ok"] is True and check["auth"] == "api_key"
    labels = {f["label"]: int(f["id"]) for f in check["custom_fields"]}
    assert labels == {"Lead Score": seed.cf_score, "Journey": seed.cf_journey}


def test_validate_only_sends_nothing(sim, connect):
    result = connect("v2", action="validate_only").deliver(GUIDE_LEAD)
    assert result.outcome == "success" and result.contact_id is None
    assert result.payload["addresses"][0]["region_code"] == "US-AZ"
    assert len(sim.journal) == 0


def test_deliver_many_stops_on_error_when_configured(connect):
    leads = [GUIDE_LEAD, {**GUIDE_LEAD, "email": "bad@"}, {**GUIDE_LEAD, "email": "c@example.com"}]
    assert [r.outcome for r in connect("v2").deliver_many(leads)] == [
        "success",
        "failure",
        "success",
    ]
    assert [r.outcome for r in connect("v2", on_error="stop").deliver_many(leads)] == [
        "success",
        "failure",
    ]


def test_unknown_names_are_not_refetched_for_every_lead(sim, seed, connect):
    connector = connect("v2", contact={"lead_source": "{{ lead.source }}"})
    for i in range(3):
        connector.deliver({**GUIDE_LEAD, "email": f"m{i}@example.com", "source": "Unknown Fair"})
    assert len(sim.journal.find(method="GET", path="*/leadSources*")) == 1
    sim.tenant().lead_sources.create("Late Fair")
    result = connector.deliver({**GUIDE_LEAD, "source": "Late Fair"})  # a different name
    assert result.warnings == [] and len(sim.journal.find(path="*/leadSources*")) == 2


@BOTH
def test_the_guides_test_lead(version, sim, connect):
    """The lead `keap-connector send-test-lead` sends, delivered and read back."""
    from connector.batch.preflight import TEST_LEAD

    lead = dict(TEST_LEAD)
    connector = connect(version)
    result = connector.deliver(lead)
    assert result.outcome == "success", result.reason
    assert result.duplicate is False
    contact = connector.client.get_contact(result.contact_id)
    assert contact["given_name"] == lead["first_name"]
    assert contact["family_name"] == lead["last_name"]
    assert contact["email_addresses"][0]["email"] == lead["email"]
    assert contact["phone_numbers"][0]["number"] == "+16025550143"
    address = contact["addresses"][0]
    assert address["line1"] == lead["address_1"] and address["locality"] == lead["city"]
    assert address["postal_code"] == lead["postal_code"] and address["country_code"] == "USA"
    assert contact["website"] == lead["website"]
    assert contact["job_title"] == lead["title"]
    (note,) = sim.tenant().notes.list_by(contact_id=int(result.contact_id))
    assert lead["comments"] in note.body and "utm_campaign: send-test-lead" in note.body
    again = connector.deliver(lead)
    assert again.outcome == "success" and again.duplicate is True
    assert again.contact_id == result.contact_id


def test_from_file(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_KEAP_KEY", sim.default_tenant.api_key)
    path = tmp_path / "flow.yaml"
    path.write_text(
        "keap:\n"
        f"  base_url: {sim.base_url}/crm/rest\n"
        "  credentials: {type: api_key, api_key: '${TEST_KEAP_KEY}'}\n"
        "duplicates: {mode: update_existing, match: email}\n"
    )
    from connector import Connector

    with Connector.from_file(path, transport=sim.transport()) as connector:
        result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success" and result.contact_id

"""Issue 16: what a user coming from LeadConduit brings (the guide's snippets, its test lead,
any Keap field, per-field update rules, a failing phone) against the in-process simulator."""

from __future__ import annotations

import json

import pytest

from connector import ConfigError, parse_config
from connector.config import load_config

V2_FIELDS = "company,birth_date,phone_numbers,tag_ids,owner_id,custom_fields,middle_name"
V1_OPTIONAL = "birthday,custom_fields,company,middle_name"


def fetch(api, version: str, contact_id: str) -> dict:
    if version == "v2":
        response = api.get(f"/v2/contacts/{contact_id}", params={"fields": V2_FIELDS})
    else:
        response = api.get(
            f"/v1/contacts/{contact_id}", params={"optional_properties": V1_OPTIONAL}
        )
    assert response.status_code == 200, response.text
    return response.json()


def custom_values(contact: dict) -> dict[str, str]:
    return {str(f["id"]): f.get("content") for f in contact.get("custom_fields") or []}


# -- the guide's four snippets ------------------------------------------------------------------
def guide_flow(seed) -> dict:
    return {
        # Dynamic Tags
        "tags": ["{{#if lead.score >= 80}}" + str(seed.tag_hot) + "{{/if}}"],
        # Lead Scoring
        "custom_fields": [
            {"field": "Lead Score", "value": "{{lead.score}}"},
            # Multi-Touch Attribution: the path and the time of the last touch
            {"field": "Journey", "value": "{{now}}"},
        ],
        "note": {"body": "Lead Path: {{lead.touchpoints | join: ' > '}}"},
    }


def test_the_guides_snippets_load_with_a_note_and_render_as_meant(sim, seed, connect, api):
    connector = connect("v2", **guide_flow(seed))
    notes = " ".join(connector.config.load_notes)
    assert "Handlebars" in notes and "Liquid" in notes
    hot = connector.deliver(
        {"email": "hot@example.com", "score": 91, "touchpoints": ["ad", "landing", "form"]}
    )
    cold = connector.deliver({"email": "cold@example.com", "score": 79})
    assert hot.outcome == cold.outcome == "success", (hot.reason, cold.reason)
    hot_contact = fetch(api, "v2", hot.contact_id)
    assert seed.tag_hot in {int(t) for t in hot_contact["tag_ids"]}
    assert seed.tag_hot not in {int(t) for t in fetch(api, "v2", cold.contact_id)["tag_ids"]}
    values = custom_values(hot_contact)
    assert values[str(seed.cf_score)] == "91"
    assert values[str(seed.cf_journey)].endswith("+00:00")  # {{now}} as ISO 8601
    notes_body = api.get(f"/v2/contacts/{hot.contact_id}/notes").json()["notes"]
    assert any(n.get("text", "").startswith("Lead Path: ad > landing > form") for n in notes_body)


# -- typed values -------------------------------------------------------------------------------
@pytest.mark.parametrize("score", ["85", 85])
def test_a_text_score_compares_as_a_number(seed, connect, api, score):
    connector = connect(
        "v2", tags=["{% if lead.score >= 80 %}" + str(seed.tag_hot) + "{% endif %}"]
    )
    result = connector.deliver({"Email": "text.score@example.com", "Score": score})
    assert result.outcome == "success", result.reason
    assert seed.tag_hot in {int(t) for t in fetch(api, "v2", result.contact_id)["tag_ids"]}


# -- phone policy -------------------------------------------------------------------------------
GUIDE_TEST_LEAD = {"first_name": "Test", "last_name": "Lead", "email": "t@example.com"}


def test_the_guides_test_lead_delivers_with_a_warning_by_default(connect, api):
    result = connect("v2").deliver({**GUIDE_TEST_LEAD, "phone_1": "555-0123"})
    assert result.outcome == "success", result.reason
    assert any("phone_1" in w and "sent as given" in w for w in result.warnings)
    phones = fetch(api, "v2", result.contact_id)["phone_numbers"]
    assert phones[0]["number"] == "555-0123"


def test_phone_policy_strict_and_drop(connect, api):
    lead = {**GUIDE_TEST_LEAD, "phone_1": "555-0123"}
    strict = connect("v2", phone_policy="strict").deliver(lead)
    assert strict.outcome == "failure" and strict.reason.startswith("phone_1")
    assert strict.failed_step == "validation"
    dropped = connect("v2", phone_policy="drop").deliver(lead)
    assert dropped.outcome == "success" and "delivered without it" in dropped.warnings[0]
    assert not fetch(api, "v2", dropped.contact_id).get("phone_numbers")


# -- any Keap contact field ---------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_company_name_and_birthday_through_contact_fields(connect, api, version):
    company = {"company_name": "{{ lead.company }}"} if version == "v2" else None
    fields = {"birthday": "{{ lead.born }}", "middle_name": "{{ lead.middle }}"}
    if company:
        fields["company"] = company
    connector = connect(version, contact={"fields": fields})
    result = connector.deliver(
        {
            "email": f"cf.{version}@example.com",
            "company": "Acme",
            "born": "1985-12-10",
            "middle": "Augusta",
        }
    )
    assert result.outcome == "success", result.reason
    contact = fetch(api, version, result.contact_id)
    birthday = contact.get("birth_date") or contact.get("birthday")
    assert str(birthday).startswith("1985-12-10")
    assert contact["middle_name"] == "Augusta"
    if version == "v2":
        assert contact["company"]["company_name"] == "Acme"


def test_an_unknown_contact_field_is_refused_at_load(sim):
    with pytest.raises(ConfigError, match="companyname.*not a field of the v2 contact model"):
        parse_config(
            {
                "keap": {"credentials": {"type": "api_key", "api_key": "k"}},
                "contact": {"fields": {"companyname": "{{ lead.company }}"}},
            }
        )


def test_fields_map_renames_columns_and_targets_contact_fields(connect, api):
    connector = connect("v2", fields={"Mail Addr": "email", "Firm": "contact.company.company_name"})
    result = connector.deliver({"Mail Addr": "mapped@example.com", "Firm": "Acme"})
    assert result.outcome == "success", result.reason
    assert fetch(api, "v2", result.contact_id)["company"]["company_name"] == "Acme"


# -- per-field update and preserve rules --------------------------------------------------------
def test_preserve_phone_1_custom_score_owner_and_tags_on_existing(sim, seed, connect, api):
    first = connect(
        "v2",
        contact={"owner_id": 1},
        custom_fields=[{"field": "Lead Score", "value": "{{ lead.score }}"}],
    ).deliver({"email": "keep@example.com", "phone_1": "602-555-0101", "score": 10})
    assert first.outcome == "success", first.reason
    owner_before = fetch(api, "v2", first.contact_id).get("owner_id")
    connector = connect(
        "v2",
        tags=[seed.tag_hot],
        custom_fields=[{"field": "Lead Score", "value": "{{ lead.score }}"}],
        existing_contacts={"preserve_fields": ["phone_1", "custom_lead_score", "owner_id", "tags"]},
    )
    again = connector.deliver(
        {
            "email": "keep@example.com",
            "phone_1": "602-555-0199",
            "phone_2": "602-555-0102",
            "score": 99,
        }
    )
    assert again.outcome == "success" and again.duplicate, again.reason
    contact = fetch(api, "v2", first.contact_id)
    phones = {p["field"]: p["number"] for p in contact["phone_numbers"]}
    assert phones == {"PHONE1": "+16025550101", "PHONE2": "+16025550102"}
    assert custom_values(contact)[str(seed.cf_score)] == "10"
    assert contact.get("owner_id") == owner_before
    assert seed.tag_hot not in {int(t) for t in contact.get("tag_ids") or []}
    assert again.step("tags").status == "skipped"


def test_update_fields_by_single_field_names_load():
    config = parse_config(
        {
            "keap": {"credentials": {"type": "api_key", "api_key": "k"}},
            "custom_fields": [{"field": "score", "value": "{{ lead.score }}"}],
            "existing_contacts": {"update_fields": ["phone_1", "custom_score", "owner_id", "tags"]},
        }
    )
    assert config.existing_contacts.update_fields[-1] == "tags"
    with pytest.raises(ConfigError, match="unknown field 'phone_9'"):
        parse_config(
            {
                "keap": {"credentials": {"type": "api_key", "api_key": "k"}},
                "existing_contacts": {"update_fields": ["phone_9"]},
            }
        )


# -- small ones ---------------------------------------------------------------------------------
def test_an_unset_environment_variable_is_a_config_error_naming_it(monkeypatch):
    monkeypatch.delenv("KEAP_API_KEY_UNSET_FOR_TEST", raising=False)
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "keap": {
                    "credentials": {"type": "api_key", "api_key": "${KEAP_API_KEY_UNSET_FOR_TEST}"}
                }
            }
        )
    assert "KEAP_API_KEY_UNSET_FOR_TEST" in str(err.value)
    assert "keap.credentials.api_key" in str(err.value)


def test_a_connection_error_names_the_url():
    from connector import Connector

    config = parse_config(
        {
            "keap": {
                "base_url": "http://127.0.0.1:9/crm/rest",
                "credentials": {"type": "api_key", "api_key": "k"},
                "retries": {"attempts": 1},
            }
        }
    )
    with Connector(config) as connector:
        check = connector.test_connection()
    assert check["ok"] is False and "http://127.0.0.1:9/crm/rest" in check["reason"]


def test_the_sample_flow_points_at_the_walkthroughs_port(monkeypatch):
    from pathlib import Path

    import connector

    sample = Path(connector.__file__).parent / "samples" / "flow.yaml"
    assert "127.0.0.1:8400" in sample.read_text() and ":8080" not in sample.read_text()
    monkeypatch.setenv("KEAP_CLIENT_SECRET", "s")
    assert load_config(sample).keap.api_version == "v2"


def test_failed_step_names_the_template(seed, connect):
    result = connect("v2", tags=["{{ lead.missing.x | int(strict) }}"]).deliver(
        {"email": "tpl@example.com"}
    )
    # a failing template names itself both in the reason and in failed_step
    if result.outcome == "failure":
        assert result.failed_step == "tags[0]"
    bad = connect("v2", tags=["{% if lead.score >= 80 %}1{% endif %}"]).deliver(
        {"email": "tpl2@example.com", "score": "not a number"}
    )
    assert bad.outcome == "failure" and bad.failed_step == "tags[0]"
    assert json.dumps(bad.to_dict())

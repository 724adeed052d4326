"""v2 bodies in the shape captured from a real Keap account (keap-facts.md §9.3, §9.4; the
evidence cassette ``v2_contact_model_captured``)."""

from __future__ import annotations

from contracts.evidence import V2_CONTACT_OPTIONAL
from keapsim.api.v2.shapes import CONTACT_FIELDS_V2

from .helpers import V2, email_contact


def test_the_contact_model_lists_the_captured_optional_properties(api: V2) -> None:
    model = api.get("/contacts/model")
    assert model["optional_properties"] == V2_CONTACT_OPTIONAL
    assert len(V2_CONTACT_OPTIONAL) == 31


def test_custom_field_metadata_sends_null_default_value_and_group_id(api: V2) -> None:
    created = api.post(
        "/contacts/model/customFields", 201, json={"label": "age", "field_type": "WHOLE_NUMBER"}
    )
    assert created["default_value"] is None and created["group_id"] is None
    [listed] = api.get("/contacts/model")["custom_fields"]
    assert listed == created


def test_a_contact_read_without_fields_sends_id_and_names(api: V2) -> None:
    """The model's optional properties are "not transmitted by default" (v2 document,
    ObjectModel): of the available fields, id, given_name and family_name remain."""
    plain = V2(api.client, all_contact_fields=False)
    created = plain.post(
        "/contacts", 201, json=email_contact("ada@example.com", given_name="Ada", family_name="L")
    )
    assert created == {"id": created["id"], "given_name": "Ada", "family_name": "L"}
    assert plain.get(f"/contacts/{created['id']}") == created
    assert plain.get("/contacts")["contacts"] == [created]
    assert set(CONTACT_FIELDS_V2) - set(V2_CONTACT_OPTIONAL) >= {"id", "given_name", "family_name"}
    asked = plain.get(f"/contacts/{created['id']}", params={"fields": "email_addresses"})
    assert asked["email_addresses"][0]["email"] == "ada@example.com"
    assert "given_name" not in asked  # fields names exactly what is sent (and id)

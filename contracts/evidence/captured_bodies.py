"""Bodies a real Keap account sent, as amp-labs/connectors saved them (keap-facts.md §9).

The fidelity tests of the v1 and v2 adapters import ``CAPTURED_V1_CONTACT`` and
``V2_CONTACT_OPTIONAL`` from here too.
"""

from __future__ import annotations

from typing import Any

from contracts.evidence.sources import V1

JOHN = [{"email": "john.doe@gmail.com", "field": "EMAIL1"}]
#: write-contacts.json: the answer to a v1 contact write sending only an email address.
CAPTURED_V1_CONTACT: dict[str, Any] = {
    "tag_ids": [],
    "id": 30,
    "company": None,
    "email_opted_in": False,
    "email_status": "NonMarketable",
    "date_created": "2024-11-12T21:45:54.000+0000",
    "last_updated": "2024-11-12T21:46:01.341+0000",
    "ScoreValue": "0",
    "last_updated_utc_millis": 1731447961341,
    "email_addresses": JOHN,
    "addresses": [],
    "phone_numbers": [],
    "given_name": "",
    "family_name": "",
    "middle_name": None,
    "owner_id": None,
}
#: The captured contact model's custom fields (v2), as labels and types.
V2_MODEL_FIELDS = (
    ("6", "jobtitle", "TEXT"),
    ("8", "jobdescription", "TEXT"),
    ("12", "experience", "TEXT"),
    ("14", "age", "WHOLE_NUMBER"),
)
#: custom-fields/contacts-v2.json: the optional properties of the v2 contact model.
V2_CONTACT_OPTIONAL = (
    "update_time create_time score_value tag_ids links addresses anniversary_date birth_date "
    "company contact_type custom_fields email_addresses fax_numbers job_title leadsource_id "
    "middle_name notes origin owner_id phone_numbers preferred_locale preferred_name prefix "
    "referral_code social_accounts source_type spouse_name suffix time_zone website "
    "utm_parameters"
).split()


def _listed_contact(ident: int, given: str, family: str, email: str, **kw: Any) -> dict[str, Any]:
    """An item of the captured v1 list (read/contacts/1-first-page-v2.json)."""
    return {
        **CAPTURED_V1_CONTACT,
        "id": ident,
        "email_addresses": [{"email": email, "field": "EMAIL1"}],
        "given_name": given,
        "family_name": family,
        **kw,
    }


#: read/contacts/1-first-page-v2.json (a v1 body), its links pointing at the rebuilt request.
CAPTURED_V1_CONTACT_PAGE: dict[str, Any] = {
    "contacts": [
        _listed_contact(
            22,
            "Erica",
            "Lewis",
            "erica.lewis@gmail.com",
            custom_fields=[
                {"id": 12, "content": "8 years in 3 companies"},
                {"id": 6, "content": "Product Owner"},
                {"id": 8, "content": "AI application in commerce"},
                {"id": 14, "content": 32},
            ],
        ),
        _listed_contact(
            20,
            "John",
            "Doe",
            "john.doe@gmail.com",
            ScoreValue=None,
            custom_fields=[{"id": i, "content": None} for i in (12, 6, 8, 14)],
        ),
    ],
    "count": 2,
    "next": f"{V1}/contacts/?limit=2&offset=2&order=id",
    "previous": f"{V1}/contacts/?limit=2&offset=0&order=id",
}

"""Captured opportunity bodies replayed (amp-labs/connectors): a v1 list page whose unset
properties are null, 0, 0.0 or '', and the v1 opportunity custom-field model."""

from __future__ import annotations

from typing import Any

from contracts.cassette import Cassette, Exchange
from contracts.evidence.build import api_key_call, evidence_cassette
from contracts.evidence.sources import AMP_V1_OPP_MODEL, AMP_V1_OPPORTUNITIES, V1, V1SPEC, V2, V2SDK

#: read/opportunities/v1.json (2025-05): one opportunity with its contact, stage and user.
CAPTURED_V1_OPPORTUNITY: dict[str, Any] = {
    "id": 2,
    "opportunity_title": "First Opportunity",
    "next_action_date": None,
    "next_action_notes": "",
    "opportunity_notes": "",
    "estimated_close_date": None,
    "include_in_forecast": 0,
    "projected_revenue_low": 0.0,
    "projected_revenue_high": 0.0,
    "contact": {
        "id": 74,
        "email": "bob.lewis@gmail.com",
        "first_name": "Erica",
        "last_name": "Lewis",
        "company_name": "",
        "job_title": None,
        "phone_number": "",
    },
    "stage": {
        "id": 18,
        "name": "New Opportunity",
        "details": {
            "probability": 0,
            "stage_order": 10,
            "target_num_days": 1,
            "check_list_items": [],
        },
        "reasons": [],
    },
    "user": {"id": 1, "first_name": "Integration", "last_name": "User"},
    "date_created": "2025-05-28T18:30:05.000+0000",
    "last_updated": "2025-05-28T18:30:05.000+0000",
    "affiliate_id": 0,
    "custom_fields": [{"id": 18, "content": "purple"}],
}
CAPTURED_V1_OPPORTUNITY_PAGE: dict[str, Any] = {
    "opportunities": [CAPTURED_V1_OPPORTUNITY],
    "count": 1,
    "next": f"{V1}/opportunities/?limit=1&offset=1000",
    "previous": f"{V1}/opportunities/?limit=1000&offset=0",
}
#: custom-fields/opportunities-v1.json.
CAPTURED_V1_OPPORTUNITY_MODEL: dict[str, Any] = {
    "custom_fields": [
        {
            "id": 18,
            "label": "color",
            "options": [],
            "record_type": "OPPORTUNITY",
            "field_type": "Text",
            "field_name": "color",
            "default_value": None,
        }
    ],
    "optional_properties": ["custom_fields"],
}


def _color_field_setup(note: str) -> Exchange:
    """The captured opportunity custom field ``color``, created through v2."""
    return api_key_call(
        "POST",
        f"{V2}/opportunities/model/customFields",
        201,
        {"id": "18", "label": "color", "field_type": "TEXT"},
        request_body={"label": "color", "field_type": "TEXT"},
        reason="Created",
        source=V2SDK,
        note=note,
        shape="subset",
    )


def _stage_setup() -> Exchange:
    return api_key_call(
        "POST",
        f"{V2}/opportunities/stages",
        201,
        {"id": "18", "name": "New Opportunity"},
        request_body={
            "name": "New Opportunity",
            "order": 10,
            "probability": 0,
            "target_number_days": 1,
        },
        reason="Created",
        source=V2SDK,
        note="set-up step: the captured opportunity's stage",
        shape="subset",
    )


def _contact_setup() -> Exchange:
    return api_key_call(
        "POST",
        f"{V1}/contacts",
        201,
        {"id": 74, "given_name": "Erica"},
        request_body={
            "given_name": "Erica",
            "family_name": "Lewis",
            "email_addresses": [{"email": "bob.lewis@gmail.com", "field": "EMAIL1"}],
        },
        reason="Created",
        source=V1SPEC,
        note="set-up step: the captured opportunity's contact",
        shape="subset",
    )


def _opportunity_setup() -> Exchange:
    return api_key_call(
        "POST",
        f"{V1}/opportunities",
        200,
        {"id": 2, "opportunity_title": "First Opportunity"},
        request_body={
            "opportunity_title": "First Opportunity",
            "contact": {"id": 74},
            "stage": {"id": 18},
            "user": {"id": 1},
            "custom_fields": [{"id": 18, "content": "purple"}],
        },
        reason="OK",
        source=V1SPEC,
        note="set-up step: the captured opportunity (200 per the v1 document)",
        shape="subset",
    )


def v1_opportunity_list_captured() -> Cassette:
    return evidence_cassette(
        "v1_opportunity_list_captured",
        "A v1 opportunity sends unset properties as null, 0, 0.0 or '' and its stage's "
        "reasons as [].",
        [
            _stage_setup(),
            _color_field_setup("set-up step: the captured opportunity's custom field"),
            _contact_setup(),
            _opportunity_setup(),
            api_key_call(
                "GET",
                f"{V1}/opportunities?limit=1&optional_properties=custom_fields",
                200,
                CAPTURED_V1_OPPORTUNITY_PAGE,
                reason="OK",
                source=AMP_V1_OPPORTUNITIES,
                note=(
                    "body captured (amp-labs/connectors read/opportunities/v1.json, 2025-05); "
                    "the request is reconstructed"
                ),
            ),
        ],
    )


def v1_opportunity_model_captured() -> Cassette:
    return evidence_cassette(
        "v1_opportunity_model_captured",
        "A v1 custom field's metadata carries default_value: null.",
        [
            _color_field_setup("set-up step (v1 cannot create an opportunity custom field)"),
            api_key_call(
                "GET",
                f"{V1}/opportunities/model",
                200,
                CAPTURED_V1_OPPORTUNITY_MODEL,
                reason="OK",
                source=AMP_V1_OPP_MODEL,
                note="body captured (amp-labs/connectors custom-fields/opportunities-v1.json)",
            ),
        ],
    )

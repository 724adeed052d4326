"""Lead -> Keap contact body, for both API versions.

The standard lead table:

=============  ==========================  =================================
lead field     v2 property                 v1 property
=============  ==========================  =================================
first_name     given_name                  given_name
last_name      family_name                 family_name
email          email_addresses[EMAIL1]     email_addresses[EMAIL1]
phone_1..3     phone_numbers[PHONE1..3]    phone_numbers[PHONE1..3]
address_1/2    addresses[].line1/line2     addresses[].line1/line2
city           addresses[].locality        addresses[].locality
state          addresses[].region_code     addresses[].region (full name)
postal_code    addresses[].postal_code     addresses[].postal_code
website        website                     website
title          job_title                   job_title
dob            birth_date (YYYY-MM-DD)     birthday (date-time, midnight UTC)
comments       a note on the contact       a note on the contact
utm_*          utm_parameters (*)          POST /v1/contacts/{id}/utm (*)
referring_url  the note                    the note
=============  ==========================  =================================

(*) only with ``utm.keap_source_id`` (Keap requires a form id with UTM values); else the note.

The lead's tracking data is ``tracking.py``; what may be written on an existing contact
``existing_contacts.py``; ``contact.fields`` rendered over the lead ``rendered_fields.py``.
Their public names are importable from here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.apiversion import wire_id
from connector.config import ApiVersion, ConnectorConfig, source_type_for
from connector.contact_fields import GROUPS
from connector.existing_contacts import (
    existing_rules,
    restrict_for_existing,
    tags_allowed_on_existing,
)
from connector.rendered_fields import render_contact_fields
from connector.tracking import (
    note_text,
    tracking_in_note,
    utm_parameters,
    utm_values,
    v1_utm_body,
)
from connector.validation import NormalisedLead

__all__ = [
    "FIELD_PROPERTIES",
    "Resolved",
    "contact_body",
    "existing_rules",
    "note_text",
    "render_contact_fields",
    "restrict_for_existing",
    "tags_allowed_on_existing",
    "tracking_in_note",
    "utm_parameters",
    "utm_values",
    "v1_utm_body",
]

#: Connector field name -> contact property, per API version (update/preserve group names).
FIELD_PROPERTIES = GROUPS


@dataclass
class Resolved:
    """Values that needed Keap look-ups or template rendering, prepared by the delivery step."""

    lead_source_id: int | None = None
    #: custom field id -> rendered content
    custom_fields: dict[int, str] = field(default_factory=dict)
    #: ``contact.fields``: Keap property -> rendered value (empty values left out)
    contact_fields: dict[str, Any] = field(default_factory=dict)


def contact_body(
    lead: NormalisedLead, config: ConnectorConfig, resolved: Resolved
) -> dict[str, Any]:
    """Build the create/update body for the configured API version (no empty properties)."""
    body = _lead_properties(lead, config)
    body.update(_flow_properties(config, resolved))
    utm = utm_parameters(lead, config)
    if utm:
        body["utm_parameters"] = utm
    # Last: a field the flow names explicitly wins over the one the lead table derives.
    body.update(resolved.contact_fields)
    return body


def _lead_properties(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, Any]:
    """What the lead itself says about the person: names, e-mail, phones, address, web site,
    job title, birth date."""
    body: dict[str, Any] = {}
    if lead.first_name:
        body["given_name"] = lead.first_name
    if lead.last_name:
        body["family_name"] = lead.last_name
    if lead.email:
        body["email_addresses"] = [{"email": lead.email, "field": "EMAIL1"}]
    if lead.phones:
        body["phone_numbers"] = [
            {"number": number, "field": f"PHONE{slot}"} for slot, number in lead.phones
        ]
    if lead.address:
        body["addresses"] = [_address(lead, config)]
    if lead.website:
        body["website"] = lead.website
    if lead.title:
        body["job_title"] = lead.title
    if lead.dob:
        if config.keap.api_version is ApiVersion.V2:
            body["birth_date"] = lead.dob
        else:
            # v1 declares birthday as date-time; midnight UTC keeps the calendar day intact.
            body["birthday"] = f"{lead.dob}T00:00:00.000Z"
    return body


def _flow_properties(config: ConnectorConfig, resolved: Resolved) -> dict[str, Any]:
    """What the flow sets on every contact: its defaults, and the lead source and custom
    fields resolved against Keap."""
    version = config.keap.api_version
    defaults = config.contact
    body: dict[str, Any] = {}
    if defaults.contact_type:
        body["contact_type"] = defaults.contact_type
    if defaults.preferred_locale:
        body["preferred_locale"] = defaults.preferred_locale
    if defaults.source_type:
        body["source_type"] = source_type_for(version, defaults.source_type)
    if resolved.lead_source_id is not None:
        key = FIELD_PROPERTIES["lead_source"][version]
        body[key] = wire_id(version, resolved.lead_source_id)
    if defaults.owner_id is not None:
        body["owner_id"] = wire_id(version, defaults.owner_id)
    if resolved.custom_fields:
        body["custom_fields"] = [
            {"id": wire_id(version, fid), "content": content}
            for fid, content in resolved.custom_fields.items()
        ]
    return body


def _address(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, Any]:
    addr = lead.address
    assert addr is not None
    out: dict[str, Any] = {"field": config.contact.address_type.value}
    for key in ("line1", "line2", "locality", "postal_code", "country_code"):
        value = getattr(addr, key)
        if value:
            out[key] = value
    if config.keap.api_version is ApiVersion.V2:
        # v2 deprecates free-text ``region`` in favour of ISO 3166-2 ``region_code``.
        if addr.region_code:
            out["region_code"] = addr.region_code
    elif addr.region_name:
        # v1 stores the full name; sending it avoids the "BILLING Region is invalid" round trip
        # that some abbreviated values trigger.
        out["region"] = addr.region_name
    return out

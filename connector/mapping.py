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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.config import ApiVersion, ConnectorConfig, source_type_for
from connector.contact_fields import (
    DATE_PROPERTIES,
    GROUPS,
    TAGS,
    Selector,
    canonical_property,
    property_for,
)
from connector.templates import render
from connector.validation import NormalisedLead, normalise_date

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


def _id(version: ApiVersion, value: int) -> int | str:
    # v2 ids are strings on the wire, v1 ids are integers.
    return str(value) if version is ApiVersion.V2 else value


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
        body[key] = _id(version, resolved.lead_source_id)
    if defaults.owner_id is not None:
        body["owner_id"] = _id(version, defaults.owner_id)
    if resolved.custom_fields:
        body["custom_fields"] = [
            {"id": _id(version, fid), "content": content}
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


def utm_values(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """The lead's UTM values, when Keap can take them: both versions require the Keap form id
    (``keap_source_id``) with them."""
    if not lead.utm or not config.utm.keap_source_id:
        return None
    return {"keap_source_id": config.utm.keap_source_id, **lead.utm}


def utm_parameters(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """v2: ``utm_parameters`` on the contact body (snake_case, as CreateUpdateContactRequest)."""
    if config.keap.api_version is not ApiVersion.V2:
        return None
    return utm_values(lead, config)


def v1_utm_body(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """v1: the body of ``POST /v1/contacts/{id}/utm`` (CreateUtmContact, camelCase keys)."""
    values = utm_values(lead, config) if config.keap.api_version is ApiVersion.V1 else None
    if values is None:
        return None
    return {_camel(key): value for key, value in values.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def tracking_in_note(lead: NormalisedLead, config: ConnectorConfig) -> bool:
    return config.note.include_tracking and bool(lead.utm) and utm_values(lead, config) is None


def note_text(lead: NormalisedLead, config: ConnectorConfig, body: str | None = None) -> str | None:
    """The note body: the lead's comments, plus tracking data Keap has no property for.

    Keap takes UTM values only with a Keap form id (v2 ``utm_parameters``, v1
    ``POST /contacts/{id}/utm``), so without ``utm.keap_source_id`` they go into the note. The
    referring URL has no place in either version and always goes to the note.
    """
    parts = []
    # ``note.body`` (rendered) replaces the comments; it can include them ({{ lead.comments }}).
    text = body if config.note.body else lead.comments
    if text:
        parts.append(text)
    tracking = []
    if tracking_in_note(lead, config):
        tracking += [f"{k}: {v}" for k, v in lead.utm.items()]
    if config.note.include_tracking and lead.referrer:
        tracking.append(f"referring_url: {lead.referrer}")
    if tracking:
        parts.append("\n".join(tracking))
    return "\n\n".join(parts) or None


def existing_rules(
    config: ConnectorConfig, resolve_custom: Callable[[str], str] = str
) -> tuple[list[Selector], list[Selector]]:
    """The flow's update/preserve rules as selectors (custom field slots as ids)."""
    version = config.keap.api_version
    labels = config.custom_field_labels

    def selectors(names: list[str]) -> list[Selector]:
        out = []
        for name in names:
            sel = property_for(version, name, labels)
            assert sel is not None  # validated when the flow loaded
            if sel.prop == "custom_fields" and sel.slot is not None:
                sel = Selector(sel.prop, resolve_custom(sel.slot))
            out.append(sel)
        return out

    rules = config.existing_contacts
    return selectors(rules.update_fields), selectors(rules.preserve_fields)


def tags_allowed_on_existing(config: ConnectorConfig) -> bool:
    rules = config.existing_contacts
    if rules.update_fields and TAGS not in rules.update_fields:
        return False
    return TAGS not in rules.preserve_fields


def restrict_for_existing(
    body: dict[str, Any],
    config: ConnectorConfig,
    existing: dict[str, Any] | None,
    resolve_custom: Callable[[str], str] = str,
) -> dict[str, Any]:
    """Drop what the flow must not write on existing contacts; merge collection slots.

    Rules name whole properties (``owner_id``, the group ``phones``) or single slots
    (``phone_1``, ``custom_score``). Keap replaces whole collections on update ("Any item not
    listed here will be removed"), so phone/email/address/custom-field lists are merged with
    the existing contact's items by slot: the lead's allowed items win, the contact's other
    slots are kept.
    """
    update, preserve = existing_rules(config, resolve_custom)
    out: dict[str, Any] = {}
    for key, value in body.items():
        allowed = _allowed_part(key, value, update, preserve)
        if allowed is None:
            continue
        if existing and isinstance(allowed, list) and isinstance(existing.get(key), list):
            allowed = _merge_slots(key, allowed, existing[key])
        if allowed != []:
            out[key] = allowed
    return out


def _allowed_part(
    key: str, value: Any, update: list[Selector], preserve: list[Selector]
) -> Any | None:
    """The part of ``body[key]`` the rules let through, or None for nothing."""
    if update:
        chosen = [s for s in update if s.prop == key]
        if not chosen:
            return None
        if all(s.slot is not None for s in chosen) and isinstance(value, list):
            wanted = {s.slot for s in chosen}
            value = [item for item in value if _slot_of(key, item) in wanted]
    kept = [s for s in preserve if s.prop == key]
    if any(s.slot is None for s in kept):
        return None
    if kept and isinstance(value, list):
        dropped = {s.slot for s in kept}
        value = [item for item in value if _slot_of(key, item) not in dropped]
    return value


def _slot_of(key: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    return str(item.get("id" if key == "custom_fields" else "field"))


# Writable keys of collection items; read-only ones (is_opt_in, email_opt_status...) are dropped.
_WRITABLE_ITEM_KEYS = {
    "email_addresses": {"email", "field"},
    "phone_numbers": {"number", "extension", "type", "field"},
    "addresses": {
        "line1",
        "line2",
        "locality",
        "region",
        "region_code",
        "country_code",
        "postal_code",
        "zip_code",
        "zip_four",
        "field",
    },
    "custom_fields": {"id", "content"},
    "fax_numbers": {"number", "type", "field"},
}


def _merge_slots(key: str, new: list[dict], old: list[dict]) -> list[dict]:
    if key not in _WRITABLE_ITEM_KEYS:
        return new
    writable = _WRITABLE_ITEM_KEYS[key]
    slot = "id" if key == "custom_fields" else "field"
    taken = {str(item.get(slot)) for item in new}
    keep = []
    for item in old:
        if not isinstance(item, dict) or str(item.get(slot)) in taken:
            continue
        if key == "custom_fields" and item.get("content") in (None, ""):
            continue
        keep.append({k: v for k, v in item.items() if k in writable and v is not None})
    return new + keep


# -- contact.fields ---------------------------------------------------------------------------
_ID_PROPERTIES = {"owner_id", "leadsource_id", "lead_source_id"}


def render_contact_fields(config: ConnectorConfig, lead: Mapping[str, Any]) -> dict[str, Any]:
    """``contact.fields`` rendered over the lead, plus ``fields:`` columns mapped to
    ``contact.<property>``; empty values are left out, dates put in the version's format."""
    version = config.keap.api_version
    values: dict[str, Any] = {}
    for key, value in lead.items():
        if key.startswith("contact.") and value not in (None, ""):
            # ``contact.company.company_name``: a nested property of a structured field
            prop, *path = key.removeprefix("contact.").split(".")
            prop = canonical_property(version, prop)
            for part in reversed(path):
                value = {part: value}
            if isinstance(value, dict) and isinstance(values.get(prop), dict):
                value = {**values[prop], **value}
            values[prop] = value
    for name, spec in config.contact.fields.items():
        value = _render_tree(spec, lead, f"contact.fields.{name}")
        if value not in (None, "", [], {}):
            values[canonical_property(version, name)] = value
    return {key: _wire_value(version, key, value) for key, value in values.items()}


def _render_tree(spec: Any, lead: Mapping[str, Any], name: str) -> Any:
    if isinstance(spec, str):
        return render(spec, lead, name=name)
    if isinstance(spec, list):
        items = [_render_tree(v, lead, f"{name}[{i}]") for i, v in enumerate(spec)]
        return [v for v in items if v not in (None, "", {}, [])]
    if isinstance(spec, dict):
        out = {k: _render_tree(v, lead, f"{name}.{k}") for k, v in spec.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    return spec


def _wire_value(version: ApiVersion, key: str, value: Any) -> Any:
    if key in DATE_PROPERTIES:
        day = normalise_date(f"contact.fields.{key}", value)
        # v1 declares these as date-time; midnight UTC keeps the calendar day intact.
        return day if version is ApiVersion.V2 else f"{day}T00:00:00.000Z"
    if key in _ID_PROPERTIES and str(value).strip().isdigit():
        return _id(version, int(str(value).strip()))
    return value

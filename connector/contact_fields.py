"""The Keap contact model per API version, and the field names of update/preserve rules.

The property lists are the request bodies of Keap's official documents (v2
``CreateUpdateContactRequest``, v1 ``CreateOrPatchContact``, both 2025-11-05). The connector
must not import keapsim, so they are copied here; ``tests/connector/test_contact_fields.py``
checks them against the documents in ``keapsim/specs/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from connector.apiversion import ApiVersion

CONTACT_PROPERTIES: dict[ApiVersion, frozenset[str]] = {
    ApiVersion.V2: frozenset(
        {
            "addresses",
            "anniversary_date",
            "birth_date",
            "company",
            "contact_type",
            "custom_fields",
            "email_addresses",
            "family_name",
            "fax_numbers",
            "given_name",
            "job_title",
            "leadsource_id",
            "middle_name",
            "origin",
            "owner_id",
            "phone_numbers",
            "preferred_locale",
            "preferred_name",
            "prefix",
            "referral_code",
            "social_accounts",
            "source_type",
            "spouse_name",
            "suffix",
            "time_zone",
            "utm_parameters",
            "website",
        }
    ),
    ApiVersion.V1: frozenset(
        {
            "addresses",
            "anniversary",
            "birthday",
            "company",
            "contact_type",
            "custom_fields",
            "email_addresses",
            "family_name",
            "fax_numbers",
            "given_name",
            "job_title",
            "lead_source_id",
            "middle_name",
            "opt_in_reason",
            "origin",
            "owner_id",
            "phone_numbers",
            "preferred_locale",
            "preferred_name",
            "prefix",
            "social_accounts",
            "source_type",
            "spouse_name",
            "suffix",
            "time_zone",
            "website",
        }
    ),
}

#: The same field under the other version's name: a flow may use either spelling.
OTHER_SPELLING: dict[ApiVersion, dict[str, str]] = {
    ApiVersion.V2: {
        "birthday": "birth_date",
        "anniversary": "anniversary_date",
        "lead_source_id": "leadsource_id",
    },
    ApiVersion.V1: {
        "birth_date": "birthday",
        "anniversary_date": "anniversary",
        "leadsource_id": "lead_source_id",
    },
}

#: Date properties: values are normalised to the version's format (v1 date-time, v2 date).
DATE_PROPERTIES = frozenset({"birth_date", "birthday", "anniversary_date", "anniversary"})

#: Group names of update/preserve rules (kept from before per-field rules) -> property.
GROUPS: dict[str, dict[ApiVersion, str]] = {
    "first_name": {ApiVersion.V1: "given_name", ApiVersion.V2: "given_name"},
    "last_name": {ApiVersion.V1: "family_name", ApiVersion.V2: "family_name"},
    "email": {ApiVersion.V1: "email_addresses", ApiVersion.V2: "email_addresses"},
    "phones": {ApiVersion.V1: "phone_numbers", ApiVersion.V2: "phone_numbers"},
    "address": {ApiVersion.V1: "addresses", ApiVersion.V2: "addresses"},
    "website": {ApiVersion.V1: "website", ApiVersion.V2: "website"},
    "title": {ApiVersion.V1: "job_title", ApiVersion.V2: "job_title"},
    "dob": {ApiVersion.V1: "birthday", ApiVersion.V2: "birth_date"},
    "contact_type": {ApiVersion.V1: "contact_type", ApiVersion.V2: "contact_type"},
    "preferred_locale": {ApiVersion.V1: "preferred_locale", ApiVersion.V2: "preferred_locale"},
    "source_type": {ApiVersion.V1: "source_type", ApiVersion.V2: "source_type"},
    "lead_source": {ApiVersion.V1: "lead_source_id", ApiVersion.V2: "leadsource_id"},
    "owner": {ApiVersion.V1: "owner_id", ApiVersion.V2: "owner_id"},
    "custom_fields": {ApiVersion.V1: "custom_fields", ApiVersion.V2: "custom_fields"},
}
UPDATABLE_FIELDS = tuple(GROUPS)

#: ``phone_1``, ``email_2``, ``fax_1``: one slot of a collection.
_SLOT = re.compile(r"^(phone|email|fax)_([1-5])$")
_SLOT_PROPERTY = {
    "phone": ("phone_numbers", "PHONE"),
    "email": ("email_addresses", "EMAIL"),
    "fax": ("fax_numbers", "FAX"),
}
#: ``tags``: the flow's tags are not applied to an existing contact when preserved.
TAGS = "tags"


@dataclass(frozen=True)
class Selector:
    """What an update/preserve name points at: a property, or one slot of a collection."""

    prop: str
    #: collection item: ``PHONE1``, ``EMAIL2``; custom field: its label or id as written
    slot: str | None = None


def canonical_property(version: ApiVersion, name: str) -> str:
    return OTHER_SPELLING[version].get(name, name)


def contact_field_problem(version: ApiVersion, name: str) -> str | None:
    """None when ``name`` is a writable contact property of ``version``, else why not."""
    if canonical_property(version, name) in CONTACT_PROPERTIES[version]:
        return None
    known = ", ".join(sorted(CONTACT_PROPERTIES[version]))
    return f"{name!r} is not a field of the {version.value} contact model (fields: {known})"


def property_for(
    version: ApiVersion, name: str, custom_fields: Mapping[str, int | str]
) -> Selector | None:
    """The selector an update/preserve name means, or None when it means nothing.

    ``custom_fields`` maps ``custom_<snake_case label>`` (and ``custom_<id>``) of the flow's
    custom fields to their label or id.
    """
    if name == TAGS:
        return Selector(TAGS)
    if name in GROUPS:
        return Selector(GROUPS[name][version])
    slot = _SLOT.match(name)
    if slot:
        prop, prefix = _SLOT_PROPERTY[slot.group(1)]
        return Selector(prop, f"{prefix}{slot.group(2)}")
    if name.startswith("custom_"):
        ref = custom_fields.get(name)
        if ref is None and name.removeprefix("custom_").isdigit():
            ref = name.removeprefix("custom_")
        return Selector("custom_fields", str(ref)) if ref is not None else None
    if contact_field_problem(version, name) is None:
        return Selector(canonical_property(version, name))
    return None

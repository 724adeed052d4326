"""Domain records ↔ v2 wire shapes (the newest official v2 document, ``specs/swagger.yml``).

The store keeps v1 names and spellings (``birthday``, ``lead_source_id``, ``FORMAPIHOSTED``,
``LinkedIn``, ``DateTime``); v2 renames them and spells enums in UPPER_SNAKE. Ids are integers
in the store and strings on the v2 wire. Every translation between the two lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...clock import iso
from ...store import Tenant
from ...store.custom_fields import CONTACT
from ...store.email_statuses import MARKETABLE
from ...store.models import (
    ADDRESS_KEYS,
    CONTACT_TEXT,
    FAX_KEYS,
    PHONE_KEYS,
    SOCIAL_TYPES,
    SOURCE_TYPES,
    Contact,
)
from ...store.records import (
    CUSTOM_FIELD_TYPES,
    Campaign,
    CustomField,
    LeadSource,
    Note,
    Sequence,
    Tag,
    User,
)
from ...store.regions import us_state_code
from ..common import UNCONVERTIBLE, BadInput, as_str, compact, pick


def upper_snake(name: str) -> str:
    """``DateTime`` → ``DATE_TIME``; ``FORMAPIHOSTED`` stays as it is (no case boundaries)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def _both_ways(
    v1_names: tuple[str, ...], overrides: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    to_v2 = {name: overrides.get(name, upper_snake(name)) for name in v1_names}
    return to_v2, {v2: v1 for v1, v2 in to_v2.items()}


# v1 run-together spellings → v2 (facts §4.1: FORM_API_HOSTED, LINKED_IN, YOUTUBE; custom field
# types §4.7). The enums are the v2 document's.
SOURCE_TYPE_TO_V2, SOURCE_TYPE_FROM_V2 = _both_ways(
    SOURCE_TYPES,
    {
        "FORMAPIHOSTED": "FORM_API_HOSTED",
        "FORMAPIINTERNAL": "FORM_API_INTERNAL",
        "INTERNALFORM": "INTERNAL_FORM",
        "LANDINGPAGE": "LANDING_PAGE",
    },
)
SOCIAL_TYPE_TO_V2, SOCIAL_TYPE_FROM_V2 = _both_ways(SOCIAL_TYPES, {"YouTube": "YOUTUBE"})
FIELD_TYPE_TO_V2, FIELD_TYPE_FROM_V2 = _both_ways(CUSTOM_FIELD_TYPES, {})
EMAIL_STATUS_TO_V2 = {"DoubleOptin": "DOUBLE_OPT_IN"}  # the rest follow upper_snake

CONTACT_FIELDS_V2 = (
    "addresses",
    "anniversary_date",
    "birth_date",
    "company",
    "contact_type",
    "create_time",
    "custom_fields",
    "email_addresses",
    "family_name",
    "fax_numbers",
    "given_name",
    "id",
    "job_title",
    "leadsource_id",
    "links",
    "middle_name",
    "notes",
    "origin",
    "owner_id",
    "phone_numbers",
    "preferred_locale",
    "preferred_name",
    "prefix",
    "referral_code",
    "score_value",
    "social_accounts",
    "source_type",
    "spouse_name",
    "suffix",
    "tag_ids",
    "time_zone",
    "update_time",
    "utm_parameters",
    "website",
    "account_id",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "created_by",
    "groups",
    "last_updated_by",
)
# The ``update_mask`` enum of PATCH /contacts/{contact_id} is the same list.
CONTACT_MASK_V2 = CONTACT_FIELDS_V2
#: The v2 contact model's ``optional_properties`` as a real account answered them in 2024
#: (amp-labs/connectors capture, keap-facts.md §9.4), in that order. The document says of them:
#: "These fields are not transmitted by default on this model, but can be requested by
#: specifying them" (ObjectModel.optional_properties).
CONTACT_OPTIONAL_V2 = (
    "update_time",
    "create_time",
    "score_value",
    "tag_ids",
    "links",
    "addresses",
    "anniversary_date",
    "birth_date",
    "company",
    "contact_type",
    "custom_fields",
    "email_addresses",
    "fax_numbers",
    "job_title",
    "leadsource_id",
    "middle_name",
    "notes",
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
    "website",
    "utm_parameters",
)
#: What a contact read without ``fields`` sends: the available fields the model does not call
#: optional. The fields the document added after the capture (account_id, assistant_name, ...)
#: are not in the captured model either way; keapsim sends them only when ``fields`` asks
#: (its choice, keap-facts.md §9.4).
CONTACT_DEFAULT_V2 = frozenset({"id", "given_name", "family_name"})

_ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def sid(value: int | None) -> str | None:
    return None if value is None else str(value)


# -- ids and scalars from request bodies ------------------------------------------------------
def string_id(value: Any, name: str) -> int:
    """An id sent as a JSON string (v2's spelling) or a number; anything else is a 400."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput(UNCONVERTIBLE, field=name)
    text = str(value).strip()
    if not text.isdecimal() or len(text) > 18:
        raise BadInput(UNCONVERTIBLE, field=name)
    return int(text)


def string_ids(values: Any, name: str) -> list[int]:
    if not isinstance(values, list):
        raise BadInput(UNCONVERTIBLE, field=name)
    return [string_id(v, name) for v in values]


def text(body: dict[str, Any], name: str) -> str | None:
    return as_str(body.get(name), name)


# -- contacts ---------------------------------------------------------------------------------
def contact_v2(contact: Contact, tenant: Tenant, fields: set[str] | None = None) -> dict[str, Any]:
    """The v2 ``Contact``: the properties ``fields`` names, or without it the default ones
    (:data:`CONTACT_DEFAULT_V2`: the model's optional properties are left out)."""
    body: dict[str, Any] = {
        "id": sid(contact.id),
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "middle_name": contact.middle_name,
        "prefix": contact.prefix,
        "suffix": contact.suffix,
        "preferred_name": contact.preferred_name,
        "spouse_name": contact.spouse_name,
        "job_title": contact.job_title,
        "contact_type": contact.contact_type,
        "company": compact({"id": sid(contact.company_id), "company_name": contact.company_name})
        if contact.company_id is not None or contact.company_name
        else None,
        "email_addresses": [_email_v2(e, contact, tenant) for e in contact.email_addresses],
        "phone_numbers": [pick(p, PHONE_KEYS) for p in contact.phone_numbers],
        "fax_numbers": [pick(f, FAX_KEYS) for f in contact.fax_numbers],
        "addresses": [_address_v2(a) for a in contact.addresses],
        "social_accounts": [
            compact({"name": s.get("name"), "type": SOCIAL_TYPE_TO_V2.get(s["type"], s["type"])})
            for s in contact.social_accounts
        ],
        "birth_date": contact.birthday,
        "anniversary_date": contact.anniversary,
        "website": contact.website,
        "time_zone": contact.time_zone,
        "preferred_locale": contact.preferred_locale,
        "source_type": SOURCE_TYPE_TO_V2.get(contact.source_type or "", contact.source_type),
        "owner_id": sid(contact.owner_id),
        "leadsource_id": sid(contact.lead_source_id),
        "referral_code": contact.referral_code,
        "assistant_name": contact.assistant_name,
        "assistant_phone": contact.assistant_phone,
        "score_value": contact.score_value,
        "origin": {"date": iso(contact.date_created), **contact.origin} if contact.origin else None,
        "utm_parameters": [_utm_v2(contact.utm_parameters)] if contact.utm_parameters else None,
        "tag_ids": [str(t) for t in tenant.tags.ids_of(contact.id)],
        "custom_fields": [
            {"id": str(field.id), "content": contact.custom_fields.get(field.id)}
            for field in tenant.custom_fields.of_record_type(CONTACT)
        ],
        "links": [],
        "create_time": iso(contact.date_created),
        "update_time": iso(contact.last_updated),
    }
    wanted = CONTACT_DEFAULT_V2 if fields is None else fields
    return compact({k: v for k, v in body.items() if k in wanted or k == "id"})


def _email_v2(item: Mapping[str, Any], contact: Contact, tenant: Tenant) -> dict[str, Any]:
    # The store models opt-in per contact (v1's opt_in_reason) and per email (v2's
    # email_addresses[].opt_in_reason); either makes that address marketable, unless the
    # address's status was set through emailAddresses (keapsim/store/emails.py).
    status = tenant.email_statuses.contact_status(contact, item.get("email") or "")
    opted_in = status in MARKETABLE
    return compact(
        {
            "email": item.get("email"),
            "field": item.get("field"),
            "opt_in_reason": item.get("opt_in_reason"),
            "is_opt_in": opted_in,
            "email_opt_status": EMAIL_STATUS_TO_V2.get(status, upper_snake(status)),
        }
    )


def _address_v2(item: Mapping[str, Any]) -> dict[str, Any]:
    body = pick(item, ADDRESS_KEYS)
    region = item.get("region")
    if region:
        code = us_state_code(region) if item.get("country_code") in (None, "USA", "US") else None
        if code:
            body["region_code"] = f"US-{code}"
        elif _ISO_3166_2.match(region):
            body["region_code"] = region
    return body


# The response's ContactUtmResponse is camelCase (unlike the request's snake_case). keapsim
# stores one set of UTM values per contact and fills only the keys it has a value for; the
# document gives no values for id, firstTouch, lastTouch or dateCreated.
_UTM_V2 = {
    "keap_source_id": "keapSourceId",
    "utm_source": "utmSource",
    "utm_medium": "utmMedium",
    "utm_term": "utmTerm",
    "utm_campaign": "utmCampaign",
    "utm_content": "utmContent",
}


def _utm_v2(utm: dict[str, Any]) -> dict[str, Any]:
    return {out: utm[key] for key, out in _UTM_V2.items() if utm.get(key) is not None}


_SAME_NAME_TEXT = CONTACT_TEXT + ("referral_code", "assistant_name", "assistant_phone")


def contact_fields_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A v2 ``CreateUpdateContactRequest`` → the store's (v1-named) contact fields.

    Read-only properties (``id``, ``create_time``, ``tag_ids``...) and unknown ones are ignored;
    so is ``billing_information``, which the store does not keep. Wrong types are 400.
    """
    data: dict[str, Any] = {}
    for name in _SAME_NAME_TEXT:
        if name in body:
            data[name] = text(body, name)
    for v2_name, store_name in (("birth_date", "birthday"), ("anniversary_date", "anniversary")):
        if v2_name in body:
            data[store_name] = text(body, v2_name)
    for v2_name, store_name in (("leadsource_id", "lead_source_id"), ("owner_id", "owner_id")):
        if v2_name in body:
            value = body[v2_name]
            data[store_name] = None if value is None else string_id(value, v2_name)
    if "company" in body:
        company = body["company"]
        if company is None:
            data["company_id"] = None
        elif not isinstance(company, dict):
            raise BadInput(UNCONVERTIBLE, field="company")
        else:
            if company.get("id") is not None:
                data["company_id"] = string_id(company["id"], "company.id")
            if "company_name" in company:
                data["company_name"] = text(company, "company_name")
    if "source_type" in body:
        source = text(body, "source_type")
        if source in (None, "SOURCE_TYPE_UNSPECIFIED"):
            data["source_type"] = None
        elif source in SOURCE_TYPE_FROM_V2:
            data["source_type"] = SOURCE_TYPE_FROM_V2[source]
        else:
            raise BadInput(
                f"source_type must be one of {', '.join(SOURCE_TYPE_FROM_V2)}", field="source_type"
            )
    if "email_addresses" in body:
        emails = _items(body["email_addresses"], "email_addresses")
        data["email_addresses"] = [pick(e, ("email", "field", "opt_in_reason")) for e in emails]
        reasons = [text(item, "opt_in_reason") for item in data["email_addresses"]]
        primary = next((i for i, e in enumerate(emails) if e.get("field") == "EMAIL1"), 0)
        # v1's contact-level opt_in_reason is the primary address's (so v1 sees it opted in).
        if reasons and reasons[primary]:
            data["opt_in_reason"] = reasons[primary]
    if "phone_numbers" in body:
        data["phone_numbers"] = [
            pick(p, PHONE_KEYS) for p in _items(body["phone_numbers"], "phone_numbers")
        ]
    if "fax_numbers" in body:
        data["fax_numbers"] = [
            pick(f, FAX_KEYS) for f in _items(body["fax_numbers"], "fax_numbers")
        ]
    if "addresses" in body:
        data["addresses"] = [_address_from_v2(a) for a in _items(body["addresses"], "addresses")]
    if "social_accounts" in body:
        data["social_accounts"] = [
            _social_from_v2(s) for s in _items(body["social_accounts"], "social_accounts")
        ]
    if "custom_fields" in body:
        data["custom_fields"] = {
            string_id(v.get("id"), "custom_fields.id"): v.get("content")
            for v in _items(body["custom_fields"], "custom_fields")
        }
    if "origin" in body:
        origin = body["origin"]
        if origin is not None and (
            not isinstance(origin, dict) or not isinstance(origin.get("ip_address"), str)
        ):
            raise BadInput(UNCONVERTIBLE, field="origin")
        data["origin"] = {"ip_address": origin["ip_address"]} if origin else None
    if "utm_parameters" in body:
        data["utm_parameters"] = _utm_from_v2(body["utm_parameters"])
    return data


def _items(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadInput(UNCONVERTIBLE, field=name)
    return value


# The region arrives as region_code or region and is read separately.
_ADDRESS_KEYS_BUT_REGION = tuple(k for k in ADDRESS_KEYS if k != "region")


def _address_from_v2(item: dict[str, Any]) -> dict[str, Any]:
    out = pick(item, _ADDRESS_KEYS_BUT_REGION)
    # region_code (ISO 3166-2, e.g. US-AZ) is the v2 way; the deprecated long-name region is
    # still accepted. The store normalises either to the long name, as Keap stores it.
    region = text(item, "region_code") or text(item, "region")
    if region:
        out["region"] = region
    return out


def _social_from_v2(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("type")
    if kind not in SOCIAL_TYPE_FROM_V2:
        raise BadInput(
            f"social_accounts.type must be one of {', '.join(SOCIAL_TYPE_FROM_V2)}",
            field="social_accounts.type",
        )
    return {"name": text(item, "name"), "type": SOCIAL_TYPE_FROM_V2[kind]}


def _utm_from_v2(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field="utm_parameters")
    if not text(value, "keap_source_id"):
        raise BadInput(
            "utm_parameters.keap_source_id is required", field="utm_parameters.keap_source_id"
        )
    return {key: text(value, key) for key in _UTM_V2 if value.get(key) is not None}


# -- tags -------------------------------------------------------------------------------------
def tag_v2(tag: Tag) -> dict[str, Any]:
    return compact(
        {
            "id": str(tag.id),
            "name": tag.name,
            "description": tag.description,
            "category": {"id": str(tag.category_id)} if tag.category_id is not None else None,
            "create_time": iso(tag.create_time),
            "update_time": iso(tag.update_time),
        }
    )


def tagged_contact_v2(contact: Contact, applied: Any) -> dict[str, Any]:
    return compact(
        {
            "id": str(contact.id),
            "email": contact.primary_email,
            "given_name": contact.given_name,
            "family_name": contact.family_name,
            "applied_time": iso(applied),
        }
    )


# -- campaigns --------------------------------------------------------------------------------
def campaign_v2(campaign: Campaign, tenant: Tenant) -> dict[str, Any]:
    active = set()
    for sequence in campaign.sequences:
        active.update(tenant.campaigns.sequence_contacts(campaign.id, sequence.id))
    return compact(
        {
            "id": str(campaign.id),
            "name": campaign.name,
            "locked": campaign.locked,
            "date_created": iso(campaign.date_created),
            "published_date": iso(campaign.published_date) if campaign.published_date else None,
            "published_status": campaign.published_status,
            "time_zone": campaign.time_zone,
            "published_time_zone": campaign.time_zone if campaign.published_status else None,
            "active_contact_count": len(active),
            # keapsim's sequences never finish, so nobody has completed a campaign.
            "completed_contact_count": 0,
        }
    )


def sequence_v2(campaign: Campaign, sequence: Sequence, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": str(sequence.id),
        "name": sequence.name,
        "active_contact_count": len(tenant.campaigns.sequence_contacts(campaign.id, sequence.id)),
    }


# -- notes, users, lead sources, custom fields ------------------------------------------------
def note_v2(note: Note, tenant: Tenant) -> dict[str, Any]:
    user = tenant.users.find(note.user_id)
    return compact(
        {
            "id": str(note.id),
            "title": note.title,
            "text": note.body,
            "type": note.type,
            "contact_id": str(note.contact_id),
            "assigned_to_user": compact(
                {
                    "id": str(user.id),
                    "given_name": user.given_name,
                    "family_name": user.family_name,
                    "email_address": user.email_address,
                }
            )
            if user
            else None,
            # The store keeps a pinned flag, not the pin time: keapsim reports the note's last
            # update as pinned_at.
            "pinned_at": iso(note.last_updated) if note.pinned else None,
            "create_time": iso(note.date_created),
            "update_time": iso(note.last_updated),
        }
    )


def user_v2(user: User) -> dict[str, Any]:
    # The v2 User has no single email property; keapsim puts the login address in
    # email_addresses as EMAIL1.
    return compact(
        {
            "id": str(user.id),
            "global_user_id": str(user.global_user_id),
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email_addresses": [{"email": user.email_address, "field": "EMAIL1"}],
            "status": user.status.upper(),
            "admin": user.admin,
            "partner": user.partner,
            "create_time": iso(user.date_created),
            "update_time": iso(user.last_updated),
            "title": user.job_title,
            "company_name": user.company_name,
            "website": user.website,
            "address": user.address or None,
            "phone_numbers": list(user.phone_numbers) or None,
            "fax_numbers": list(user.fax_numbers) or None,
        }
    )


def lead_source_v2(source: LeadSource) -> dict[str, Any]:
    # The store keeps no create/update time for lead sources; they are left out.
    return compact(
        {
            "id": str(source.id),
            "name": source.name,
            "description": source.description,
            "vendor": source.vendor,
            "medium": source.medium,
            "message": source.message,
            "status": source.status,
            "lead_source_category_id": sid(source.category_id),
            "start_time": source.start_time,
            "end_time": source.end_time,
        }
    )


def custom_field_v2(field: CustomField) -> dict[str, Any]:
    """``CustomFieldMetaData``. ``default_value`` and ``group_id`` are sent as ``null`` when
    unset (captured model, keap-facts.md §9.3); the capture shows ``options``, ``record_type``
    and ``field_name`` null too, where keapsim has values to send."""
    return {
        "id": str(field.id),
        "label": field.label,
        "options": [{"id": str(o["id"]), "label": o["label"]} for o in field.options],
        "record_type": field.record_type,
        "field_type": FIELD_TYPE_TO_V2.get(field.field_type, field.field_type),
        "default_value": field.default_value,
        "group_id": sid(field.group_id),
        "field_name": field.field_name,
    }


def page_of(key: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """A v2 list body. On the last page ``next_page_token`` is left out: the document types it
    as a string (so not null) and gives no example of a last page."""
    return {key: items, "next_page_token": token} if token else {key: items}

"""Domain records → v1 wire shapes (and v1 request bodies → domain fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...clock import iso
from ...store import Tenant
from ...store.custom_fields import CONTACT
from ...store.email_statuses import MARKETABLE
from ...store.models import (
    ADDRESS_KEYS,
    CONTACT_FIELDS,
    CONTACT_TEXT,
    FAX_KEYS,
    PHONE_KEYS,
    Contact,
)
from ...store.records import Note, Tag, TagCategory, User
from ..common import UNCONVERTIBLE, BadInput, as_int, compact, listed_param, pick

# "Some fields such as lead_source_id, custom_fields, and job_title aren't included, by default"
# (v1 spec, optional_properties).
OPTIONAL_BY_DEFAULT = ("lead_source_id", "custom_fields", "job_title")
# The list item (RestPartialContact) has no opt_in_reason, origin, relationships or tag_ids.
NOT_IN_LIST_ITEM = ("opt_in_reason", "origin", "relationships", "tag_ids")


def contact_v1(
    contact: Contact,
    tenant: Tenant,
    optional_properties: set[str] | frozenset[str] = frozenset(),
    *,
    list_item: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": contact.id,
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "middle_name": contact.middle_name,
        "prefix": contact.prefix,
        "suffix": contact.suffix,
        "preferred_name": contact.preferred_name,
        "spouse_name": contact.spouse_name,
        "contact_type": contact.contact_type,
        "company_name": contact.company_name,
        "company": {"id": contact.company_id, "company_name": contact.company_name}
        if contact.company_id is not None
        else None,
        "email_addresses": [
            {"email": e["email"], "field": e["field"]} for e in contact.email_addresses
        ],
        "phone_numbers": [_phone(p) for p in contact.phone_numbers],
        # The document types fax ``number`` as a string: an entry without one leaves it out.
        "fax_numbers": [pick(f, FAX_KEYS) for f in contact.fax_numbers],
        "addresses": [pick(a, ADDRESS_KEYS) for a in contact.addresses],
        "social_accounts": [
            {"name": s.get("name"), "type": s["type"]} for s in contact.social_accounts
        ],
        "birthday": f"{contact.birthday}T00:00:00.000Z" if contact.birthday else None,
        "anniversary": contact.anniversary,
        "website": contact.website,
        "time_zone": contact.time_zone,
        "preferred_locale": contact.preferred_locale,
        "source_type": contact.source_type,
        "owner_id": contact.owner_id,
        "opt_in_reason": contact.opt_in_reason,
        # An address whose status the API set (emailAddresses) shows that status.
        "email_opted_in": (status := tenant.email_statuses.contact_status(contact)) in MARKETABLE,
        "email_status": status,
        "ScoreValue": contact.score_value,
        "origin": {"date": iso(contact.date_created), **contact.origin} if contact.origin else None,
        "relationships": [],
        "tag_ids": tenant.tags.ids_of(contact.id),
        "date_created": iso(contact.date_created),
        "last_updated": iso(contact.last_updated),
        "job_title": contact.job_title,
        "lead_source_id": contact.lead_source_id,
        "custom_fields": [
            {"id": field.id, "content": contact.custom_fields.get(field.id)}
            for field in tenant.custom_fields.of_record_type(CONTACT)
        ],
    }
    for name in OPTIONAL_BY_DEFAULT:
        if name not in optional_properties:
            body.pop(name)
    if list_item:
        for name in NOT_IN_LIST_ITEM:
            body.pop(name, None)
    return compact(body)


def _phone(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in PHONE_KEYS if p.get(k)}


V1_INPUT_FIELDS = frozenset(CONTACT_FIELDS) - {
    "company_id",
    "utm_parameters",
    "referral_code",
    "assistant_name",
    "assistant_phone",
    "company_name",
} | {"company"}


V1_STRING_FIELDS = frozenset(
    CONTACT_TEXT + ("source_type", "opt_in_reason", "birthday", "anniversary")
)


def contact_fields_from_v1(
    body: dict[str, Any], *, allow: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A v1 ``CreateOrPatchContact`` body → domain fields. Unknown properties are ignored, as
    Jackson does in Keap's v1 service; wrong types are 400."""
    data: dict[str, Any] = {}
    for name, value in body.items():
        if name in allow or name not in V1_INPUT_FIELDS:
            continue
        if name == "company":
            if value is not None:
                if not isinstance(value, dict):
                    raise BadInput(UNCONVERTIBLE, field="company")
                if value.get("id") is not None:
                    data["company_id"] = as_int(value["id"], "company.id")
            continue
        if name == "custom_fields":
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise BadInput(UNCONVERTIBLE, field="custom_fields")
            data["custom_fields"] = {
                as_int(v.get("id"), "custom_fields.id"): v.get("content") for v in value
            }
            continue
        if name == "origin":
            if value is not None:
                if not isinstance(value, dict) or not isinstance(value.get("ip_address"), str):
                    raise BadInput(UNCONVERTIBLE, field="origin")
                data["origin"] = {"ip_address": value["ip_address"]}
            continue
        if name in ("owner_id", "lead_source_id") and value is not None:
            value = as_int(value, name)
        elif name in V1_STRING_FIELDS and value is not None and not isinstance(value, str):
            # Jackson will not bind a number or an object to a String property.
            raise BadInput(UNCONVERTIBLE, field=name)
        data[name] = value
    return data


def optional_properties() -> set[str]:
    return listed_param("optional_properties") or set()


def tag_category_v1(category: TagCategory) -> dict[str, Any]:
    return compact({"id": category.id, "name": category.name, "description": category.description})


def tag_v1(tag: Tag, tenant: Tenant) -> dict[str, Any]:
    """``Tag``: the category is an object here, but a bare name in ``ContactTagList``."""
    category = tenant.tag_categories.find(tag.category_id)
    return compact(
        {
            "id": tag.id,
            "name": tag.name,
            "description": tag.description,
            "category": tag_category_v1(category) if category else None,
        }
    )


def applied_tag_v1(tag: Tag, applied: datetime, tenant: Tenant) -> dict[str, Any]:
    """An item of ``GET /v1/contacts/{id}/tags``: ``tag.category`` is a string (the name)."""
    category = tenant.tag_categories.find(tag.category_id)
    return {
        "date_applied": iso(applied),
        "tag": compact(
            {"id": tag.id, "name": tag.name, "category": category.name if category else None}
        ),
    }


def tagged_contact_v1(contact: Contact, applied: datetime) -> dict[str, Any]:
    """An item of ``GET /v1/tags/{id}/contacts`` (``BasicContact`` uses first/last_name)."""
    return {
        "date_applied": iso(applied),
        "contact": compact(
            {
                "id": contact.id,
                "email": contact.primary_email,
                "first_name": contact.given_name,
                "last_name": contact.family_name,
            }
        ),
    }


def status_map(results: dict[int, str]) -> dict[str, str]:
    """A per-id status map: a JSON object keyed by the id as a string (keap-facts.md §3.2)."""
    return {str(ident): status for ident, status in results.items()}


def note_v1(note: Note, tenant: Tenant) -> dict[str, Any]:
    # Keap does not say who ``last_updated_by`` is when the API edits a note; keapsim names the
    # note's user when it has one, and leaves the object out otherwise.
    user = tenant.users.find(note.user_id)
    return compact(
        {
            "id": note.id,
            "contact_id": note.contact_id,
            "user_id": note.user_id,
            "title": note.title,
            "body": note.body,
            "type": note.type,
            "date_created": iso(note.date_created),
            "last_updated": iso(note.last_updated),
            "last_updated_by": compact(
                {"user_id": user.id, "given_name": user.given_name, "family_name": user.family_name}
            )
            if user
            else None,
        }
    )


def user_v1(user: User) -> dict[str, Any]:
    """``RestUser``. ``infusionsoft_id`` is the user's Infusionsoft ID, which is the sign-in
    email address (keapsim's choice: neither the spec nor the facts give a sample value)."""
    return compact(
        {
            "id": user.id,
            "email_address": user.email_address,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "status": user.status,
            "partner": user.partner,
            "global_user_id": user.global_user_id,
            "infusionsoft_id": user.email_address,
            "date_created": iso(user.date_created),
            "last_updated": iso(user.last_updated),
        }
    )

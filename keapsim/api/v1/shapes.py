"""Domain records → v1 wire shapes (and v1 request bodies → domain fields)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

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

#: The v1 contact model's ``optional_properties``, as a real account answers them (the
#: keap-python 1.3.0 README prints the model; keap-facts.md §9.2). A contact read leaves these
#: out unless ``optional_properties`` names them; every capture of a contact body agrees
#: (keap-facts.md §9.1). "notes" is listed by Keap but no source shows what it adds to a contact:
#: keapsim accepts the name and adds nothing for it.
V1_OPTIONAL_PROPERTIES = (
    "birthday",
    "opt_in_reason",
    "preferred_locale",
    "website",
    "notes",
    "custom_fields",
    "prefix",
    "origin",
    "source_type",
    "time_zone",
    "suffix",
    "lead_source_id",
    "social_accounts",
    "fax_numbers",
    "relationships",
    "spouse_name",
    "contact_type",
    "company_name",
    "job_title",
    "anniversary",
    "preferred_name",
)
# The list item (RestPartialContact) has no opt_in_reason, origin or relationships; it does carry
# tag_ids (captured list items, keap-facts.md §9.1), which the document leaves out.
NOT_IN_LIST_ITEM = ("opt_in_reason", "origin", "relationships")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def v1_time(moment: datetime) -> str:
    """How v1 writes a time: UTC, milliseconds and a ``+0000`` offset without a colon
    (``2024-11-12T21:45:54.000+0000``, captured bodies, keap-facts.md §9.1). v2 writes
    ``...Z`` (:func:`keapsim.clock.iso`). The one home of v1's form: every v1 shape uses it."""
    if moment.tzinfo is not UTC:  # the clock's times are UTC already
        moment = moment.astimezone(UTC)
    return _v1_utc_text(moment)


# Not cached: a cache keyed by the records' own datetime objects kept one object alive in each
# of thousands of allocator arenas, and a reset of a large tenant then gave back a third of its
# memory instead of all of it (bench/bench_scale.py, reset: 1.09 -> 0.72 GiB at 1M contacts).
def _v1_utc_text(moment: datetime) -> str:
    """``iso(moment)[:-1] + "+0000"`` for a UTC time (the year padded to four digits, the
    microseconds cut down to milliseconds), formatted in one step: a third cheaper than
    ``isoformat(timespec=...)`` and slicing."""
    return _V1_TIME % (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond // 1000,
    )


_V1_TIME = "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000"


def utc_millis(moment: datetime) -> int:
    """A time as milliseconds since the epoch (``last_updated_utc_millis``), in integer
    arithmetic (a float of seconds can round 341 ms down to 340): a timedelta's days and
    seconds, then its microseconds (never negative) floored, which is ``// timedelta(ms=1)``
    without building and dividing by a second timedelta (issue 18)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def contact_v1(
    contact: Contact,
    tenant: Tenant,
    optional_properties: set[str] | frozenset[str] = frozenset(),
    *,
    list_item: bool = False,
) -> dict[str, Any]:
    """``FullContact`` (or the list's ``RestPartialContact``) as Keap sends it: the default
    properties always, ``null`` (or ``""`` for the names) when unset, and the optional ones only
    when ``optional_properties`` names them, ``null`` too when unset (keap-facts.md §9.1)."""
    body: dict[str, Any] = {
        "tag_ids": tenant.tags.ids_of(contact.id),
        "id": contact.id,
        "company": {"id": contact.company_id, "company_name": contact.company_name}
        if contact.company_id is not None
        else None,
        # An address whose status the API set (emailAddresses) shows that status.
        "email_opted_in": (status := tenant.email_statuses.contact_status(contact)) in MARKETABLE,
        "email_status": status,
        "date_created": v1_time(contact.date_created),
        "last_updated": v1_time(contact.last_updated),
        # Captures show "0" and null for contacts no scoring rule touched; keapsim runs no
        # scoring and sends what set_lead_score stored, "0" otherwise (as v2's leadScore does).
        "ScoreValue": contact.score_value or "0",
        "last_updated_utc_millis": utc_millis(contact.last_updated),
        "email_addresses": [
            {"email": e["email"], "field": e["field"]} for e in contact.email_addresses
        ],
        # Most contacts have neither: an empty list without running a comprehension (issue 18).
        "addresses": [pick(a, ADDRESS_KEYS) for a in contact.addresses]
        if contact.addresses
        else [],
        "phone_numbers": [_phone(p) for p in contact.phone_numbers]
        if contact.phone_numbers
        else [],
        "given_name": contact.given_name or "",
        "family_name": contact.family_name or "",
        "middle_name": contact.middle_name,
        "owner_id": contact.owner_id,
    }
    if not optional_properties:
        return body  # most reads ask for none: skip the walk over the optional names
    wanted = [
        name
        for name in V1_OPTIONAL_PROPERTIES
        if name in optional_properties and not (list_item and name in NOT_IN_LIST_ITEM)
    ]
    for name in wanted:
        if name in _OPTIONAL_VALUES:
            body[name] = _OPTIONAL_VALUES[name](contact, tenant)
    return body


def _custom_fields(contact: Contact, tenant: Tenant) -> list[dict[str, Any]]:
    return [
        {"id": field.id, "content": contact.custom_fields.get(field.id)}
        for field in tenant.custom_fields.of_record_type(CONTACT)
    ]


def _attribute(name: str) -> Callable[[Contact, Tenant], Any]:
    return lambda contact, _tenant: getattr(contact, name)


# How each optional property is rendered ("notes" has no known shape: see V1_OPTIONAL_PROPERTIES).
_OPTIONAL_VALUES: dict[str, Callable[[Contact, Tenant], Any]] = {
    **{
        name: _attribute(name)
        for name in (
            "opt_in_reason",
            "preferred_locale",
            "website",
            "prefix",
            "source_type",
            "time_zone",
            "suffix",
            "lead_source_id",
            "spouse_name",
            "contact_type",
            "company_name",
            "job_title",
            "anniversary",
            "preferred_name",
        )
    },
    "birthday": lambda c, _t: f"{c.birthday}T00:00:00.000+0000" if c.birthday else None,
    "custom_fields": _custom_fields,
    "origin": lambda c, _t: {"date": v1_time(c.date_created), **c.origin} if c.origin else None,
    "social_accounts": lambda c, _t: [
        {"name": s.get("name"), "type": s["type"]} for s in c.social_accounts
    ],
    # The document types fax ``number`` as a string: an entry without one leaves it out.
    "fax_numbers": lambda c, _t: [pick(f, FAX_KEYS) for f in c.fax_numbers],
    "relationships": lambda _c, _t: [],
}


def _phone(p: Mapping[str, Any]) -> dict[str, Any]:
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
    """``TagCategory``: ``description`` is ``null`` when unset (printed tag bodies in the
    keap-python 1.3.0 README, keap-facts.md §9.2)."""
    return {"id": category.id, "name": category.name, "description": category.description}


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
        "date_applied": v1_time(applied),
        "tag": compact(
            {"id": tag.id, "name": tag.name, "category": category.name if category else None}
        ),
    }


def tagged_contact_v1(contact: Contact, applied: datetime) -> dict[str, Any]:
    """An item of ``GET /v1/tags/{id}/contacts`` (``BasicContact`` uses first/last_name)."""
    return {
        "date_applied": v1_time(applied),
        # An unset name is "" (a tagged contact printed in the keap-python 1.3.0 README,
        # keap-facts.md §9.2); so is a missing email, by analogy with the tagged company
        # printed there ('email': '').
        "contact": {
            "id": contact.id,
            "email": contact.primary_email or "",
            "first_name": contact.given_name or "",
            "last_name": contact.family_name or "",
        },
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
            "date_created": v1_time(note.date_created),
            "last_updated": v1_time(note.last_updated),
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
            "date_created": v1_time(user.date_created),
            "last_updated": v1_time(user.last_updated),
        }
    )

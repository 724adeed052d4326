"""v1 contacts (keap-facts.md §3.1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from werkzeug.wrappers import Response

from ...context import current_request
from ...store import Invalid, Lookup, Query
from ...store.base import fold
from ...store.models import Contact
from ...wire import jsonify
from ..common import (
    BadInput,
    as_str,
    json_body,
    listed_param,
    path_id,
    query_time,
    tenant,
)
from ..paging import v1_order, v1_window
from . import blueprint, no_content
from .shapes import contact_fields_from_v1, contact_v1, optional_properties

ORDERS = {
    "id": lambda c: c.id,
    "date_created": lambda c: c.date_created,
    "last_updated": lambda c: c.last_updated,
    "name": lambda c: ((c.family_name or "").casefold(), (c.given_name or "").casefold()),
    "firstName": lambda c: (c.given_name or "").casefold(),
    "email": lambda c: (c.primary_email or "").casefold(),
}

# Orders an index of the store serves (a page costs O(page + log n)); the others sort.
ORDER_INDEXES: dict[str, str | None] = {
    "id": None,
    "last_updated": "last_updated",
    "email": "primary_email",
}

# The update_mask values the document enumerates. "notes" is listed but is no contact property
# keapsim stores, so masking it changes nothing.
UPDATE_MASK = tuple(
    """addresses anniversary birthday company contact_type custom_fields email_addresses
    family_name fax_numbers given_name job_title lead_source_id middle_name notes opt_in_reason
    origin owner_id phone_numbers preferred_locale preferred_name prefix social_accounts
    source_type spouse_name suffix time_zone website""".split()
)


def _to_millis(moment: datetime) -> datetime:
    """Keap's timestamps have millisecond precision: a ``last_updated`` value read back from a
    response must select its own contact in ``since``/``until``."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@blueprint.get("/contacts")
def list_contacts() -> Response:
    order, descending = v1_order(ORDERS)
    args = current_request().args  # without the proxy: one read (api/common.tenant says why)
    given = args.get("given_name")
    family = args.get("family_name")
    since, until = query_time("since"), query_time("until")

    def wanted(c: Contact) -> bool:
        return (
            (given is None or (c.given_name or "").casefold() == given.casefold())
            and (family is None or (c.family_name or "").casefold() == family.casefold())
            and (since is None or _to_millis(c.last_updated) >= since)
            and (until is None or _to_millis(c.last_updated) <= until)
        )

    the_tenant = tenant()
    email = args.get("email") or None
    lookups = [Lookup("email", "eq", fold(email.strip()))] if email else []
    lookups += [
        Lookup(n, "eq", fold(v)) for n, v in (("given_name", given), ("family_name", family)) if v
    ]
    if since is not None or until is not None:
        # A record matches by its millisecond-truncated time: widen the upper bound by 1 ms.
        high = None if until is None else until + timedelta(milliseconds=1)
        lookups.append(Lookup("last_updated", "range", low=since, high=high))
    filtered = any(v is not None for v in (given, family, since, until))
    predicate = wanted if filtered else None
    if order in ORDER_INDEXES:
        # v1 sorts an absent email as "" (first ascending, last descending).
        ordered: Query[Contact] = Query(
            lookups=lookups,
            predicate=predicate,
            order=ORDER_INDEXES[order],
            descending=descending,
            nulls_low=True,
        )
        matches: Sequence[Contact] = the_tenant.contacts.select(ordered)
    else:
        matches = list(the_tenant.contacts.select(Query(lookups=lookups, predicate=predicate)))
        matches.sort(key=ORDERS[order], reverse=descending)
    page, meta = v1_window(matches)
    props = optional_properties()
    return jsonify(
        contacts=[contact_v1(c, the_tenant, props, list_item=True) for c in page], **meta
    )


@blueprint.post("/contacts")
def create_contact() -> tuple[Response, int]:
    """Answers the default properties only, as writes do in every capture (keap-facts.md §9.1:
    a create sending custom fields gets none back)."""
    the_tenant = tenant()
    data = contact_fields_from_v1(json_body())
    guide = the_tenant.settings.profile == "guide"
    contact = the_tenant.contacts.create(data, reject_duplicate_email=guide)
    return jsonify(contact_v1(contact, the_tenant)), 201


@blueprint.put("/contacts")
def create_or_update_contact() -> tuple[Response, int]:
    """Upsert by ``duplicate_option`` in the body. The spec declares only 200, for both
    outcomes (facts §8: whether Keap answers 201 on create is not documented)."""
    the_tenant = tenant()
    body = json_body()
    option = as_str(body.get("duplicate_option"), "duplicate_option") or "Email"
    data = contact_fields_from_v1(body, allow=frozenset({"duplicate_option"}))
    contact, _created = the_tenant.contacts.upsert(data, option)
    return jsonify(contact_v1(contact, the_tenant)), 200


@blueprint.get("/contacts/<contact_id>")
def get_contact(contact_id: str) -> Response:
    the_tenant = tenant()
    contact = the_tenant.contacts.get(path_id(contact_id, "Contact"))
    return jsonify(contact_v1(contact, the_tenant, optional_properties()))


@blueprint.patch("/contacts/<contact_id>")
def patch_contact(contact_id: str) -> Response:
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    data = contact_fields_from_v1(json_body())
    mask = listed_param("update_mask") or set()
    unknown = mask - set(UPDATE_MASK)
    if unknown:
        raise BadInput(f"update_mask must be among {', '.join(UPDATE_MASK)}", field="update_mask")
    if mask:
        if "company" in mask:
            mask.add("company_id")
        data = {k: v for k, v in data.items() if k in mask}
    contact = the_tenant.contacts.update(ident, data)
    return jsonify(contact_v1(contact, the_tenant))


@blueprint.delete("/contacts/<contact_id>")
def delete_contact(contact_id: str) -> Response:
    tenant().contacts.delete(path_id(contact_id, "Contact"))
    return no_content()


# insertUTMsUsingPOST: body CreateUtmContact (camelCase, keapSourceId required), 201 FullUtm.
_UTM_V1 = {
    "keapSourceId": "keap_source_id",
    "utmSource": "utm_source",
    "utmMedium": "utm_medium",
    "utmTerm": "utm_term",
    "utmCampaign": "utm_campaign",
    "utmContent": "utm_content",
}


@blueprint.post("/contacts/<contact_id>/utm")
def insert_utms(contact_id: str) -> tuple[Response, int]:
    """keapsim keeps one set of UTM values per contact (the one v2 shows as utm_parameters), so
    an insert replaces the previous set; no source says whether Keap keeps a history. FullUtm
    requires a ``contactUtmId`` and keapsim has no separate UTM record: it answers the contact id
    there (invented; no source gives the value)."""
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    body = json_body()
    given = {key: as_str(body.get(key), key) for key in _UTM_V1 if body.get(key) is not None}
    if not given.get("keapSourceId"):
        raise Invalid("keapSourceId is required", field="keapSourceId")
    the_tenant.contacts.update(ident, {"utm_parameters": {_UTM_V1[k]: v for k, v in given.items()}})
    return jsonify(contactUtmId=ident, **given), 201

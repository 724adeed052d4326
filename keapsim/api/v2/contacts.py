"""v2 contacts, the contact model and contact custom fields (keap-facts.md §4.1, §4.7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Lookup, Query
from ...store.base import fold
from ...store.custom_fields import CONTACT
from ...store.models import Contact
from ...store.records import CustomField
from ...wire import jsonify
from ..common import BadInput, json_body, path_id, tenant
from . import blueprint
from .custom_filters import by_field_name, custom_field_test, operators
from .filters import (
    COMPARE,
    EQ,
    NONE,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    requested_fields,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import Indexed, filtered_window
from .shapes import (
    CONTACT_FIELDS_V2,
    CONTACT_MASK_V2,
    contact_fields_from_v2,
    contact_v2,
    page_of,
)

ORDERS: dict[str, Callable[[Contact], object]] = {
    "id": lambda c: c.id,
    "create_time": lambda c: c.date_created,
    "update_time": lambda c: c.last_updated,
    "email": lambda c: (c.primary_email or "").casefold() or None,
}
ADDRESS_PARTS = ("line1", "locality", "region", "postal_code", "country_code")
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "email": EQ,
    "given_name": EQ,
    "family_name": EQ,
    "middle_name": EQ,
    "company_id": EQ,
    "contact_ids": EQ,
    "ids": EQ,
    "start_update_time": EQ,
    "end_update_time": EQ,
    "phone_number": EQ,
    "phone_fields": EQ,
    "city": EQ,
    "state": EQ,
    "website": EQ,
    "lead_source_name": EQ,
    "contact_id": COMPARE,
    **{
        f"{kind}_address_{part}": EQ
        for kind in ("billing", "shipping", "other")
        for part in ADDRESS_PARTS
    },
}


_MILLISECOND = timedelta(milliseconds=1)


def _guide_profile() -> bool:
    return tenant().settings.profile == "guide"


def _address(contact: Contact, field: str) -> Mapping[str, Any]:
    return next((a for a in contact.addresses if a.get("field") == field), {})


def _primary_address(contact: Contact) -> Mapping[str, Any]:
    return _address(contact, "BILLING") or (contact.addresses[0] if contact.addresses else {})


def _clause_test(clause: Clause, custom: dict[str, CustomField]) -> Callable[[Contact], bool]:
    """A predicate for one filter clause (custom fields are matched by ``field_name``)."""
    name, op, value = clause.field, clause.op, clause.value
    if name in ("given_name", "family_name", "middle_name", "website"):
        return lambda c: text_matches(getattr(c, name), value)
    if name == "lead_source_name":
        source_names: dict[int | None, str] = {s.id: s.name for s in tenant().lead_sources.list()}
        return lambda c: text_matches(source_names.get(c.lead_source_id), value)
    if name == "email":
        return lambda c: (
            any(text_matches(e, value) for e in c.emails) or (value == "NONE" and not c.emails)
        )
    if name in ("contact_ids", "ids"):
        wanted = id_set(value, name)
        return lambda c: c.id in wanted
    if name == "contact_id":
        number = positive_int(value, name)
        return lambda c: compare(c.id, op, number)
    if name == "company_id":
        number = positive_int(value, name)
        return lambda c: c.company_id == number
    if name == "start_update_time":
        since = timestamp(value, name)
        return lambda c: to_millis(c.last_updated) >= since
    if name == "end_update_time":
        until = timestamp(value, name)
        return lambda c: to_millis(c.last_updated) <= until
    if name == "city":
        return lambda c: text_matches(_primary_address(c).get("locality"), value)
    if name == "state":
        return lambda c: text_matches(_primary_address(c).get("region"), value)
    if name.endswith(tuple(ADDRESS_PARTS)) and "_address_" in name:
        kind, part = name.split("_address_")
        return lambda c: text_matches(_address(c, kind.upper()).get(part), value, wildcard=False)
    if name in custom:
        return custom_field_test(custom[name], op, value)
    raise BadInput(f"Invalid filter field: {name}", field="filter")  # pragma: no cover


def _phone_test(clauses: list[Clause]) -> Callable[[Contact], bool] | None:
    """``phone_number`` needs ``phone_fields`` (v2 document); only those slots are searched."""
    number = next((c.value for c in clauses if c.field == "phone_number"), None)
    slots = next((c.value for c in clauses if c.field == "phone_fields"), None)
    if number is None and slots is None:
        return None
    if number is None or slots is None:
        raise BadInput("phone_number and phone_fields must be given together", field="filter")
    wanted = {s.strip().upper() for s in slots.split(",") if s.strip()}
    if not wanted or wanted - {"PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5"}:
        raise BadInput(f"Invalid phone_fields: {slots}", field="filter")
    return lambda c: any(
        p.get("field") in wanted and text_matches(p.get("number"), number) for p in c.phone_numbers
    )


# Orders an index of the store serves (a page costs O(page + log n)); the others sort.
ORDER_INDEXES: dict[str, str | None] = {
    "id": None,
    "update_time": "last_updated",
    "email": "primary_email",
}


def _index_lookups(clauses: list[Clause]) -> list[Lookup]:
    """Store lookups that narrow the candidates for the clauses an index serves (the clause
    tests still decide: a lookup only has to select a superset)."""
    lookups = []
    for clause in clauses:
        name, value = clause.field, clause.value
        if value == NONE or not value:
            continue
        if name in ("email", "given_name", "family_name"):
            prefix = value.endswith("*")
            text = fold(value[:-1] if prefix else value)
            index = "email" if name == "email" else name
            if prefix and name == "email":
                lookups.append(Lookup(index, "prefix", text))
            elif not prefix:
                lookups.append(Lookup(index, "eq", text))
        elif name in ("start_update_time", "end_update_time"):
            bound = timestamp(value, name)
            if name == "start_update_time":
                lookups.append(Lookup("last_updated", "range", low=bound))
            else:  # a record matches by its millisecond-truncated time
                lookups.append(Lookup("last_updated", "range", high=bound + _MILLISECOND))
    return lookups


def _id_filter(clauses: list[Clause]) -> set[int] | None:
    wanted: set[int] | None = None
    for clause in clauses:
        if clause.field in ("contact_ids", "ids"):
            ids = id_set(clause.value, clause.field)
            wanted = ids if wanted is None else wanted & ids
    return wanted


def _query(clauses: list[Clause], custom: dict[str, CustomField]) -> Query[Contact]:
    """The store query of a filter: index lookups narrow, the clause tests decide."""
    tests = [
        _clause_test(c, custom) for c in clauses if c.field not in ("phone_number", "phone_fields")
    ]
    phone = _phone_test(clauses)
    if phone is not None:
        tests.append(phone)
    return Query(
        lookups=_index_lookups(clauses),
        ids=_id_filter(clauses),
        predicate=(lambda c: all(test(c) for test in tests)) if tests else None,
    )


@blueprint.get("/contacts")
def list_contacts() -> Response:
    the_tenant = tenant()
    custom = by_field_name(the_tenant.custom_fields.of_record_type(CONTACT))
    page, token = filtered_window(
        Indexed(the_tenant.contacts.select, lambda c: _query(c, custom), ORDER_INDEXES),
        filters=FILTER_FIELDS,
        any_case=operators(custom),
        orders=ORDERS,
    )
    # ``fields`` is checked after paging (not by filtered_page): a request with a bad page
    # size and bad fields is told about the page size, as it always was.
    fields = requested_fields(CONTACT_FIELDS_V2)
    return jsonify(page_of("contacts", [contact_v2(c, the_tenant, fields) for c in page], token))


@blueprint.post("/contacts")
def create_contact() -> tuple[Response, int]:
    """Create, or upsert with ``duplicate_option`` (200 updated, 201 created). Without the
    option Keap always creates; the ``guide`` profile rejects a duplicate email with 409."""
    the_tenant = tenant()
    fields = requested_fields(CONTACT_FIELDS_V2)
    data = contact_fields_from_v2(json_body())
    option = request.args.get("duplicate_option")
    if option is None:
        contact = the_tenant.contacts.create(
            data, reject_duplicate_email=_guide_profile(), address_suffices=True
        )
        return jsonify(contact_v2(contact, the_tenant, fields)), 201
    contact, created = the_tenant.contacts.upsert(data, option, address_suffices=True)
    return jsonify(contact_v2(contact, the_tenant, fields)), 201 if created else 200


@blueprint.get("/contacts/<contact_id>")
def get_contact(contact_id: str) -> Response:
    the_tenant = tenant()
    contact = the_tenant.contacts.get(path_id(contact_id, "Contact"))
    return jsonify(contact_v2(contact, the_tenant, requested_fields(CONTACT_FIELDS_V2)))


# v2 property names in update_mask → the store fields they cover.
_MASK_TO_STORE = {
    "birth_date": ("birthday",),
    "anniversary_date": ("anniversary",),
    "leadsource_id": ("lead_source_id",),
    "company": ("company_id", "company_name"),
    "email_addresses": ("email_addresses", "opt_in_reason"),
}


@blueprint.patch("/contacts/<contact_id>")
def patch_contact(contact_id: str) -> Response:
    """Only the given properties change; collections are replaced wholesale ("Any item not
    listed here will be removed", v2 document). ``update_mask`` narrows the body further."""
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    body = json_body()
    mask = update_mask(CONTACT_MASK_V2)
    fields = requested_fields(CONTACT_FIELDS_V2)
    data = contact_fields_from_v2(body)
    contact = the_tenant.contacts.update(ident, masked(data, mask, _MASK_TO_STORE))
    return jsonify(contact_v2(contact, the_tenant, fields))


@blueprint.delete("/contacts/<contact_id>")
def delete_contact(contact_id: str) -> tuple[str, int]:
    tenant().contacts.delete(path_id(contact_id, "Contact"))
    return "", 204

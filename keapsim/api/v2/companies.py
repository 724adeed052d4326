"""v2 companies, company tags and a tag's companies (the v2 document, ``swagger.yml``).

Shapes: ``Company`` (answers), ``CreateCompanyRequest`` / ``UpdateCompanyRequest`` (bodies),
``ListCompaniesResponse``, ``ListCompanyTagsResponse``, ``ListTaggedCompaniesResponse``. The
store is shared with v1 (``keapsim/api/v1/companies.py``): a company made here reads there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Lookup, Query, Tenant
from ...store.companies import ADDRESS_KEYS, DATES, PERSON_TEXT, Company
from ...store.custom_fields import COMPANY
from ...store.regions import us_state_code
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, json_body, path_id, pick, tenant
from ..custom_values import custom_values_in, custom_values_out
from . import blueprint
from .custom_filters import by_field_name, custom_field_test, operators
from .filters import (
    COMPARE,
    EQ,
    NONE,
    Clause,
    compare,
    masked,
    positive_int,
    requested_fields,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import Indexed, filtered_page, on_pairs
from .shapes import sid, string_id, text

# a company's tags filter, order and look as a contact's do
from .tags import tag_links_page

KIND = "Company"
# "Fields such as notes, fax_number, address, email_address, phone_number, update_time,
# create_time and custom_fields aren't included, by default" (GET /companies, `fields`).
OPTIONAL = (
    "notes",
    "fax_number",
    "address",
    "email_address",
    "phone_number",
    "update_time",
    "create_time",
    "custom_fields",
)
PROPERTIES = (
    "id",
    "company_name",
    "website",
    *PERSON_TEXT,
    *DATES,
    "owner_id",
    "created_by",
    "last_updated_by",
    "groups",
    "account_id",
    *OPTIONAL,
)
# The update_mask enum of PATCH /companies/{company_id} (read-only names are accepted and
# change nothing), and the store fields each name covers where they differ.
MASK = (
    "id",
    "company_name",
    "address",
    "phone_number",
    "fax_number",
    "email_address",
    "notes",
    "website",
    "custom_fields",
    "create_time",
    "update_time",
    "anniversary_date",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "birth_date",
    "contact_type",
    "first_name",
    "job_title",
    "last_name",
    "middle_name",
    "preferred_name",
    "owner_id",
    "referral_code",
    "spouse_name",
    "suffix",
    "title",
    "account_id",
    "created_by",
    "groups",
    "last_updated_by",
)
MASK_TO_STORE = {"email_address": ("email_address", "opt_in_reason")}
_TEXT = ("company_name", "notes", "website", *PERSON_TEXT, *DATES)
# The ``field`` enums of the v2 PhoneNumber and FaxNumber schemas.
PHONE_SLOTS = ("PHONE_NUMBER_FIELD_UNSPECIFIED", "PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5")
FAX_SLOTS = ("FAX_NUMBER_FIELD_UNSPECIFIED", "FAX1", "FAX2")


# -- answers ---------------------------------------------------------------------------------
def company_v2(
    company: Company, tenant: Tenant, fields: set[str] | None = None, *, everything: bool = False
) -> dict[str, Any]:
    """The v2 ``Company``: the default properties plus the optional ones ``fields`` asks for
    (``everything``: all of them, as a create or update answers)."""
    tag_ids = tenant.companies.tag_ids_of(company.id)
    body: dict[str, Any] = {
        "id": str(company.id),
        "company_name": company.company_name,
        "website": company.website,
        **{name: getattr(company, name) for name in (*PERSON_TEXT, *DATES)},
        "owner_id": sid(company.owner_id),
        "created_by": sid(company.created_by),
        "last_updated_by": sid(company.last_updated_by),
        "groups": ",".join(map(str, tag_ids)) or None,
        "notes": company.notes,
        "fax_number": company.fax_number,
        "address": address_v2(company.address),
        "email_address": email_v2(company),
        "phone_number": company.phone_number,
        "create_time": iso(company.create_time),
        "update_time": iso(company.update_time),
    }
    wanted = set(OPTIONAL) if everything else fields or set()
    if "custom_fields" in wanted:
        body["custom_fields"] = custom_values_out(company, tenant, COMPANY, str)
    left_out = set(OPTIONAL) - wanted
    return {k: v for k, v in body.items() if v is not None and k not in left_out}


def address_v2(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """The v2 ``Address``: the stored long region name, and its ISO 3166-2 ``region_code``
    where keapsim knows it (US states)."""
    if not address:
        return None
    body = pick(address, ADDRESS_KEYS)
    region = address.get("region")
    if region and address.get("country_code") in ("USA", "US"):
        code = us_state_code(region)
        if code:
            body["region_code"] = f"US-{code}"
    return body


def email_v2(company: Company) -> dict[str, Any] | None:
    if not company.email_address:
        return None
    status = "UNENGAGED_MARKETABLE" if company.email_opted_in else "UNENGAGED_NON_MARKETABLE"
    body = {
        "email": company.email_address,
        "opt_in_reason": company.opt_in_reason,
        "is_opt_in": company.email_opted_in,
        "email_opt_status": status,
    }
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
def company_fields_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A ``CreateCompanyRequest`` / ``UpdateCompanyRequest`` → store fields. Read-only and
    unknown properties are ignored, as for contacts; wrong types are 400."""
    data: dict[str, Any] = {name: text(body, name) for name in _TEXT if name in body}
    if "owner_id" in body:
        owner = body["owner_id"]
        data["owner_id"] = None if owner is None else string_id(owner, "owner_id")
    if "address" in body:
        data["address"] = _address_from_v2(_object(body["address"], "address"))
    if "phone_number" in body:
        data["phone_number"] = _slotted(body["phone_number"], "phone_number", PHONE_SLOTS)
    if "fax_number" in body:
        data["fax_number"] = _slotted(body["fax_number"], "fax_number", FAX_SLOTS)
    if "email_address" in body:
        email = _object(body["email_address"], "email_address") or {}
        data["email_address"] = text(email, "email")
        data["opt_in_reason"] = text(email, "opt_in_reason")
    if "custom_fields" in body:
        data["custom_fields"] = custom_values_in(body["custom_fields"], string_id)
    return data


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field=name)
    return value


def _slotted(value: Any, name: str, slots: tuple[str, ...]) -> dict[str, Any] | None:
    """A phone or fax number; its ``field`` must be one of the document's enum values."""
    item = _object(value, name)
    if item is not None and item.get("field") is not None and item["field"] not in slots:
        raise BadInput(f"{name}.field must be one of {', '.join(slots)}", field=f"{name}.field")
    return item


def _address_from_v2(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    out = {k: item[k] for k in ADDRESS_KEYS if k != "region" and item.get(k) is not None}
    # region_code (ISO 3166-2) is the v2 way; the deprecated long-name region still counts.
    region = text(item, "region_code") or text(item, "region")
    if region:
        out["region"] = region
    return out


# -- companies -------------------------------------------------------------------------------
FILTERS: dict[str, tuple[str, ...]] = {
    "company_name": EQ,
    "name": EQ,
    "email": EQ,
    "city": EQ,
    "state": EQ,
    "since_time": EQ,
    "until_time": EQ,
    "company_id": COMPARE,
}
# order_by → the store's ordering index (a page costs O(page + log n)); id is the table's order.
ORDER_INDEXES = {"id": None, "create_time": "create_time", "name": "name", "email": "email"}


def _clause_test(clause: Clause, custom: dict[str, Any]) -> Callable[[Company], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "company_name":  # "exact match on company name (equality only)": no wildcard
        return lambda c: text_matches(c.company_name, value, wildcard=False)
    if name == "name":
        return lambda c: text_matches(c.company_name, value)
    if name == "email":
        return lambda c: text_matches(c.email_address, value, wildcard=False)
    if name == "city":
        return lambda c: text_matches(c.city, value)
    if name == "state":
        return lambda c: text_matches(c.state, value)
    if name in ("since_time", "until_time"):
        bound = timestamp(value, name)
        if name == "since_time":
            return lambda c: to_millis(c.update_time) >= bound
        return lambda c: to_millis(c.update_time) <= bound
    if name == "company_id":
        number = positive_int(value, name)
        return lambda c: compare(c.id, op, number)
    return custom_field_test(custom[name], op, value)


def _lookups(clauses: list[Clause]) -> list[Lookup]:
    """Index lookups for the clauses an index serves (the clause tests still decide)."""
    lookups = []
    for clause in clauses:
        value = clause.value
        if not value or value == NONE:
            continue
        if clause.field == "company_name" or (clause.field == "name" and "*" not in value):
            lookups.append(Lookup("name", "eq", value.casefold()))
        elif clause.field == "name" and value.endswith("*") and "*" not in value[:-1]:
            lookups.append(Lookup("name", "prefix", value[:-1].casefold()))
        elif clause.field == "email":
            lookups.append(Lookup("email", "eq", value.casefold()))
    return lookups


@blueprint.get("/companies")
def list_companies() -> Response:
    the_tenant = tenant()
    fields = requested_fields(PROPERTIES)
    custom = by_field_name(the_tenant.custom_fields.of_record_type(COMPANY))

    def query(clauses: list[Clause]) -> Query[Company]:
        tests = [_clause_test(c, custom) for c in clauses]
        return Query(
            lookups=_lookups(clauses),
            predicate=(lambda c: all(test(c) for test in tests)) if tests else None,
        )

    # Every order is an index's, so order_by takes ORDER_INDEXES' names.
    body = filtered_page(
        "companies",
        Indexed(the_tenant.companies.select, query, ORDER_INDEXES),
        lambda c: company_v2(c, the_tenant, fields),
        filters=FILTERS,
        any_case=operators(custom),
    )
    return jsonify(body)


@blueprint.post("/companies")
def create_company() -> tuple[Response, int]:
    the_tenant = tenant()
    company = the_tenant.companies.create(**company_fields_from_v2(json_body()))
    return jsonify(company_v2(company, the_tenant, everything=True)), 201


@blueprint.get("/companies/<company_id>")
def get_company(company_id: str) -> Response:
    the_tenant = tenant()
    fields = requested_fields(PROPERTIES)
    company = the_tenant.companies.get(path_id(company_id, KIND))
    return jsonify(company_v2(company, the_tenant, fields))


@blueprint.patch("/companies/<company_id>")
def patch_company(company_id: str) -> Response:
    """The given properties change (a nested object is replaced whole; custom-field values
    given replace those stored); ``update_mask`` narrows them further."""
    the_tenant = tenant()
    ident = path_id(company_id, KIND)
    body = json_body()
    mask = update_mask(MASK)
    changes = masked(company_fields_from_v2(body), mask, MASK_TO_STORE)
    company = the_tenant.companies.update(ident, **changes)
    return jsonify(company_v2(company, the_tenant, everything=True))


@blueprint.delete("/companies/<company_id>")
def delete_company(company_id: str) -> tuple[str, int]:
    tenant().companies.delete(path_id(company_id, KIND))
    return "", 204


# -- a company's tags ------------------------------------------------------------------------
@blueprint.get("/companies/<company_id>/tags")
def list_company_tags(company_id: str) -> Response:
    return jsonify(tag_links_page(tenant().companies.tags_of(path_id(company_id, KIND))))


@blueprint.post("/companies/<company_id>/tags/<tag_id>")
def add_tag_to_company(company_id: str, tag_id: str) -> tuple[str, int]:
    """204 also when the tag was applied already (nothing changes)."""
    tenant().companies.apply_tag(path_id(company_id, KIND), path_id(tag_id, "Tag"))
    return "", 204


@blueprint.delete("/companies/<company_id>/tags/<tag_id>")
def remove_tag_from_company(company_id: str, tag_id: str) -> tuple[str, int]:
    """204 also when the tag was not applied (nothing changes)."""
    tenant().companies.remove_tag(path_id(company_id, KIND), path_id(tag_id, "Tag"))
    return "", 204


# -- a tag's companies -----------------------------------------------------------------------
TAGGED_FILTERS = {
    "company_name": EQ,
    "email": EQ,
    "since_applied_time": EQ,
    "until_applied_time": EQ,
}
TAGGED_ORDERS: dict[str, Callable[[tuple[Company, datetime]], Any]] = {
    "company_name": lambda link: link[0].company_name.casefold(),
    "email": lambda link: (link[0].email_address or "").casefold() or None,
    "applied_time": lambda link: link[1],
}


def _tagged_test(clause: Clause) -> Callable[[Company, datetime], bool]:
    name, value = clause.field, clause.value
    if name == "company_name":
        return lambda c, _: text_matches(c.company_name, value)
    if name == "email":  # "If NONE is passed in for email, it will check for the non-existence"
        return lambda c, _: text_matches(c.email_address, value)
    bound = timestamp(value, name)
    if name == "since_applied_time":
        return lambda _, applied: to_millis(applied) >= bound
    return lambda _, applied: to_millis(applied) <= bound


@blueprint.get("/tags/<tag_id>/companies")
def list_tagged_companies(tag_id: str) -> Response:
    the_tenant = tenant()

    def tagged_company_v2(link: tuple[Company, datetime]) -> dict[str, Any]:
        company, applied = link
        return {"company": company_v2(company, the_tenant), "applied_time": iso(applied)}

    body = filtered_page(
        "tagged_companies",
        the_tenant.companies.with_tag(path_id(tag_id, "Tag")),
        tagged_company_v2,
        filters=TAGGED_FILTERS,
        test=on_pairs(_tagged_test),
        orders=TAGGED_ORDERS,
        default_order="applied_time",
    )
    return jsonify(body)

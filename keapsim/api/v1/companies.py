"""v1 companies and a tag's companies (the v1 document, ``2025-11-05-v1.json``).

Shapes: ``Company`` (answers), ``CreateOrPatchCompany`` (bodies), ``CompanyList`` and
``TaggedCompanyList``. The store is shared with v2 (``keapsim/api/v2/companies.py``): v1 sees
the fields its document has (one email address as a string with its opt-in status; an address
without ``postal_code``, so a postal code shows as ``zip_code``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Lookup, Query, Tenant
from ...store.companies import Company
from ...store.custom_fields import COMPANY
from ...wire import jsonify
from ..common import (
    UNCONVERTIBLE,
    BadInput,
    as_int,
    as_str,
    compact,
    json_body,
    path_id,
    pick,
    tenant,
)
from ..custom_values import custom_values_in, custom_values_out
from ..paging import v1_order, v1_window
from . import blueprint
from .shapes import optional_properties, v1_time

KIND = "Company"
# "Fields such as notes, fax_number and custom_fields aren't included, by default."
OPTIONAL_BY_DEFAULT = ("notes", "fax_number", "custom_fields")
ADDRESS_V1 = ("line1", "line2", "locality", "region", "country_code", "zip_code", "zip_four")
PHONE_V1 = ("number", "extension", "type")
FAX_V1 = ("number", "type")
_TEXT = ("company_name", "email_address", "notes", "website", "opt_in_reason")
# v1 ``order`` → the store's ordering index (id is the table's own order).
ORDER_INDEXES = {"id": None, "date_created": "create_time", "name": "name", "email": "email"}


def company_v1(
    company: Company, tenant: Tenant, optional: set[str] | None = None, *, everything: bool = False
) -> dict[str, Any]:
    """The v1 ``Company``: notes, fax number and custom fields only when ``optional`` names
    them (``everything``: always, as a create or update answers)."""
    body: dict[str, Any] = {
        "id": company.id,
        "company_name": company.company_name,
        "email_address": company.email_address,
        "email_opted_in": company.email_opted_in if company.email_address else None,
        "email_status": company.email_status if company.email_address else None,
        "phone_number": pick(company.phone_number, PHONE_V1) if company.phone_number else None,
        "fax_number": pick(company.fax_number, FAX_V1) if company.fax_number else None,
        "address": address_v1(company.address),
        "notes": company.notes,
        "website": company.website,
    }
    wanted = set(OPTIONAL_BY_DEFAULT) if everything else optional or set()
    if "custom_fields" in wanted:
        body["custom_fields"] = custom_values_out(company, tenant, COMPANY)
    for name in set(OPTIONAL_BY_DEFAULT) - wanted:
        body.pop(name, None)
    return compact(body)


def address_v1(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """v1's ``CompanyAddress`` has no postal_code: a postal code given through v2 shows as
    zip_code (keapsim's choice, so v1 does not lose it)."""
    if not address:
        return None
    body = pick(address, ADDRESS_V1)
    if "zip_code" not in body and address.get("postal_code"):
        body["zip_code"] = address["postal_code"]
    return body


def company_fields_from_v1(body: dict[str, Any]) -> dict[str, Any]:
    """A ``CreateOrPatchCompany`` → store fields; other properties are ignored, wrong types
    are 400."""
    data: dict[str, Any] = {name: as_str(body.get(name), name) for name in _TEXT if name in body}
    for name, keys in (("address", ADDRESS_V1), ("phone_number", PHONE_V1), ("fax_number", FAX_V1)):
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, dict):
                raise BadInput(UNCONVERTIBLE, field=name)
            data[name] = None if value is None else {k: value[k] for k in keys if k in value}
    if "custom_fields" in body:
        data["custom_fields"] = custom_values_in(body["custom_fields"], as_int)
    return data


def _name_lookup() -> list[Lookup]:
    # "Optional company name to query on": the whole name, ignoring case (as v1's contact
    # name parameters match).
    name = request.args.get("company_name")
    return [Lookup("name", "eq", name.casefold())] if name else []


@blueprint.get("/companies")
def list_companies() -> Response:
    the_tenant = tenant()
    order, descending = v1_order(ORDER_INDEXES)
    query: Query[Company] = Query(
        lookups=_name_lookup(), order=ORDER_INDEXES[order], descending=descending
    )
    matches: Sequence[Company] = the_tenant.companies.select(query)
    page, meta = v1_window(matches)
    props = optional_properties()
    return jsonify(companies=[company_v1(c, the_tenant, props) for c in page], **meta)


@blueprint.post("/companies")
def create_company() -> tuple[Response, int]:
    the_tenant = tenant()
    company = the_tenant.companies.create(**company_fields_from_v1(json_body()))
    return jsonify(company_v1(company, the_tenant, everything=True)), 201


@blueprint.get("/companies/<company_id>")
def get_company(company_id: str) -> Response:
    the_tenant = tenant()
    company = the_tenant.companies.get(path_id(company_id, KIND))
    return jsonify(company_v1(company, the_tenant, optional_properties()))


@blueprint.patch("/companies/<company_id>")
def patch_company(company_id: str) -> Response:
    """ "Updates a company with only the values provided in the request." The document marks
    company_name required in the shared body schema; a PATCH may leave it out, but may not
    blank it."""
    the_tenant = tenant()
    ident = path_id(company_id, KIND)
    changes = company_fields_from_v1(json_body())
    company = the_tenant.companies.update(ident, **changes)
    return jsonify(company_v1(company, the_tenant, everything=True))


@blueprint.get("/tags/<tag_id>/companies")
def list_tagged_companies(tag_id: str) -> Response:
    links = tenant().companies.with_tag(path_id(tag_id, "Tag"))
    page, meta = v1_window(links)
    items = [
        {
            # An unset email is "" (a tagged company printed in the keap-python 1.3.0 README,
            # keap-facts.md §9.2).
            "company": {
                "id": c.id,
                "email": c.email_address or "",
                "company_name": c.company_name or "",
            },
            "date_applied": v1_time(applied),
        }
        for c, applied in page
    ]
    return jsonify(companies=items, **meta)

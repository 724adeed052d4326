"""v1 opportunities and the stage pipeline (the v1 document, ``2025-11-05-v1.json``).

Shapes: ``Opportunity`` (answers), ``UpdateOpportunityRequest`` (the body of POST, PUT and —
"identical", its description says — PATCH), ``OpportunityList`` and ``[SalesPipeline]``. The
store is shared with v2 (``keapsim/api/v2/opportunities.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid, Lookup, Query, Tenant
from ...store.custom_fields import OPPORTUNITY
from ...store.models import Contact
from ...store.opportunities import OPPORTUNITY_SPEC, Opportunity, OpportunityStage
from ...wire import jsonify
from ..common import (
    UNCONVERTIBLE,
    BadInput,
    as_datetime,
    as_int,
    as_str,
    compact,
    json_body,
    path_id,
    tenant,
)
from ..crud import as_decimal
from ..custom_values import custom_values_in, custom_values_out
from ..paging import v1_window
from . import blueprint
from .shapes import optional_properties, v1_time

KIND = "Opportunity"
# "Some fields such as custom_fields aren't included, by default."
OPTIONAL_BY_DEFAULT = ("custom_fields",)
_TEXT = ("opportunity_title", "next_action_notes", "opportunity_notes")
_MONEY = ("projected_revenue_low", "projected_revenue_high")
# v1 wire name → store field, for the dates (the request types them as plain strings).
_DATES = {"estimated_close_date": "estimated_close_time", "next_action_date": "next_action_time"}
# Every field a PUT replaces (the store's writable fields; the stage entrance is Keap's).
_REPLACED = tuple(f.name for f in OPPORTUNITY_SPEC.fields if f.name != "stage_entrance_time")


# -- answers ---------------------------------------------------------------------------------
def opportunity_v1(
    opportunity: Opportunity,
    tenant: Tenant,
    optional: set[str] | None = None,
    *,
    everything: bool = False,
) -> dict[str, Any]:
    contact = tenant.contacts.find(opportunity.contact_id)
    stage = tenant.opportunity_stages.find(opportunity.stage_id)
    user = tenant.users.find(opportunity.user_id)
    body: dict[str, Any] = {
        "id": opportunity.id,
        "opportunity_title": opportunity.opportunity_title,
        "contact": contact_v1(contact) if contact else {"id": opportunity.contact_id},
        "stage": stage_v1(stage) if stage else {"id": opportunity.stage_id},
        "user": compact(
            {"id": user.id, "first_name": user.given_name, "last_name": user.family_name}
        )
        if user
        else None,
        # Unset, Keap sends 0, 0.0, "" and null (a captured list item, keap-facts.md §9.7).
        "affiliate_id": opportunity.affiliate_id or 0,
        # include_in_forecast is an int32 in v1 (a boolean in v2).
        "include_in_forecast": int(opportunity.include_in_forecast),
        **{name: _money(getattr(opportunity, name)) for name in _MONEY},
        **{wire: _time(getattr(opportunity, store)) for wire, store in _DATES.items()},
        "next_action_notes": opportunity.next_action_notes or "",
        "opportunity_notes": opportunity.opportunity_notes or "",
        "date_created": v1_time(opportunity.created_time),
        "last_updated": v1_time(opportunity.last_updated_time),
    }
    if body["user"] is None:
        del body["user"]  # no capture shows an opportunity without a user
    if everything or "custom_fields" in (optional or set()):
        body["custom_fields"] = custom_values_out(opportunity, tenant, OPPORTUNITY)
    return body


def _money(value: Decimal | None) -> float:
    return 0.0 if value is None else float(value)


def _time(value: datetime | None) -> str | None:
    return None if value is None else v1_time(value)


def contact_v1(contact: Contact) -> dict[str, Any]:
    """v1 ``OpportunityContact``: names, primary email and phone, company name, job title.
    Unset, the company name and phone are ``""`` and the job title ``null`` (captured, §9.7);
    names and email follow the contact's own default shape (``""``, keap-facts.md §9.1)."""
    phones = contact.phone_numbers
    phone = next((p for p in phones if p.get("field") == "PHONE1"), phones[0] if phones else {})
    return {
        "id": contact.id,
        "email": contact.primary_email or "",
        "first_name": contact.given_name or "",
        "last_name": contact.family_name or "",
        "company_name": contact.company_name or "",
        "job_title": contact.job_title,
        "phone_number": phone.get("number") or "",
    }


def stage_v1(stage: OpportunityStage) -> dict[str, Any]:
    """v1 ``SimpleOpportunityStage``; keapsim keeps no stage reasons and no per-opportunity
    checklist state (no done_date or instance_id)."""
    items = [
        {"id": i.id, "description": i.description, "item_order": i.order, "required": i.required}
        for i in stage.checklist_items
    ]
    return {
        "id": stage.id,
        "name": stage.name,
        "details": {
            "check_list_items": items,
            "probability": stage.probability,
            "stage_order": stage.order,
            "target_num_days": stage.target_number_days,
        },
        "reasons": [],  # sent empty (captured, §9.7); keapsim keeps no stage reasons
    }


# -- bodies ----------------------------------------------------------------------------------
def opportunity_fields_from_v1(body: dict[str, Any]) -> dict[str, Any]:
    """An ``UpdateOpportunityRequest`` → store fields. ``contact``, ``stage`` and ``user`` name
    their record by ``id`` (the rest of those objects is read-only); ``id``, ``date_created``
    and ``last_updated`` are ignored; wrong types are 400."""
    data: dict[str, Any] = {name: as_str(body.get(name), name) for name in _TEXT if name in body}
    for name, store in (("contact", "contact_id"), ("stage", "stage_id"), ("user", "user_id")):
        if name in body:
            data[store] = _reference(body[name], name)
    if "affiliate_id" in body:
        value = body["affiliate_id"]
        data["affiliate_id"] = None if value is None else as_int(value, "affiliate_id")
    if "include_in_forecast" in body:
        data["include_in_forecast"] = _forecast(body["include_in_forecast"])
    for name in _MONEY:
        if name in body:
            data[name] = None if body[name] is None else as_decimal(body[name], name)
    for wire, store in _DATES.items():
        if wire in body:
            data[store] = _date_time(body[wire], wire)
    if "custom_fields" in body:
        data["custom_fields"] = custom_values_in(body["custom_fields"], as_int)
    return data


def _reference(value: Any, name: str) -> int | None:
    """``{"id": n}`` → n; null clears the reference (refused where it is required)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field=name)
    if value.get("id") is None:
        raise Invalid(f"{name}.id is required", field=f"{name}.id")
    return as_int(value["id"], f"{name}.id")


def _forecast(value: Any) -> bool | None:
    """v1's include_in_forecast is an int32: 0 or 1."""
    if value is None:
        return None
    if isinstance(value, bool) or value not in (0, 1):
        raise BadInput("include_in_forecast must be 0 or 1", field="include_in_forecast")
    return bool(value)


def _date_time(value: Any, name: str) -> datetime | None:
    """The request types these dates as plain strings: keapsim takes an ISO 8601 date-time
    with an offset, or a date (midnight UTC)."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        except ValueError:
            raise BadInput(UNCONVERTIBLE, field=name) from None
    return as_datetime(value, name)


# -- opportunities ---------------------------------------------------------------------------
def _contact_name(tenant: Tenant, o: Opportunity) -> str | None:
    contact = tenant.contacts.find(o.contact_id)
    if contact is None:
        return None
    return " ".join(n for n in (contact.given_name, contact.family_name) if n).casefold() or None


def _orders(tenant: Tenant) -> dict[str, Callable[[Opportunity], Any]]:
    return {
        "next_action": lambda o: o.next_action_time,
        "opportunity_name": lambda o: o.opportunity_title.casefold(),
        "contact_name": lambda o: _contact_name(tenant, o),
        "date_created": lambda o: o.created_time,
    }


def _searched(tenant: Tenant, term: str) -> Callable[[Opportunity], bool]:
    """ "Returns opportunities that match any of the contact's given_name, family_name,
    company_name, and email_addresses (searches EMAIL1 only) fields as well as
    opportunity_title": keapsim matches a part of any of them, ignoring case."""
    wanted = term.casefold()

    def found(o: Opportunity) -> bool:
        contact = tenant.contacts.find(o.contact_id)
        texts: list[str | None] = [o.opportunity_title]
        if contact is not None:
            email1 = next(
                (e.get("email") for e in contact.email_addresses if e.get("field") == "EMAIL1"),
                None,
            )
            texts += [contact.given_name, contact.family_name, contact.company_name, email1]
        return any(wanted in text.casefold() for text in texts if text)

    return found


def _list_query(tenant: Tenant) -> Query[Opportunity]:
    lookups = [
        Lookup(name, "eq", as_int(request.args[name], name))
        for name in ("stage_id", "user_id")
        if request.args.get(name)
    ]
    term = request.args.get("search_term")
    return Query(lookups=lookups, predicate=_searched(tenant, term) if term else None)


@blueprint.get("/opportunities")
def list_opportunities() -> Response:
    """No ``order``: id order. The document gives no ``order_direction`` here: ascending, an
    opportunity without the value last."""
    the_tenant = tenant()
    orders = _orders(the_tenant)
    order = request.args.get("order")
    if order is not None and order not in orders:
        raise BadInput(f"order must be one of {', '.join(orders)}", field="order")
    matches: Sequence[Opportunity] = the_tenant.opportunities.select(_list_query(the_tenant))
    if order is not None:
        key = orders[order]
        present = sorted((o for o in matches if key(o) is not None), key=key)
        matches = present + [o for o in matches if key(o) is None]
    page, meta = v1_window(matches)
    props = optional_properties()
    return jsonify(opportunities=[opportunity_v1(o, the_tenant, props) for o in page], **meta)


@blueprint.post("/opportunities")
def create_opportunity() -> Response:
    """Declared 200 (not 201) by the document."""
    the_tenant = tenant()
    opportunity = the_tenant.opportunities.create(**opportunity_fields_from_v1(json_body()))
    return jsonify(opportunity_v1(opportunity, the_tenant, everything=True))


@blueprint.put("/opportunities")
def replace_opportunity() -> Response:
    """ "Replaces all values of a given opportunity": the body names it by ``id``; a value the
    body leaves out is cleared (to its default)."""
    the_tenant = tenant()
    body = json_body()
    if body.get("id") is None:
        raise Invalid("id is required", field="id")
    ident = as_int(body["id"], "id")
    the_tenant.opportunities.get(ident)  # an unknown id is a 404
    given = opportunity_fields_from_v1(body)
    defaults = {f.name: f.initial() for f in OPPORTUNITY_SPEC.fields if f.name in _REPLACED}
    opportunity = the_tenant.opportunities.update(ident, **{**defaults, **given})
    return jsonify(opportunity_v1(opportunity, the_tenant, everything=True))


@blueprint.get("/opportunities/<opportunity_id>")
def get_opportunity(opportunity_id: str) -> Response:
    the_tenant = tenant()
    opportunity = the_tenant.opportunities.get(path_id(opportunity_id, KIND))
    return jsonify(opportunity_v1(opportunity, the_tenant, optional_properties()))


@blueprint.patch("/opportunities/<opportunity_id>")
def patch_opportunity(opportunity_id: str) -> Response:
    """ "Updates an opportunity with only the values provided in the request." A new stage
    records a stage move."""
    the_tenant = tenant()
    ident = path_id(opportunity_id, KIND)
    changes = opportunity_fields_from_v1(json_body())
    opportunity = the_tenant.opportunities.update(ident, **changes)
    return jsonify(opportunity_v1(opportunity, the_tenant, everything=True))


# -- the stage pipeline ----------------------------------------------------------------------
@blueprint.get("/opportunity/stage_pipeline")
def list_stage_pipeline() -> Response:
    """Every stage "with pipeline details" (``SalesPipeline``). keapsim keeps one pipeline (v2
    has no pipeline resource): it is the default one, ``stage_count`` is its number of stages
    and its last stage in pipeline order is the ``end_stage``."""
    stages = tenant().opportunity_stages.in_pipeline_order()
    return jsonify(
        [
            {
                "stage_id": stage.id,
                "stage_name": stage.name,
                "stage_order": stage.order,
                "stage_count": len(stages),
                "is_default": True,
                "end_stage": position == len(stages) - 1,
            }
            for position, stage in enumerate(stages)
        ]
    )

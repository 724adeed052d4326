"""v2 opportunities and stage moves (the v2 document, ``swagger.yml``); the stages' CRUD is
declared (``keapsim/api/opportunity_stages.py``).

Shapes: ``RestV2Opportunity`` (answers), ``CreateOpportunityRequest`` /
``UpdateOpportunityRequestV2`` (bodies), ``ListOpportunitiesResponse``,
``OpportunityStageMove`` and ``ListOpportunityStageMoveResponse``. The store is shared with v1
(``keapsim/api/v1/opportunities.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Lookup, Query, Tenant
from ...store.custom_fields import OPPORTUNITY
from ...store.models import Contact
from ...store.opportunities import Opportunity, OpportunityStage, StageMove
from ...wire import jsonify
from ..common import BadInput, as_bool, as_datetime, json_body, path_id, tenant
from ..crud import as_decimal
from ..custom_values import custom_values_in, custom_values_out
from . import blueprint
from .custom_filters import by_field_name, custom_field_test, operators
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    positive_int,
    requested_fields,
    text_matches,
    update_mask,
)
from .listing import NO_INDEX, Indexed, filtered_page
from .shapes import sid, string_id, text

KIND = "Opportunity"
# The ``fields`` enum: "Allowed optional values: custom_fields, created_by, last_updated_by,
# status_id. Allowed legacy optional values: monthly_revenue, order_revenue, objection,
# status, stage_entrance_time". keapsim keeps no status, objection or revenue history, so of
# the legacy ones only stage_entrance_time has a value.
OPTIONAL = (
    "custom_fields",
    "created_by",
    "last_updated_by",
    "status_id",
    "monthly_revenue",
    "order_revenue",
    "objection",
    "status",
    "stage_entrance_time",
)
# The update_mask enum of PATCH /opportunities/{opportunity_id} (store names are the same).
MASK = (
    "opportunity_title",
    "next_action_time",
    "next_action_notes",
    "opportunity_notes",
    "estimated_close_time",
    "include_in_forecast",
    "projected_revenue_low",
    "projected_revenue_high",
    "contact_id",
    "stage_id",
    "user_id",
    "custom_fields",
    "affiliate_id",
)
_IDS = ("contact_id", "stage_id", "user_id", "affiliate_id")
_TIMES = ("estimated_close_time", "next_action_time")
_MONEY = ("projected_revenue_low", "projected_revenue_high")
_TEXT = ("opportunity_title", "next_action_notes", "opportunity_notes")


# -- answers ---------------------------------------------------------------------------------
def opportunity_v2(
    opportunity: Opportunity, tenant: Tenant, fields: set[str] | None = None
) -> dict[str, Any]:
    """The v2 ``RestV2Opportunity``: its default properties and the optional ones ``fields``
    asks for."""
    contact = tenant.contacts.find(opportunity.contact_id)
    stage = tenant.opportunity_stages.find(opportunity.stage_id)
    user = tenant.users.find(opportunity.user_id)
    body: dict[str, Any] = {
        "id": str(opportunity.id),
        "opportunity_title": opportunity.opportunity_title,
        "contact": contact_v2(contact) if contact else {"id": str(opportunity.contact_id)},
        "stage": stage_v2(stage) if stage else {"id": str(opportunity.stage_id)},
        "user": {"id": str(user.id), "first_name": user.given_name, "last_name": user.family_name}
        if user
        else None,
        "affiliate_id": sid(opportunity.affiliate_id),
        "include_in_forecast": opportunity.include_in_forecast,
        **{name: _money(getattr(opportunity, name)) for name in _MONEY},
        **{name: _time(getattr(opportunity, name)) for name in _TIMES},
        "next_action_notes": opportunity.next_action_notes,
        "opportunity_notes": opportunity.opportunity_notes,
        "created_time": iso(opportunity.created_time),
        "last_updated_time": iso(opportunity.last_updated_time),
        "lead_source": lead_source_of(contact, tenant),
    }
    asked = fields or set()
    if "custom_fields" in asked:
        body["custom_fields"] = custom_values_out(opportunity, tenant, OPPORTUNITY, str)
    optional: dict[str, Any] = {
        "created_by": sid(opportunity.created_by),
        "last_updated_by": sid(opportunity.last_updated_by),
        "stage_entrance_time": _time(opportunity.stage_entrance_time),
    }
    body.update({k: v for k, v in optional.items() if k in asked})
    return {k: v for k, v in body.items() if v is not None}


def _money(value: Decimal | None) -> float | None:
    # The documents type revenue as a double; the store keeps the Decimal it was given.
    return None if value is None else float(value)


def _time(value: Any) -> str | None:
    return None if value is None else iso(value)


def contact_v2(contact: Contact) -> dict[str, Any]:
    """v2 ``OpportunityContact``: the contact's names, primary email and phone, company name,
    job title, and the city and state of its billing (or first) address."""
    address = next(
        (a for a in contact.addresses if a.get("field") == "BILLING"),
        contact.addresses[0] if contact.addresses else {},
    )
    body = {
        "id": str(contact.id),
        "first_name": contact.given_name,
        "last_name": contact.family_name,
        "email": contact.primary_email,
        "phone_number": primary_phone(contact),
        "company_name": contact.company_name,
        "job_title": contact.job_title,
        "city": address.get("locality"),
        "state": address.get("region"),
    }
    return {k: v for k, v in body.items() if v is not None}


def primary_phone(contact: Contact) -> str | None:
    phones = contact.phone_numbers
    first = next((p for p in phones if p.get("field") == "PHONE1"), phones[0] if phones else None)
    return None if first is None else first.get("number")


def lead_source_of(contact: Contact | None, tenant: Tenant) -> str | None:
    """The opportunity's lead source: its contact's (keapsim keeps none of its own)."""
    if contact is None or contact.lead_source_id is None:
        return None
    source = tenant.lead_sources.find(contact.lead_source_id)
    return None if source is None else source.name


def stage_v2(stage: OpportunityStage) -> dict[str, Any]:
    """v2 ``OpportunityStage`` (its checklist items are ``CheckListItemDetails``, integer
    ids; keapsim keeps no per-opportunity checklist state, so no done_date or instance_id)."""
    return {
        "id": str(stage.id),
        "name": stage.name,
        "details": {
            "checklist_items": [
                {
                    "id": i.id,
                    "description": i.description,
                    "item_order": i.order,
                    "required": i.required,
                }
                for i in stage.checklist_items
            ],
            "probability": stage.probability,
            "stage_order": stage.order,
            "target_num_days": stage.target_number_days,
        },
    }


# -- bodies ----------------------------------------------------------------------------------
def opportunity_fields_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A ``CreateOpportunityRequest`` / ``UpdateOpportunityRequestV2`` → store fields; other
    properties are ignored, wrong types are 400."""
    data: dict[str, Any] = {name: text(body, name) for name in _TEXT if name in body}
    for name in _IDS:
        if name in body:
            data[name] = None if body[name] is None else string_id(body[name], name)
    for name in _TIMES:
        if name in body:
            data[name] = None if body[name] is None else as_datetime(body[name], name)
    for name in _MONEY:
        if name in body:
            data[name] = None if body[name] is None else as_decimal(body[name], name)
    if "include_in_forecast" in body:
        value = body["include_in_forecast"]
        data["include_in_forecast"] = (
            None if value is None else as_bool(value, "include_in_forecast")
        )
    if "custom_fields" in body:
        data["custom_fields"] = custom_values_in(body["custom_fields"], string_id)
    return data


# -- opportunities ---------------------------------------------------------------------------
FILTERS: dict[str, tuple[str, ...]] = {
    "stage_id": EQ,
    "user_id": EQ,
    "contact_id": EQ,
    "opportunity_title": EQ,
    "lead_source_name": EQ,
    "affiliate_id": EQ,
    "opportunity_id": COMPARE,
    "ids": EQ,
    "contact_phone": EQ,
    "contact_city": EQ,
    "contact_state": EQ,
    "projected_revenue_high": COMPARE,
    "projected_revenue_low": COMPARE,
}
_INDEXED = ("stage_id", "user_id", "contact_id")  # hash indexes of the store
MAX_IDS = 100  # "ids — comma-separated list of opportunity IDs, maximum 100 IDs"


def _orders(tenant: Tenant) -> dict[str, Callable[[Opportunity], Any]]:
    def contact_name(o: Opportunity) -> str | None:
        contact = tenant.contacts.find(o.contact_id)
        if contact is None:
            return None
        name = " ".join(n for n in (contact.given_name, contact.family_name) if n)
        return name.casefold() or None

    return {
        "next_action_time": lambda o: o.next_action_time,
        "contact_name": contact_name,
        "opportunity_title": lambda o: o.opportunity_title.casefold(),
        "created_time": lambda o: o.created_time,
        "update_time": lambda o: o.last_updated_time,
        "id": lambda o: o.id,
    }


def _contact_test(
    tenant: Tenant, read: Callable[[Contact], str | None], value: str
) -> Callable[[Opportunity], bool]:
    def test(o: Opportunity) -> bool:
        contact = tenant.contacts.find(o.contact_id)
        return text_matches(None if contact is None else read(contact), value)

    return test


def _clause_test(
    clause: Clause, custom: dict[str, Any], tenant: Tenant
) -> Callable[[Opportunity], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name in (*_INDEXED, "affiliate_id"):
        number = positive_int(value, name)
        return lambda o: getattr(o, name) == number
    if name == "opportunity_title":
        return lambda o: text_matches(o.opportunity_title, value)
    if name == "lead_source_name":
        return lambda o: text_matches(
            lead_source_of(tenant.contacts.find(o.contact_id), tenant), value
        )
    if name == "opportunity_id":
        number = positive_int(value, name)
        return lambda o: compare(o.id, op, number)
    if name == "ids":
        wanted = _ids(value)
        return lambda o: o.id in wanted
    if name == "contact_phone":  # exact as stored, or a prefix with a trailing *
        return _contact_test(tenant, primary_phone, value)
    if name == "contact_city":
        return _contact_test(tenant, lambda c: contact_v2(c).get("city"), value)
    if name == "contact_state":
        return _contact_test(tenant, lambda c: contact_v2(c).get("state"), value)
    if name in _MONEY:
        amount = as_decimal(value, "filter")
        return lambda o: compare(getattr(o, name), op, amount)
    return custom_field_test(custom[name], op, value)


def _ids(value: str) -> set[int]:
    wanted = id_set(value, "ids")
    if len(wanted) > MAX_IDS:
        raise BadInput(f"ids takes at most {MAX_IDS} ids", field="filter")
    return wanted


def _query(clauses: list[Clause], custom: dict[str, Any], the_tenant: Tenant) -> Query[Opportunity]:
    tests = [_clause_test(c, custom, the_tenant) for c in clauses]
    fields = {c.field for c in clauses}
    if {"opportunity_id", "ids"} <= fields:
        raise BadInput("opportunity_id and ids cannot be used together", field="filter")
    lookups = [
        Lookup(c.field, "eq", positive_int(c.value, c.field))
        for c in clauses
        if c.field in _INDEXED
    ]
    ids = next((_ids(c.value) for c in clauses if c.field == "ids"), None)
    predicate = (lambda o: all(test(o) for test in tests)) if tests else None
    return Query(lookups=lookups, ids=ids, predicate=predicate)


@blueprint.get("/opportunities")
def list_opportunities() -> Response:
    the_tenant = tenant()
    fields = requested_fields(OPTIONAL)
    custom = by_field_name(the_tenant.custom_fields.of_record_type(OPPORTUNITY))
    # No order is an index's: without order_by the matches stay a window of the table (id
    # order), not a sorted copy; with one they are sorted.
    body = filtered_page(
        "opportunities",
        Indexed(the_tenant.opportunities.select, lambda c: _query(c, custom, the_tenant), NO_INDEX),
        lambda o: opportunity_v2(o, the_tenant, fields),
        filters=FILTERS,
        any_case=operators(custom),
        orders=_orders(the_tenant),
    )
    return jsonify(body)


@blueprint.post("/opportunities")
def create_opportunity() -> tuple[Response, int]:
    the_tenant = tenant()
    fields = requested_fields(OPTIONAL)
    opportunity = the_tenant.opportunities.create(**opportunity_fields_from_v2(json_body()))
    return jsonify(opportunity_v2(opportunity, the_tenant, fields)), 201


@blueprint.get("/opportunities/<opportunity_id>")
def get_opportunity(opportunity_id: str) -> Response:
    the_tenant = tenant()
    fields = requested_fields(OPTIONAL)
    opportunity = the_tenant.opportunities.get(path_id(opportunity_id, KIND))
    return jsonify(opportunity_v2(opportunity, the_tenant, fields))


@blueprint.patch("/opportunities/<opportunity_id>")
def patch_opportunity(opportunity_id: str) -> Response:
    """The given properties change (``update_mask`` narrows them); a new ``stage_id`` records
    a stage move."""
    the_tenant = tenant()
    ident = path_id(opportunity_id, KIND)
    body = json_body()
    mask = update_mask(MASK)
    fields = requested_fields(OPTIONAL)
    changes = masked(opportunity_fields_from_v2(body), mask)
    opportunity = the_tenant.opportunities.update(ident, **changes)
    return jsonify(opportunity_v2(opportunity, the_tenant, fields))


@blueprint.delete("/opportunities/<opportunity_id>")
def delete_opportunity(opportunity_id: str) -> tuple[str, int]:
    tenant().opportunities.delete(path_id(opportunity_id, KIND))
    return "", 204


# -- stage moves -----------------------------------------------------------------------------
MOVE_KIND = "Opportunity Stage Move"
MOVE_FILTERS = {"opportunity_id": EQ, "user_id": EQ}
MOVE_ORDERS: dict[str, Callable[[StageMove], Any]] = {
    "move_date": lambda m: m.move_time,
    "id": lambda m: m.id,
}


def stage_move_v2(move: StageMove) -> dict[str, Any]:
    body = {
        "id": str(move.id),
        "opportunity_id": str(move.opportunity_id),
        "move_from_stage_id": str(move.move_from_stage_id),
        "move_to_stage_id": str(move.move_to_stage_id),
        "move_time": iso(move.move_time),
        "prev_stage_move_time": _time(move.prev_stage_move_time),
        "user_id": sid(move.user_id),
        "created_by": sid(move.created_by),
        "create_time": iso(move.create_time),
    }
    return {k: v for k, v in body.items() if v is not None}


@blueprint.get("/opportunities/stageMoves")
def list_stage_moves() -> Response:
    body = filtered_page(
        "stage_moves",
        Indexed(tenant().stage_moves.select, _move_query, NO_INDEX),
        stage_move_v2,
        filters=MOVE_FILTERS,
        orders=MOVE_ORDERS,
    )
    return jsonify(body)


def _move_query(clauses: list[Clause]) -> Query[StageMove]:
    return Query(lookups=[Lookup(c.field, "eq", positive_int(c.value, c.field)) for c in clauses])


@blueprint.get("/opportunities/stageMoves/<stage_move_id>")
def get_stage_move(stage_move_id: str) -> Response:
    move = tenant().stage_moves.get(path_id(stage_move_id, MOVE_KIND))
    return jsonify(stage_move_v2(move))

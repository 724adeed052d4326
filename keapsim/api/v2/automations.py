"""v2 automations, automation categories and campaign goals.

Keap's v2 automations are the campaigns keapsim already keeps (``store/campaigns.py``): the
same ids (``/automations/goals/achieve`` takes a campaign id as ``automation_id``) and the
same sequences. Shapes: the v2 document's ``Automation``, ``ListAutomationResponse``,
``ListAutomationIdsResponse``, ``AutomationCategory``, ``Goal`` (``swagger.yml``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...context import request
from ...store import Invalid
from ...store.automations import AutomationCategory
from ...store.records import Campaign
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import BadInput, as_bool, compact, json_body, path_id, tenant
from ..paging import v2_window
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    ordered,
    parse_filter,
    positive_int,
    text_matches,
)
from .listing import filtered_page
from .shapes import string_ids, text

AUTOMATION = "Automation"
# "page_size ... maximum: 25" (GET /automations and /automations/ids).
AUTOMATION_PAGE = 25
AUTOMATION_FILTERS: dict[str, Iterable[str]] = {
    "name": EQ,
    "id": COMPARE,
    "status": EQ,
    "categories": EQ,
}
STATUSES = {"published": True, "draft": False}


# -- shapes ----------------------------------------------------------------------------------
def automation_v2(campaign: Campaign, the_tenant: Tenant) -> dict[str, Any]:
    """``Automation``. keapsim records no publisher, so ``published_by`` is left out."""
    return compact(
        {
            "id": str(campaign.id),
            "title": campaign.name,
            "categories": [str(c) for c in campaign.category_ids],
            "status": "PUBLISHED" if campaign.published_status else "DRAFT",
            "locked": campaign.locked,
            "active_contacts": the_tenant.campaigns.active_contacts(campaign),
            "published_date": iso(campaign.published_date) if campaign.published_date else None,
            "published_timezone": campaign.time_zone if campaign.published_status else None,
            "current_edit_lock_status": {"locked": campaign.locked},
        }
    )


def category_v2(category: AutomationCategory, the_tenant: Tenant) -> dict[str, Any]:
    return {
        "id": str(category.id),
        "name": category.name,
        "automation_count": the_tenant.automation_categories.automation_count(category),
    }


def no_content(status: int = 200) -> Response:
    """A success the document declares without a body."""
    return Response(status=status)


# -- listing ---------------------------------------------------------------------------------
def _automation_test(clause: Clause) -> Callable[[Campaign], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "name":
        # "Without a wildcard, the search matches automations whose name contains the given
        # text. With a prefix wildcard, it matches automations whose name starts with it."
        return lambda c: text_matches(c.name, value, contains=True)
    if name == "id":
        number = positive_int(value, name)
        return lambda c: compare(c.id, op, number)
    if name == "status":
        if value.casefold() not in STATUSES:
            raise BadInput(f"Invalid value for status: {value}", field="filter")
        published = STATUSES[value.casefold()]
        return lambda c: c.published_status == published
    wanted = id_set(value, name)  # categories: "comma-separated list of IDs", any of them
    return lambda c: bool(wanted & set(c.category_ids))


def _matching_automations(the_tenant: Tenant) -> list[Campaign]:
    tests = [_automation_test(c) for c in parse_filter(AUTOMATION_FILTERS)]
    campaigns = [c for c in the_tenant.campaigns.values() if all(t(c) for t in tests)]
    orders: dict[str, Callable[[Campaign], Any]] = {
        "id": lambda c: c.id,
        "name": lambda c: c.name.casefold(),
        # The first category's id (keapsim's reading: the document does not define it).
        "category": lambda c: c.category_ids[0] if c.category_ids else None,
        "activeContacts": the_tenant.campaigns.active_contacts,
        "publishedDate": lambda c: c.published_date,
    }
    return ordered(campaigns, orders)


@blueprint.get("/automations")
def list_automations() -> Response:
    the_tenant = tenant()
    # Filtered and ordered here rather than by filtered_page: the body counts every match, and
    # /automations/ids lists the same matches.
    campaigns = _matching_automations(the_tenant)
    body = filtered_page(
        "automations",
        campaigns,
        lambda c: automation_v2(c, the_tenant),
        page_size=AUTOMATION_PAGE,
    )
    return jsonify({**body, "automation_count": len(campaigns)})


@blueprint.get("/automations/ids")
def list_automation_ids() -> Response:
    campaigns = _matching_automations(tenant())
    # Not filtered_page: the body is two id lists (one of them a subset), not one list of
    # records, so only the window is shared.
    page, token = v2_window(campaigns, default_size=AUTOMATION_PAGE, max_size=AUTOMATION_PAGE)
    body: dict[str, Any] = {
        "automation_ids": [str(c.id) for c in page],
        "locked_automation_ids": [str(c.id) for c in page if c.locked],
    }
    return jsonify({**body, "next_page_token": token} if token else body)


@blueprint.get("/automations/<automation_id>")
def get_automation(automation_id: str) -> Response:
    the_tenant = tenant()
    campaign = the_tenant.campaigns.get(path_id(automation_id, AUTOMATION))
    return jsonify(automation_v2(campaign, the_tenant))


# -- changes ---------------------------------------------------------------------------------
def _query_ids(name: str) -> list[int]:
    """A required query array of ids (repeated or comma-separated)."""
    values = request.args.getlist(name)
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not ids:
        raise Invalid(f"{name} is required", field=name)
    if not all(i.isdecimal() and len(i) <= 18 for i in ids):
        raise BadInput(f"{name} must be a list of ids", field=name)
    return [int(i) for i in ids]


@blueprint.delete("/automations")
def delete_automations() -> tuple[str, int]:
    tenant().campaigns.delete_many(_query_ids("automation_ids"))
    return "", 204


@blueprint.post("/automations/batch-unpublish")
def batch_unpublish() -> Response:
    body = json_body()
    if body.get("automation_ids") is None:
        raise Invalid("automation_ids is required", field="automation_ids")
    ids = string_ids(body["automation_ids"], "automation_ids")
    tenant().campaigns.unpublish(ids, text(body, "unpublished_form_message"))
    return no_content()


@blueprint.put("/automations/<automation_id>/unpublish")
def unpublish(automation_id: str) -> Response:
    ident = path_id(automation_id, AUTOMATION)
    body = json_body()
    tenant().campaigns.unpublish([ident], text(body, "unpublished_form_message"))
    return no_content()


@blueprint.post("/automations/categories/batchAssign")
def batch_assign_categories() -> Response:
    """``automation_ids`` "Use '0' as a wildcard to select all automations"; ``apply_category``
    true adds the categories, false removes them (keapsim: absent means add)."""
    body = json_body()
    category_ids = string_ids(body.get("category_ids") or [], "category_ids")
    automation_ids = string_ids(body.get("automation_ids") or [], "automation_ids")
    apply = (
        True
        if body.get("apply_category") is None
        else as_bool(body["apply_category"], "apply_category")
    )
    selected = None if 0 in automation_ids else automation_ids
    tenant().campaigns.assign_categories(selected, category_ids, apply)
    return no_content()


@blueprint.post("/automations/<automation_id>/sequences/<sequence_id>:addContacts")
def add_to_automation_sequence(automation_id: str, sequence_id: str) -> Response:
    campaign = path_id(automation_id, AUTOMATION)
    sequence = path_id(sequence_id, "Sequence")
    body = json_body()
    if body.get("contact_ids") is None:
        raise Invalid("contact_ids is required", field="contact_ids")
    contact_ids = string_ids(body["contact_ids"], "contact_ids")
    results = tenant().campaigns.add_to_sequence(campaign, sequence, contact_ids)
    return jsonify(add_to_automation_sequence_results={str(k): v for k, v in results.items()})


@blueprint.patch("/easy-automations/<automation_id>")
def rename_easy_automation(automation_id: str) -> tuple[str, int]:
    """Every keapsim automation can be renamed here (Keap's "easy automations" are a kind of
    automation the documents do not tell apart in ``Automation``)."""
    ident = path_id(automation_id, AUTOMATION)
    name = text(json_body(), "name")
    if name is None:
        raise Invalid("name is required", field="name")
    tenant().campaigns.rename(ident, name)
    return "", 204


# -- categories ------------------------------------------------------------------------------
@blueprint.get("/automationCategory")
def list_categories() -> Response:
    the_tenant = tenant()
    body = filtered_page(
        "automation_categories",
        the_tenant.automation_categories.list(),
        lambda c: category_v2(c, the_tenant),
    )
    return jsonify(body)


@blueprint.post("/automationCategory")
def create_category() -> tuple[Response, int]:
    the_tenant = tenant()
    name = text(json_body(), "name")
    category = the_tenant.automation_categories.create(name=name)
    return jsonify(category_v2(category, the_tenant)), 201


@blueprint.patch("/automationCategory/<category_id>")
def patch_category(category_id: str) -> Response:
    the_tenant = tenant()
    ident = path_id(category_id, "Automation Category")
    body = json_body()
    changes = {"name": text(body, "name")} if body.get("name") is not None else {}
    category = the_tenant.automation_categories.update(ident, **changes)
    return jsonify(category_v2(category, the_tenant))


@blueprint.delete("/automationCategory")
def delete_categories() -> tuple[str, int]:
    tenant().automation_categories.delete_many(_query_ids("ids"))
    return "", 204


# -- campaign goals --------------------------------------------------------------------------
@blueprint.get("/campaigns/<campaign_id>/goals")
def list_campaign_goals(campaign_id: str) -> Response:
    """``ListCampaignGoalsResponse``: every goal of the campaign with the contacts that
    achieved it in the last 24 hours and 30 days. keapsim's goals lead into sequences and
    none follows one, so ``previous_sequence_ids`` is empty."""
    the_tenant = tenant()
    campaign = the_tenant.campaigns.get(path_id(campaign_id, "Campaign"))
    goals = []
    for goal in campaign.goals:
        day, month = the_tenant.campaigns.goal_counts(campaign.id, goal.id)
        goals.append(
            {
                "id": str(goal.id),
                "name": goal.name,
                "type": goal.type,
                "historical_contact_counts": {"24_hours": day, "30_days": month},
                "next_sequence_ids": [str(s) for s in goal.next_sequence_ids],
                "previous_sequence_ids": [],
            }
        )
    return jsonify(goals=goals, campaign_id=str(campaign.id))

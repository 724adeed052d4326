"""v1 campaigns, campaign sequences and API goals (keap-facts.md §3.3)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store.records import Campaign, Goal, Sequence
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_int, compact, json_body, path_id, tenant
from ..paging import v1_order, v1_window
from . import blueprint, no_content
from .shapes import optional_properties, status_map, v1_time
from .tags import body_ids


def _active_contacts(campaign: Campaign) -> int:
    the_tenant = tenant()
    members: set[int] = set()
    for sequence in campaign.sequences:
        members.update(the_tenant.campaigns.sequence_contacts(campaign.id, sequence.id))
    return len(members)


# keapsim keeps no per-campaign "last updated", category or completion; those orders fall back
# to the nearest field it has (stated in docs/reference/v1.md).
ORDERS = {
    "id": lambda c: c.id,
    "name": lambda c: c.name.casefold(),
    "published_date": lambda c: c.published_date or c.date_created,
    "date_created": lambda c: c.date_created,
    "last_updated": lambda c: c.date_created,
    "active_contact_count": _active_contacts,
    "completed_contact_count": lambda c: 0,
    "category": lambda c: c.name.casefold(),
    "status": lambda c: c.published_status,
}


def campaign_v1(campaign: Campaign, *, with_stats: bool, props: set[str]) -> dict[str, Any]:
    """``Campaign`` (list) or ``CampaignWithStats`` (get). Goals and sequences only when asked
    for through ``optional_properties``."""
    body: dict[str, Any] = {
        "id": campaign.id,
        "name": campaign.name,
        "locked": campaign.locked,
        "date_created": v1_time(campaign.date_created),
        "published_date": v1_time(campaign.published_date) if campaign.published_date else None,
        "published_status": campaign.published_status,
        "published_time_zone": campaign.time_zone,
        "time_zone": campaign.time_zone,
    }
    if with_stats:
        body["active_contact_count"] = _active_contacts(campaign)
        body["completed_contact_count"] = 0
    if "goals" in props:
        body["goals"] = [_goal_v1(campaign, g) for g in campaign.goals]
    if "sequences" in props:
        body["sequences"] = [_sequence_v1(campaign, s) for s in campaign.sequences]
    return compact(body)


def _goal_v1(campaign: Campaign, goal: Goal) -> dict[str, Any]:
    # The historical counts are zero: keapsim does not keep goal history.
    return {
        "id": goal.id,
        "name": goal.name,
        "type": goal.type,
        "historical_contact_counts": {"24_hours": 0, "30_days": 0},
        "next_sequence_ids": list(goal.next_sequence_ids),
        "previous_sequence_ids": [],
    }


def _sequence_v1(campaign: Campaign, sequence: Sequence) -> dict[str, Any]:
    # keapsim's sequences have no steps, so ``paths`` is empty.
    return {
        "id": sequence.id,
        "name": sequence.name,
        "active_contact_count": len(tenant().campaigns.sequence_contacts(campaign.id, sequence.id)),
        "paths": [],
    }


@blueprint.get("/campaigns")
def list_campaigns() -> Response:
    order, descending = v1_order(ORDERS)
    text = (request.args.get("search_text") or "").casefold()
    with tenant().lock:
        campaigns = [c for c in tenant().campaigns.values() if text in c.name.casefold()]
    campaigns.sort(key=ORDERS[order], reverse=descending)
    page, meta = v1_window(campaigns)
    return jsonify(campaigns=[campaign_v1(c, with_stats=False, props=set()) for c in page], **meta)


@blueprint.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str) -> Response:
    campaign = tenant().campaigns.get(path_id(campaign_id, "Campaign"))
    return jsonify(campaign_v1(campaign, with_stats=True, props=optional_properties()))


def _sequence_ids(campaign_id: str, sequence_id: str) -> tuple[int, int]:
    ids = path_id(campaign_id, "Campaign"), path_id(sequence_id, "Sequence")
    tenant().campaigns.sequence(*ids)
    return ids


@blueprint.post("/campaigns/<campaign_id>/sequences/<sequence_id>/contacts/<contact_id>")
def add_contact_to_sequence(campaign_id: str, sequence_id: str, contact_id: str) -> Response:
    ids = _sequence_ids(campaign_id, sequence_id)
    ident = path_id(contact_id, "Contact")
    the_tenant = tenant()
    the_tenant.contacts.get(ident)
    the_tenant.campaigns.add_to_sequence(*ids, [ident])  # already in the sequence: still 204
    return no_content()


@blueprint.delete("/campaigns/<campaign_id>/sequences/<sequence_id>/contacts/<contact_id>")
def remove_contact_from_sequence(campaign_id: str, sequence_id: str, contact_id: str) -> Response:
    ids = _sequence_ids(campaign_id, sequence_id)
    ident = path_id(contact_id, "Contact")
    the_tenant = tenant()
    the_tenant.contacts.get(ident)
    the_tenant.campaigns.remove_from_sequence(*ids, [ident])
    return no_content()


@blueprint.post("/campaigns/<campaign_id>/sequences/<sequence_id>/contacts")
def add_contacts_to_sequence(campaign_id: str, sequence_id: str) -> Response:
    # The v1 document only says "a map of the provided list of Contact Ids related to their
    # individual result"; the result strings are v2's (SUCCESS, ALREADY_IN_SEQUENCE,
    # CONTACT_DOES_NOT_EXIST), keap-facts.md §8.
    ids = _sequence_ids(campaign_id, sequence_id)
    contact_ids = body_ids("ids")
    return jsonify(status_map(tenant().campaigns.add_to_sequence(*ids, contact_ids)))


@blueprint.delete("/campaigns/<campaign_id>/sequences/<sequence_id>/contacts")
def remove_contacts_from_sequence(campaign_id: str, sequence_id: str) -> Response:
    """A DELETE with a JSON body ``{"ids": [...]}``, as the document declares."""
    ids = _sequence_ids(campaign_id, sequence_id)
    contact_ids = body_ids("ids")
    tenant().campaigns.remove_from_sequence(*ids, contact_ids)
    return no_content()


@blueprint.post("/campaigns/goals/<integration>/<call_name>")
def achieve_api_goal(integration: str, call_name: str) -> tuple[Response, int]:
    """201 with one result per API goal matched; none matched is an empty list (keapsim's
    choice: the document does not say), an unknown contact a 404."""
    body = json_body()
    if body.get("contact_id") is None:
        raise BadInput(UNCONVERTIBLE, field="contact_id")
    contact_id = as_int(body["contact_id"], "contact_id")
    return jsonify(tenant().campaigns.achieve_goal(integration, call_name, contact_id)), 201

"""v2 campaigns, sequence membership and API goals (keap-facts.md §4.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...wire import jsonify
from ..common import BadInput, as_int, json_body, path_id, tenant
from . import blueprint
from .filters import EQ, Clause, text_matches
from .listing import filtered_page
from .shapes import campaign_v2, sequence_v2, string_ids, text


@blueprint.get("/campaigns")
def list_campaigns() -> Response:
    the_tenant = tenant()

    def matching_bodies(clauses: list[Clause]) -> list[dict[str, Any]]:
        """The matching campaigns already shaped: the orders read the shapes' counts."""
        with the_tenant.lock:
            campaigns = sorted(the_tenant.campaigns.values(), key=lambda c: c.id)
        # "The search will look for the text anywhere in the campaign name" (v2 document).
        return [
            campaign_v2(c, the_tenant)
            for c in campaigns
            if all(text_matches(c.name, cl.value, contains=True) for cl in clauses)
        ]

    orders: dict[str, Callable[[dict[str, Any]], Any]] = {
        "id": lambda b: int(b["id"]),
        "name": lambda b: b["name"].casefold(),
        "publisheddate": lambda b: b.get("published_date"),
        "datecreated": lambda b: b["date_created"],
        # Campaigns are not edited through the API, so their last update is their creation.
        "lastupdated": lambda b: b["date_created"],
        "activeContacts": lambda b: b["active_contact_count"],
        "completedContactCount": lambda b: b["completed_contact_count"],
    }
    body = filtered_page(
        "campaigns", matching_bodies, lambda b: b, filters={"name": EQ}, orders=orders
    )
    return jsonify(body)


@blueprint.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str) -> Response:
    the_tenant = tenant()
    return jsonify(
        campaign_v2(the_tenant.campaigns.get(path_id(campaign_id, "Campaign")), the_tenant)
    )


@blueprint.get("/campaigns/<campaign_id>/sequences")
def list_sequences(campaign_id: str) -> Response:
    the_tenant = tenant()
    campaign = the_tenant.campaigns.get(path_id(campaign_id, "Campaign"))
    return jsonify(
        campaign_id=str(campaign.id),
        sequences=[sequence_v2(campaign, s, the_tenant) for s in campaign.sequences],
    )


def _sequence_call(campaign_id: str, sequence_id: str) -> tuple[int, int, list[int]]:
    campaign = path_id(campaign_id, "Campaign")
    sequence = path_id(sequence_id, "Sequence")
    body = json_body()
    if "contact_ids" not in body:
        raise Invalid("contact_ids is required", field="contact_ids")
    return campaign, sequence, string_ids(body["contact_ids"], "contact_ids")


@blueprint.post("/campaigns/<campaign_id>/sequences/<sequence_id>:addContacts")
def add_to_sequence(campaign_id: str, sequence_id: str) -> Response:
    campaign, sequence, contact_ids = _sequence_call(campaign_id, sequence_id)
    results = tenant().campaigns.add_to_sequence(campaign, sequence, contact_ids)
    return jsonify(add_to_sequence_results={str(k): v for k, v in results.items()})


@blueprint.post("/campaigns/<campaign_id>/sequences/<sequence_id>:removeContacts")
def remove_from_sequence(campaign_id: str, sequence_id: str) -> Response:
    campaign, sequence, contact_ids = _sequence_call(campaign_id, sequence_id)
    results = tenant().campaigns.remove_from_sequence(campaign, sequence, contact_ids)
    return jsonify(remove_from_sequence_results={str(k): v for k, v in results.items()})


@blueprint.post("/automations/goals/achieve")
def achieve_goal() -> Response:
    """Body: ``contact_id`` and EITHER ``integration`` + ``call_name`` OR ``automation_id`` +
    ``goal_id`` (the document's AchieveGoalRequest). One result per goal achieved."""
    the_tenant = tenant()
    body = json_body()
    if body.get("contact_id") is None:
        raise Invalid("contact_id is required", field="contact_id")
    contact_id = as_int(body["contact_id"], "contact_id")
    integration, call_name = text(body, "integration"), text(body, "call_name")
    automation_id, goal_id = body.get("automation_id"), body.get("goal_id")
    by_name = integration is not None or call_name is not None
    by_id = automation_id is not None or goal_id is not None
    if by_name == by_id:
        raise BadInput(
            "Provide either integration and call_name, or automation_id and goal_id",
            field="integration",
        )
    if by_name:
        if not integration or not call_name:
            raise Invalid("integration and call_name are both required", field="call_name")
        results = the_tenant.campaigns.achieve_goal(integration, call_name, contact_id)
    else:
        if automation_id is None or goal_id is None:
            raise Invalid("automation_id and goal_id are both required", field="goal_id")
        results = the_tenant.campaigns.achieve_goal_by_id(
            as_int(automation_id, "automation_id"), as_int(goal_id, "goal_id"), contact_id
        )
    return jsonify(results=[_goal_result(r, the_tenant) for r in results])


def _goal_result(result: dict[str, Any], the_tenant: Any) -> dict[str, Any]:
    """The store's (campaign, goal) result → GoalEventResultDTO. keapsim reads the document's
    "flows started" as the goal's next sequences (a flow id is a sequence id); it stops none."""
    campaign = the_tenant.campaigns.get(result["campaign_id"])
    goal = next(g for g in campaign.goals if g.id == result["goal_id"])
    return {
        "success": result["success"],
        "message": result["message"],
        "automation_id": campaign.id,
        "goal_id": goal.id,
        "flow_start_results": [
            {"success": True, "message": "Sequence started", "flow_id": s}
            for s in goal.next_sequence_ids
        ],
        "flow_stop_results": [],
    }

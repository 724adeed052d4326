"""The declaration of opportunity stages (v2 ``/opportunities/stages`` CRUD; the v1 view,
``/opportunity/stage_pipeline``, is hand-written in ``keapsim/api/v1/opportunities.py``).

Wire shapes are the v2 document's ``RestOpportunityStage`` (answers) and
``CreateOpportunityStageRequest`` / ``UpdateOpportunityStageRequest`` (bodies); the filter and
order names are those of ``GET /opportunities/stages``.
"""

from __future__ import annotations

from typing import Any

from ..store.opportunities import OPPORTUNITY_STAGE_SPEC, ChecklistItem
from .common import UNCONVERTIBLE, BadInput, as_bool, as_int, as_str
from .crud import ApiResource, ListKey, Routes, WireField

# v2's comparison operators (as keapsim.api.v2.filters.COMPARE, which this module cannot
# import: the v2 package imports the declarations while it loads).
COMPARE = ("==", ">", "<", ">=", "<=")


def checklist_in(value: Any, wire: str) -> list[dict[str, Any]] | None:
    """``[{description, order, required, id?}]``: the first three are required in both the
    create and the update item schema; ``id`` names an item the stage has."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadInput(UNCONVERTIBLE, field=wire)
    return [_checklist_item(item, wire) for item in value]


def _checklist_item(item: dict[str, Any], wire: str) -> dict[str, Any]:
    for name in ("description", "order", "required"):
        if item.get(name) is None:
            raise BadInput(f"{wire}.{name} is required", field=f"{wire}.{name}")
    ident = item.get("id")
    return {
        "id": None if ident is None else as_int(ident, f"{wire}.id", minimum=1),
        "description": as_str(item["description"], f"{wire}.description"),
        "order": as_int(item["order"], f"{wire}.order"),
        "required": as_bool(item["required"], f"{wire}.required"),
    }


def checklist_out(items: list[ChecklistItem]) -> list[dict[str, Any]]:
    """v2 ``ChecklistItem``: string ids."""
    return [
        {"id": str(i.id), "description": i.description, "order": i.order, "required": i.required}
        for i in items
    ]


def _v2_only(name: str, **options: Any) -> WireField:
    return WireField(name, v1=None, **options)


OPPORTUNITY_STAGES = ApiResource(
    store="opportunity_stages",
    spec=OPPORTUNITY_STAGE_SPEC,
    fields=(
        _v2_only("id", writable=False),
        _v2_only("name"),
        _v2_only("order"),
        _v2_only("probability"),
        _v2_only("target_number_days"),
        _v2_only("checklist_items", into=checklist_in, out=checklist_out),
        _v2_only("created_time", writable=False),
        _v2_only("updated_time", writable=False),
    ),
    v2=Routes("/opportunities/stages", "stages"),
    filters=(
        ListKey("opportunity_stage_name", "name"),  # "supports wildcard prefix search"
        ListKey("opportunity_stage_id", "id", COMPARE),
    ),
    orders=(ListKey("stage_order", "order"),),
    # Without order_by, stages come in pipeline order (keapsim's choice; ties by id).
    default_order="stage_order",
)

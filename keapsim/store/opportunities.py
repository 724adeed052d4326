"""Opportunities, the pipeline's stages and the record of stage moves.

- **Stages** (v2 ``/opportunities/stages`` CRUD; v1 ``/opportunity/stage_pipeline`` lists
  them): a declared resource. Keap's v2 has no pipeline resource, so keapsim keeps one
  pipeline: every stage belongs to it, in ``order``. A stage that opportunities are in
  cannot be deleted (409).
- **Opportunities** (v1 and v2 CRUD): one record for both versions, field names the v2
  document's. An opportunity needs a contact, a title and a stage; its contact, stage and user
  must exist. Deleting a contact deletes its opportunities.
- **Stage moves** (v2 ``/opportunities/stageMoves``): every time an opportunity enters a stage
  a move is recorded (the legacy StageMove table: from, to, when, the previous move's time);
  the first one, made on create, comes from stage 0 ("0 = no previous stage", v2 document).
  A change of stage raises ``opportunity.stage_move`` (Keap's event key) besides
  ``opportunity.edit``.

Decisions where the documents are silent are listed in
``docs/reference/crm-companies-opportunities.md``.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .custom_fields import OPPORTUNITY
from .errors import Invalid
from .indexes import HashIndex, Index
from .models import Contact
from .records import CustomField
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec, refuse_if_used

STAGE_MOVE = "opportunity.stage_move"


# -- stages ----------------------------------------------------------------------------------
@record_class
class ChecklistItem:
    id: int
    description: str
    order: int
    required: bool


@record_class
class OpportunityStage:
    id: int
    name: str
    order: int
    probability: int
    target_number_days: int
    created_time: datetime
    updated_time: datetime
    checklist_items: list[ChecklistItem] = field(default_factory=list)


OPPORTUNITY_STAGE_SPEC = ResourceSpec(
    record=OpportunityStage,
    kind="Opportunity Stage",
    id_kind="opportunity_stage",
    # No source names a hook event for stages; the noun is keapsim's own.
    noun="opportunityStage",
    fields=(
        Field("name", required=True),
        Field("order", int, required=True),
        # "must be an integer between 0 and 100", "Value should be >=0" (v2 document).
        Field("probability", int, required=True, minimum=0, maximum=100),
        Field("target_number_days", int, required=True, minimum=0),
        Field("checklist_items", list, factory=list),
    ),
    created="created_time",
    updated="updated_time",
)


class OpportunityStageStore(DeclaredStore[OpportunityStage]):
    spec = OPPORTUNITY_STAGE_SPEC

    def normalise(
        self, values: dict[str, Any], current: OpportunityStage | None, now: datetime
    ) -> dict[str, Any]:
        if "checklist_items" not in values:
            return values
        items = values["checklist_items"] or []
        return {**values, "checklist_items": self._checklist(items, current)}

    def _checklist(
        self, items: list[dict[str, Any]], current: OpportunityStage | None
    ) -> list[ChecklistItem]:
        """The stage's checklist as given: an item naming one of the stage's item ids keeps
        it, an item without an id is new; an id the stage does not have is refused."""
        known = {item.id for item in current.checklist_items} if current else set()
        checklist = []
        for item in items:
            ident = item.get("id")
            if ident is not None and ident not in known:
                raise Invalid(
                    f"Checklist item {ident} does not belong to this stage",
                    field="checklist_items",
                )
            checklist.append(
                ChecklistItem(
                    ident if ident is not None else self.core.next_id("checklist_item"),
                    item["description"],
                    item["order"],
                    item["required"],
                )
            )
        return sorted(checklist, key=lambda i: (i.order, i.id))

    def check_delete(self, record: OpportunityStage) -> None:
        """Neither document says what becomes of the opportunities in a deleted stage;
        keapsim refuses with a Conflict (409, which v2 declares) rather than leave them in a
        stage that no longer exists."""
        in_stage = self.tenant.opportunities.table.index("stage_id")
        count = in_stage.estimate(Lookup("stage_id", "eq", record.id))
        refuse_if_used(count, "Opportunity Stage", record.id, "opportunity(ies)")

    def in_pipeline_order(self) -> list[OpportunityStage]:
        """Every stage in pipeline order (``order``, then id)."""
        return sorted(self.list(), key=lambda s: (s.order, s.id))


# -- opportunities ---------------------------------------------------------------------------
@record_class
class Opportunity:
    id: int
    opportunity_title: str
    contact_id: int
    stage_id: int
    created_time: datetime
    last_updated_time: datetime
    stage_entrance_time: datetime | None = None
    user_id: int | None = None
    affiliate_id: int | None = None
    include_in_forecast: bool = False
    projected_revenue_low: Decimal | None = None
    projected_revenue_high: Decimal | None = None
    estimated_close_time: datetime | None = None
    next_action_time: datetime | None = None
    next_action_notes: str | None = None
    opportunity_notes: str | None = None
    created_by: int | None = None
    last_updated_by: int | None = None
    custom_fields: dict[int, Any] = field(default_factory=dict)


def _one(value: int | None) -> tuple[int, ...]:
    return () if value is None else (value,)


def opportunity_indexes() -> list[Index[Any]]:
    return [
        HashIndex[Opportunity]("contact_id", lambda o: (o.contact_id,)),
        HashIndex[Opportunity]("stage_id", lambda o: (o.stage_id,)),
        HashIndex[Opportunity]("user_id", lambda o: _one(o.user_id)),
    ]


OPPORTUNITY_SPEC = ResourceSpec(
    record=Opportunity,
    kind="Opportunity",
    id_kind="opportunity",
    noun="opportunity",  # opportunity.add / .edit / .delete (Keap's event keys)
    fields=(
        Field("opportunity_title", required=True),
        Field("contact_id", int, required=True, reference="contacts"),
        Field("stage_id", int, required=True, reference="opportunity_stages"),
        Field("stage_entrance_time", datetime),
        Field("user_id", int, reference="users"),
        # There is no affiliate store yet (the commerce issue): any positive id is kept.
        Field("affiliate_id", int, minimum=1),
        Field("include_in_forecast", bool, default=False),
        Field("projected_revenue_low", Decimal),
        Field("projected_revenue_high", Decimal),
        Field("estimated_close_time", datetime),
        Field("next_action_time", datetime),
        Field("next_action_notes"),
        Field("opportunity_notes"),
        Field("custom_fields", dict, factory=dict),
    ),
    created="created_time",
    updated="last_updated_time",
    created_by="created_by",
    updated_by="last_updated_by",
    indexes=opportunity_indexes,
)


class OpportunityStore(DeclaredStore[Opportunity]):
    spec = OPPORTUNITY_SPEC

    def attach(self) -> None:
        # An opportunity cannot be without its contact: deleting the contact deletes them.
        self.tenant.contacts.table.on_remove.append(self._drop_contact)
        self.tenant.custom_fields.table.on_remove.append(self._drop_custom_field)

    def normalise(
        self, values: dict[str, Any], current: Opportunity | None, now: datetime
    ) -> dict[str, Any]:
        out = dict(values)
        if "custom_fields" in out:
            custom = out["custom_fields"] or {}
            self.tenant.custom_fields.check_values(OPPORTUNITY, custom, "custom_fields")
            # Values given replace those stored; the others stay.
            out["custom_fields"] = {**(current.custom_fields if current else {}), **custom}
        if "include_in_forecast" in out and out["include_in_forecast"] is None:
            out["include_in_forecast"] = False
        if current is None or out.get("stage_id", current.stage_id) != current.stage_id:
            out["stage_entrance_time"] = now
        return out

    def create(self, *positional: Any, **values: Any) -> Opportunity:
        with self.core.write():
            opportunity = super().create(*positional, **values)
            self.tenant.stage_moves.record(opportunity, 0)
            return opportunity

    def update(self, ident: int, **changes: Any) -> Opportunity:
        with self.core.write():
            before = self.table.fetch(ident).stage_id
            opportunity = super().update(ident, **changes)
            if opportunity.stage_id != before:
                self.tenant.stage_moves.record(opportunity, before)
                self.core.record(STAGE_MOVE, "opportunity", opportunity.id)
            return opportunity

    def _drop_contact(self, contact: Contact) -> None:
        for opportunity in self.select(Query(lookups=[Lookup("contact_id", "eq", contact.id)])):
            self.table.remove(opportunity.id)

    def _drop_custom_field(self, field: CustomField) -> None:
        for opportunity in self.table.scan(lambda o: field.id in o.custom_fields):
            values = {k: v for k, v in opportunity.custom_fields.items() if k != field.id}
            self.table.replace(replace(opportunity, custom_fields=values))


# -- stage moves -----------------------------------------------------------------------------
@record_class
class StageMove:
    id: int
    opportunity_id: int
    move_from_stage_id: int  # 0: the opportunity's first stage
    move_to_stage_id: int
    move_time: datetime
    prev_stage_move_time: datetime | None
    user_id: int | None
    created_by: int | None
    create_time: datetime


class StageMoveStore(RecordStore[StageMove]):
    """The history of stage moves; read-only through the API, written by opportunities. A
    deleted opportunity's moves stay (they are history)."""

    record_type = StageMove

    def make_table(self) -> Table[StageMove]:
        return Table(
            self.core,
            kind="Opportunity Stage Move",
            id_kind="stage_move",
            # The move itself raises Keap's opportunity.stage_move; the noun of the record's
            # own add event is keapsim's.
            noun="opportunityStageMove",
            indexes=[
                HashIndex[StageMove]("opportunity_id", lambda m: (m.opportunity_id,)),
                HashIndex[StageMove]("user_id", lambda m: _one(m.user_id)),
            ],
        )

    def of_opportunity(self, opportunity_id: int) -> list[StageMove]:
        """An opportunity's moves, oldest first."""
        return list(self.select(Query(lookups=[Lookup("opportunity_id", "eq", opportunity_id)])))

    def record(self, opportunity: Opportunity, from_stage: int) -> StageMove:
        """Record that ``opportunity`` (already in its new stage, which it entered at its
        ``stage_entrance_time``) came from ``from_stage``. The user of the move is the acting
        user, who also created the record."""
        with self.core.write():
            previous = self.of_opportunity(opportunity.id)
            now = opportunity.stage_entrance_time or self.core.now()
            user = self.tenant.users.account_owner().id
            move = StageMove(
                self.table.new_id(),
                opportunity.id,
                from_stage,
                opportunity.stage_id,
                now,
                previous[-1].move_time if previous else None,
                user,
                user,
                now,
            )
            return self.table.add(move)

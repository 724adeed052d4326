"""Campaigns with their sequences and goals, sequence membership, and the record of goal
achievements.

Keap's v2 *automations* are these campaigns (the same ids: v2's ``/automations/goals/achieve``
takes a campaign id as ``automation_id``; ``/automations/{id}/sequences/{id}:addContacts``
mirrors ``/campaigns/{id}/sequences/{id}:addContacts``), so the automation operations
(categories, unpublish, rename, delete) are methods here; see
``docs/reference/crm-automations-reports.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..datarecord import record_class
from .base import Extra, Table
from .errors import Invalid, NotFound
from .links import Links
from .models import Contact
from .records import Campaign, Goal, Sequence
from .resource import RecordStore
from .tags import SUCCESS

if TYPE_CHECKING:
    from .tenant import Tenant

ALREADY_IN_SEQUENCE = "ALREADY_IN_SEQUENCE"
CONTACT_DOES_NOT_EXIST = "CONTACT_DOES_NOT_EXIST"

SequenceKey = tuple[int, int]  # (campaign id, sequence id)
API_GOAL = "API"
WORDPRESS_GOAL = "WordPress"
WORDPRESS_INTEGRATION = "wordpress"


@record_class(frozen=True)
class Achievement:
    """A contact achieved a goal of a campaign at ``time`` (v2 goals count them)."""

    campaign_id: int
    goal_id: int
    contact_id: int
    time: datetime


class CampaignStore(RecordStore[Campaign]):
    record_type = Campaign

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.members: Links[SequenceKey, int] = Links()  # (campaign, sequence) ↔ contact id
        self.achievements: list[Achievement] = []

    def make_table(self) -> Table[Campaign]:
        # No source names a hook event for campaigns; the noun is keapsim's own.
        return Table(self.core, kind="Campaign", id_kind="campaign", noun="campaign")

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)
        self.table.on_remove.append(self._forget_campaign)

    def _forget_contact(self, contact: Contact) -> None:
        self.members.forget_right(contact.id)

    def _forget_campaign(self, campaign: Campaign) -> None:
        for sequence in campaign.sequences:
            self.members.forget_left((campaign.id, sequence.id))
        self.achievements = [a for a in self.achievements if a.campaign_id != campaign.id]

    def extras(self) -> list[Extra]:
        return [
            Extra(
                "sequence_members",
                self._dump_members,
                self._load_members,
                lambda: self.members.version,
            ),
            Extra(
                "goal_achievements",
                self._dump_achievements,
                self._load_achievements,
                # Achievements are only appended, or the list is replaced by a filtered one.
                lambda: (id(self.achievements), len(self.achievements)),
            ),
        ]

    def create(
        self,
        name: str,
        sequence_names: Iterable[str] = (),
        api_goals: Iterable[tuple[str, str, str]] = (),
    ) -> Campaign:
        """A published campaign with sequences; each API goal is (name, integration, call_name)
        and starts the campaign's first sequence when achieved."""
        with self.core.write():
            now = self.core.now()
            sequences = [Sequence(self.core.next_id("sequence"), n) for n in sequence_names]
            goals = [
                Goal(
                    self.core.next_id("goal"),
                    gname,
                    "API",
                    integration,
                    call_name,
                    [sequences[0].id] if sequences else [],
                )
                for gname, integration, call_name in api_goals
            ]
            campaign = Campaign(
                self.table.new_id(), name, now, now, goals=goals, sequences=sequences
            )
            return self.table.add(campaign)

    def sequence(self, campaign_id: int, sequence_id: int) -> Sequence:
        for sequence in self.get(campaign_id).sequences:
            if sequence.id == sequence_id:
                return sequence
        raise NotFound("Sequence", sequence_id)

    def add_to_sequence(
        self, campaign_id: int, sequence_id: int, contact_ids: Iterable[int]
    ) -> dict[int, str]:
        with self.core.write():
            self.sequence(campaign_id, sequence_id)
            result = {}
            for cid in contact_ids:
                if not self.tenant.contacts.exists(cid):
                    result[cid] = CONTACT_DOES_NOT_EXIST
                elif not self.members.link((campaign_id, sequence_id), cid, self.core.now()):
                    result[cid] = ALREADY_IN_SEQUENCE
                else:
                    result[cid] = SUCCESS
            return result

    def remove_from_sequence(
        self, campaign_id: int, sequence_id: int, contact_ids: Iterable[int]
    ) -> dict[int, str]:
        with self.core.write():
            self.sequence(campaign_id, sequence_id)
            result = {}
            for cid in contact_ids:
                if not self.tenant.contacts.exists(cid):
                    result[cid] = CONTACT_DOES_NOT_EXIST
                else:
                    self.members.unlink((campaign_id, sequence_id), cid)
                    result[cid] = SUCCESS
            return result

    def sequence_contacts(self, campaign_id: int, sequence_id: int) -> list[int]:
        with self.core.lock:
            self.sequence(campaign_id, sequence_id)
            return sorted(self.members.rights_of((campaign_id, sequence_id)))

    def sequences_of(self, contact_id: int) -> list[SequenceKey]:
        """(campaign id, sequence id) pairs the contact is in."""
        with self.core.lock:
            return sorted(self.members.lefts_of(contact_id))

    def achieve_goal(
        self, integration: str, call_name: str, contact_id: int, goal_type: str = API_GOAL
    ) -> list[dict[str, Any]]:
        """Achieve every goal of ``goal_type`` with this integration and call name in the
        published campaigns (a draft runs nothing); the contact enters the goal's next
        sequences. One result per goal, as Keap's v1 answer."""
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            return [
                self._achieve(campaign, goal, contact_id)
                for campaign in self.table.values()
                if campaign.published_status
                for goal in campaign.goals
                if goal.type == goal_type
                and goal.integration == integration
                and goal.call_name == call_name
            ]

    def achieve_goal_by_id(
        self, campaign_id: int, goal_id: int, contact_id: int
    ) -> list[dict[str, Any]]:
        """Achieve one goal named by campaign and goal id (v2's automation_id/goal_id form);
        the result has the same shape as :meth:`achieve_goal`'s."""
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            campaign = self.get(campaign_id)
            goal = next((g for g in campaign.goals if g.id == goal_id), None)
            if goal is None:
                raise NotFound("Goal", goal_id)
            return [self._achieve(campaign, goal, contact_id)]

    def _achieve(self, campaign: Campaign, goal: Goal, contact_id: int) -> dict[str, Any]:
        """The contact enters the goal's next sequences (staying where it already is)."""
        now = self.core.now()
        for seq_id in goal.next_sequence_ids:
            self.members.link((campaign.id, seq_id), contact_id, now)
        self.achievements.append(Achievement(campaign.id, goal.id, contact_id, now))
        return {
            "campaign_id": campaign.id,
            "goal_id": goal.id,
            "success": True,
            "message": "Goal achieved",
        }

    def _dump_members(self) -> list[dict[str, Any]]:
        return [
            {
                "campaign_id": campaign_id,
                "sequence_id": sequence_id,
                "contact_id": contact_id,
                "added": added.isoformat(),
            }
            for (campaign_id, sequence_id), contact_id, added in self.members.pairs()
        ]

    def _load_members(self, rows: list[dict[str, Any]]) -> None:
        self.members.clear()
        for row in rows:
            key = (int(row["campaign_id"]), int(row["sequence_id"]))
            self.members.link(key, int(row["contact_id"]), datetime.fromisoformat(row["added"]))

    def _dump_achievements(self) -> list[dict[str, Any]]:
        return [
            {
                "campaign_id": a.campaign_id,
                "goal_id": a.goal_id,
                "contact_id": a.contact_id,
                "time": a.time.isoformat(),
            }
            for a in self.achievements
        ]

    def _load_achievements(self, rows: list[dict[str, Any]]) -> None:
        self.achievements = [
            Achievement(
                int(row["campaign_id"]),
                int(row["goal_id"]),
                int(row["contact_id"]),
                datetime.fromisoformat(row["time"]),
            )
            for row in rows
        ]

    # -- goals and automations (v2) -----------------------------------------------------------
    def add_goal(
        self,
        campaign_id: int,
        name: str,
        goal_type: str,
        *,
        integration: str | None = None,
        call_name: str | None = None,
    ) -> Goal:
        """A goal that starts the campaign's first sequence (seed data and scenario files:
        goals are made in Keap's campaign builder, not through the API)."""
        with self.core.write():
            campaign = self.get(campaign_id)
            first = [campaign.sequences[0].id] if campaign.sequences else []
            goal = Goal(self.core.next_id("goal"), name, goal_type, integration, call_name, first)
            self.table.replace(replace(campaign, goals=[*campaign.goals, goal]))
            return goal

    def goal_counts(self, campaign_id: int, goal_id: int) -> tuple[int, int]:
        """How many distinct contacts achieved the goal in the last 24 hours and 30 days."""
        now = self.core.now()
        day, month = now - timedelta(days=1), now - timedelta(days=30)
        with self.core.lock:
            times = [
                (a.contact_id, a.time)
                for a in self.achievements
                if a.campaign_id == campaign_id and a.goal_id == goal_id
            ]
        return (
            len({c for c, t in times if t > day}),
            len({c for c, t in times if t > month}),
        )

    def active_contacts(self, campaign: Campaign) -> int:
        """Contacts in any of the campaign's sequences (keapsim's sequences never finish)."""
        with self.core.lock:
            active: set[int] = set()
            for sequence in campaign.sequences:
                active.update(self.members.rights_of((campaign.id, sequence.id)))
            return len(active)

    def _all(self, ids: Iterable[int]) -> list[Campaign]:
        """The campaigns named, or NotFound for the first missing one (nothing changes)."""
        return [self.get(ident) for ident in dict.fromkeys(ids)]

    def unpublish(self, ids: Iterable[int], form_message: str | None = None) -> list[Campaign]:
        """Unpublish the automations (all or none: an unknown id changes nothing). A draft
        keeps its sequences' members but achieves no goals."""
        with self.core.write():
            return [
                self.table.replace(
                    replace(
                        campaign,
                        published_status=False,
                        published_date=None,
                        unpublished_form_message=form_message,
                    )
                )
                for campaign in self._all(ids)
            ]

    def rename(self, ident: int, name: str) -> Campaign:
        if not isinstance(name, str) or not name.strip():
            raise Invalid("name is required", field="name")
        with self.core.write():
            return self.table.replace(replace(self.get(ident), name=name))

    def delete_many(self, ids: Iterable[int]) -> None:
        """Delete the automations (all or none); their members and goal records go too."""
        with self.core.write():
            for campaign in self._all(ids):
                self.table.remove(campaign.id)

    def assign_categories(
        self, automation_ids: Iterable[int] | None, category_ids: Iterable[int], apply: bool
    ) -> None:
        """Add the categories to the automations (``apply``) or take them off; ``None``
        selects every automation (Keap's wildcard id ``0``). Unknown ids change nothing."""
        with self.core.write():
            categories = [self.tenant.automation_categories.get(c).id for c in category_ids]
            campaigns = self.table.values() if automation_ids is None else self._all(automation_ids)
            for campaign in campaigns:
                kept = [c for c in campaign.category_ids if c not in categories]
                new = sorted({*kept, *categories}) if apply else kept
                if new != campaign.category_ids:
                    self.table.replace(replace(campaign, category_ids=new))

    def forget_category(self, category_id: int) -> None:
        """A deleted category leaves every automation it was on."""
        with self.core.write():
            for campaign in self.table.values():
                if category_id in campaign.category_ids:
                    ids = [c for c in campaign.category_ids if c != category_id]
                    self.table.replace(replace(campaign, category_ids=ids))

    def in_category(self, category_id: int) -> int:
        with self.core.lock:
            return sum(category_id in c.category_ids for c in self.table.values())

"""Campaigns with their sequences and API goals, and sequence membership."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import Extra, Table
from .errors import NotFound
from .links import Links
from .models import Campaign, Contact, Goal, Sequence
from .resource import RecordStore
from .tags import SUCCESS

if TYPE_CHECKING:
    from .tenant import Tenant

ALREADY_IN_SEQUENCE = "ALREADY_IN_SEQUENCE"
CONTACT_DOES_NOT_EXIST = "CONTACT_DOES_NOT_EXIST"

SequenceKey = tuple[int, int]  # (campaign id, sequence id)


class CampaignStore(RecordStore[Campaign]):
    record_type = Campaign

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.members: Links[SequenceKey, int] = Links()  # (campaign, sequence) ↔ contact id

    def make_table(self) -> Table[Campaign]:
        # No source names a hook event for campaigns; the noun is keapsim's own.
        return Table(self.core, kind="Campaign", id_kind="campaign", noun="campaign")

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        self.members.forget_right(contact.id)

    def extras(self) -> list[Extra]:
        return [Extra("sequence_members", self._dump_members, self._load_members)]

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
        self, integration: str, call_name: str, contact_id: int
    ) -> list[dict[str, Any]]:
        """Achieve every API goal with this integration and call name; the contact enters the
        goal's next sequences. One result per goal, as Keap's v1 answer."""
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            return [
                self._achieve(campaign, goal, contact_id)
                for campaign in self.table.values()
                for goal in campaign.goals
                if goal.integration == integration and goal.call_name == call_name
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
        for seq_id in goal.next_sequence_ids:
            self.members.link((campaign.id, seq_id), contact_id, self.core.now())
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

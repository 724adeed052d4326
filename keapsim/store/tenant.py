"""One Keap account ("application instance") and all of its CRM data.

Every public method takes the tenant's lock: the simulator runs under a multi-threaded server,
and Keap's per-account operations (an upsert, a tag apply) are atomic from a client's view.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from ..config import TenantSettings
from .contacts import (
    MISSING_EMAIL_OR_PHONE,
    check_duplicate_option,
    has_required_identity,
    matches,
    merge_collection,
    normalise_contact_fields,
    primary_email_of,
)
from .errors import Conflict, Invalid, NotFound
from .events import ChangeEvent, EventBus  # hooks-shim
from .models import (
    CONTACT_COLLECTIONS,
    CUSTOM_FIELD_TYPES,
    NOTE_TYPES,
    Campaign,
    Contact,
    CustomField,
    Goal,
    LeadSource,
    LeadSourceCategory,
    Note,
    Sequence,
    Tag,
    TagCategory,
    User,
)

# Statuses of Keap's per-id result maps (keap-facts.md §3.2, §4.3).
SUCCESS = "SUCCESS"
DUPLICATE = "DUPLICATE"
TAG_ID_NOT_FOUND = "TAG_ID_NOT_FOUND"
CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
ALREADY_IN_SEQUENCE = "ALREADY_IN_SEQUENCE"
CONTACT_DOES_NOT_EXIST = "CONTACT_DOES_NOT_EXIST"

NOTE_NEEDS_TEXT = "A note must have a title or a body"

Record = TypeVar("Record")


class Tenant:
    """A tenant's CRM state. ``now`` is the simulator clock's ``now``."""

    def __init__(
        self,
        tenant_id: str,
        now: Callable[[], datetime],
        settings: TenantSettings | None = None,
        name: str | None = None,
    ) -> None:
        self.id = tenant_id
        self.name = name or tenant_id
        self.settings = settings or TenantSettings()
        self._now = now
        self.lock = threading.RLock()
        self.events = EventBus()  # hooks-shim
        self._clear()

    # -- lifecycle ---------------------------------------------------------------------------
    def _clear(self) -> None:
        self._next_ids: dict[str, int] = {}
        self.contacts: dict[int, Contact] = {}
        self._by_email: dict[str, set[int]] = defaultdict(set)
        self.tag_categories: dict[int, TagCategory] = {}
        self.tags: dict[int, Tag] = {}
        self.contact_tags: dict[int, dict[int, datetime]] = defaultdict(dict)
        self.tag_contacts: dict[int, dict[int, datetime]] = defaultdict(dict)
        self.campaigns: dict[int, Campaign] = {}
        self.sequence_members: dict[tuple[int, int], dict[int, datetime]] = defaultdict(dict)
        self.notes: dict[int, Note] = {}
        self.users: dict[int, User] = {}
        self.lead_source_categories: dict[int, LeadSourceCategory] = {}
        self.lead_sources: dict[int, LeadSource] = {}
        self.custom_fields: dict[int, CustomField] = {}
        self._add_account_owner()

    def _add_account_owner(self) -> User:
        """A Keap account always has its owner: an Active admin user (user 1 of a new or reset
        tenant) with an address made from the tenant id (deterministic, so tests can rely on it)."""
        return self.create_user(
            f"owner@{self.id}.example.com", "Account", "Owner", admin=True, status="Active"
        )

    def reset(self) -> None:
        """Forget all CRM data (settings and credentials stay); the account owner comes back."""
        with self.lock:
            self._clear()

    def next_id(self, kind: str) -> int:
        """Ids grow per tenant and per kind, as Keap's do."""
        with self.lock:
            value = self._next_ids.get(kind, 1)
            self._next_ids[kind] = value + 1
            return value

    @property
    def next_ids(self) -> dict[str, int]:
        """The next id of each kind (snapshots save it so that ids keep growing after a load)."""
        with self.lock:
            return dict(self._next_ids)

    def restore_next_ids(self, next_ids: dict[str, int]) -> None:
        with self.lock:
            self._next_ids = dict(next_ids)

    def rebuild_email_index(self) -> None:
        """Index ``contacts`` by email again (after a snapshot put them in place)."""
        with self.lock:
            self._by_email = defaultdict(set)
            for contact in self.contacts.values():
                self._index(contact)

    # -- records of any kind (one table per kind, keyed by id) ------------------------------
    def _fetch(self, table: dict[int, Record], kind: str, ident: int) -> Record:
        with self.lock:
            try:
                return table[ident]
            except KeyError:
                raise NotFound(kind, ident) from None

    def _remove(self, table: dict[int, Record], kind: str, ident: int) -> Record:
        with self.lock:
            record = self._fetch(table, kind, ident)
            del table[ident]
            return record

    def _matching(self, table: dict[int, Record], **wanted: Any) -> list[Record]:
        """The records (in table order) whose named attributes equal the given values; a
        ``None`` value matches anything."""
        with self.lock:
            return [
                record
                for record in table.values()
                if all(
                    value is None or getattr(record, name) == value
                    for name, value in wanted.items()
                )
            ]

    @staticmethod
    def _require_text(value: Any, field: str) -> None:
        if not value or not isinstance(value, str):
            raise Invalid(f"{field} is required", field=field)

    def _check_user(self, user_id: int | None, field: str) -> None:
        if user_id is not None and user_id not in self.users:
            raise Invalid(f"User {user_id} does not exist", field=field)

    # -- contacts ----------------------------------------------------------------------------
    def _index(self, contact: Contact) -> None:
        for email in contact.emails:
            self._by_email[email.casefold()].add(contact.id)

    def _unindex(self, contact: Contact) -> None:
        for email in contact.emails:
            ids = self._by_email.get(email.casefold())
            if ids is not None:
                ids.discard(contact.id)
                if not ids:
                    del self._by_email[email.casefold()]

    def get_contact(self, contact_id: int) -> Contact:
        return self._fetch(self.contacts, "Contact", contact_id)

    def has_contact(self, contact_id: int) -> bool:
        return contact_id in self.contacts

    def find_by_email(self, email: str) -> list[Contact]:
        """Contacts having ``email`` in any email slot, oldest first (an index, not a scan)."""
        with self.lock:
            ids = self._by_email.get(email.strip().casefold(), ())
            return [self.contacts[i] for i in sorted(ids)]

    def _check_custom_fields(self, values: dict[int, Any]) -> None:
        for field_id in values:
            if field_id not in self.custom_fields:
                # Keap's wording for an unknown custom field id is not documented.
                raise Invalid(f"Custom field {field_id} does not exist", field="custom_fields")

    def _validated(self, data: dict[str, Any]) -> dict[str, Any]:
        clean = normalise_contact_fields(data)
        if clean.get("custom_fields"):
            self._check_custom_fields(clean["custom_fields"])
        for key in ("owner_id",):
            self._check_user(clean.get(key), key)
        return clean

    def create_contact(
        self,
        data: dict[str, Any],
        *,
        reject_duplicate_email: bool = False,
        address_suffices: bool = False,
    ) -> Contact:
        """Create a contact. Keap's plain create never de-duplicates; the ``guide`` profile asks
        for ``reject_duplicate_email``, which is checked and inserted atomically."""
        clean = self._validated(data)
        if not has_required_identity(clean, address_suffices=address_suffices):
            raise Invalid(MISSING_EMAIL_OR_PHONE)
        with self.lock:
            if reject_duplicate_email:
                email = primary_email_of(clean)
                existing = self.find_by_email(email) if email else []
                if existing:
                    raise Conflict(
                        "A contact with this email address already exists", existing[0].id
                    )
            return self._insert(clean)

    def _insert(self, clean: dict[str, Any]) -> Contact:
        now = self._now()
        fields = {k: v for k, v in clean.items() if v is not None}
        contact = Contact(id=self.next_id("contact"), date_created=now, last_updated=now, **fields)
        self.contacts[contact.id] = contact
        self._index(contact)
        self.events.emit(ChangeEvent("contact.add", "contact", contact.id, now))  # hooks-shim
        return contact

    def upsert_contact(
        self, data: dict[str, Any], duplicate_option: str, *, address_suffices: bool = False
    ) -> tuple[Contact, bool]:
        """Create or update by ``duplicate_option``; returns (contact, created)."""
        check_duplicate_option(duplicate_option)
        clean = self._validated(data)
        with self.lock:
            email = primary_email_of(clean)
            candidates = self.find_by_email(email) if email else []
            for existing in candidates:
                if matches(existing, clean, duplicate_option):
                    return self._apply(existing, clean, merge=True), False
            if not has_required_identity(clean, address_suffices=address_suffices):
                raise Invalid(MISSING_EMAIL_OR_PHONE)
            return self._insert(clean), True

    def update_contact(
        self, contact_id: int, data: dict[str, Any], *, merge: bool = False
    ) -> Contact:
        """PATCH: the given fields replace the stored ones (collections wholesale, as the v2
        document says: "Any item not listed here will be removed")."""
        clean = self._validated(data)
        with self.lock:
            contact = self.get_contact(contact_id)
            return self._apply(contact, clean, merge=merge)

    def _apply(self, contact: Contact, clean: dict[str, Any], *, merge: bool) -> Contact:
        changes: dict[str, Any] = {}
        for name, value in clean.items():
            if name in CONTACT_COLLECTIONS:
                if name == "custom_fields":
                    value = (
                        {**contact.custom_fields, **(value or {})} if merge else dict(value or {})
                    )
                elif merge:
                    key = "type" if name == "social_accounts" else "field"
                    value = merge_collection(getattr(contact, name), value or [], key)
                else:
                    value = list(value or [])
            changes[name] = value
        updated = replace(contact, last_updated=self._now(), **changes)
        # An update may not leave a contact with nothing to reach it by (an address counts:
        # v2 creates contacts that have only an address).
        if not has_required_identity(
            {
                "email_addresses": updated.email_addresses,
                "phone_numbers": updated.phone_numbers,
                "addresses": updated.addresses,
            },
            address_suffices=True,
        ):
            raise Invalid(MISSING_EMAIL_OR_PHONE)
        self._unindex(contact)
        self.contacts[contact.id] = updated
        self._index(updated)
        self.events.emit(
            ChangeEvent("contact.edit", "contact", contact.id, updated.last_updated)
        )  # hooks-shim
        return updated

    def delete_contact(self, contact_id: int) -> None:
        with self.lock:
            contact = self._remove(self.contacts, "Contact", contact_id)
            self._unindex(contact)
            for tag_id in self.contact_tags.pop(contact_id, {}):
                self.tag_contacts[tag_id].pop(contact_id, None)
            for members in self.sequence_members.values():
                members.pop(contact_id, None)
            for note_id in [n.id for n in self.notes.values() if n.contact_id == contact_id]:
                del self.notes[note_id]
            self.events.emit(
                ChangeEvent("contact.delete", "contact", contact_id, self._now())
            )  # hooks-shim

    def iter_contacts(self) -> list[Contact]:
        """A snapshot list of all contacts in id order (safe to iterate without the lock)."""
        return self._matching(self.contacts)

    def query_contacts(
        self,
        *,
        email: str | None = None,
        predicate: Callable[[Contact], bool] | None = None,
    ) -> list[Contact]:
        """Contacts matching ``email`` (through the index) and ``predicate``, in id order."""
        pool = self.find_by_email(email) if email is not None else self.iter_contacts()
        return [c for c in pool if predicate is None or predicate(c)]

    # -- tags --------------------------------------------------------------------------------
    def create_tag_category(self, name: str, description: str | None = None) -> TagCategory:
        self._require_text(name, "name")
        with self.lock:
            category = TagCategory(self.next_id("tag_category"), name, description)
            self.tag_categories[category.id] = category
            return category

    def get_tag_category(self, category_id: int) -> TagCategory:
        return self._fetch(self.tag_categories, "Tag Category", category_id)

    def update_tag_category(self, category_id: int, **changes: Any) -> TagCategory:
        """Change ``name`` and/or ``description`` (``None`` clears the description)."""
        if "name" in changes:
            self._require_text(changes["name"], "name")
        with self.lock:
            updated = replace(self.get_tag_category(category_id), **changes)
            self.tag_categories[category_id] = updated
            return updated

    def delete_tag_category(self, category_id: int) -> None:
        """Delete an unused category. Neither document says what happens to a category that
        tags still use; keapsim refuses with a Conflict (409, which v2 declares), as v2 does
        for a custom-field tab or group that still has children, rather than leave those tags
        pointing nowhere or silently uncategorise them."""
        with self.lock:
            self.get_tag_category(category_id)
            used = sum(1 for tag in self.tags.values() if tag.category_id == category_id)
            if used:
                raise Conflict(
                    f"Tag Category {category_id} is used by {used} tag(s); "
                    "move or delete them first",
                    category_id,
                    kind="Tag Category",
                )
            self._remove(self.tag_categories, "Tag Category", category_id)

    def _check_tag_category(self, category_id: int | None) -> None:
        if category_id is not None and category_id not in self.tag_categories:
            raise Invalid(f"Tag category {category_id} does not exist", field="category")

    def create_tag(
        self, name: str, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        self._require_text(name, "name")
        with self.lock:
            self._check_tag_category(category_id)
            now = self._now()
            tag = Tag(self.next_id("tag"), name, description, category_id, now, now)
            self.tags[tag.id] = tag
            return tag

    def get_tag(self, tag_id: int) -> Tag:
        return self._fetch(self.tags, "Tag", tag_id)

    def update_tag(self, tag_id: int, **changes: Any) -> Tag:
        with self.lock:
            tag = self.get_tag(tag_id)
            self._check_tag_category(changes.get("category_id"))
            updated = replace(tag, update_time=self._now(), **changes)
            self.tags[tag_id] = updated
            return updated

    def delete_tag(self, tag_id: int) -> None:
        with self.lock:
            self._remove(self.tags, "Tag", tag_id)
            for contact_id in self.tag_contacts.pop(tag_id, {}):
                self.contact_tags[contact_id].pop(tag_id, None)

    def list_tags(self, name: str | None = None, category_id: int | None = None) -> list[Tag]:
        return self._matching(self.tags, name=name, category_id=category_id)

    def _link(self, contact_id: int, tag_id: int) -> str:
        if contact_id not in self.contacts:
            return CONTACT_NOT_FOUND
        if tag_id not in self.tags:
            return TAG_ID_NOT_FOUND
        if tag_id in self.contact_tags[contact_id]:
            return DUPLICATE
        applied = self._now()
        self.contact_tags[contact_id][tag_id] = applied
        self.tag_contacts[tag_id][contact_id] = applied
        self.events.emit(
            ChangeEvent("contactGroup.applied", "contact", contact_id, applied)
        )  # hooks-shim
        return SUCCESS

    def apply_tags(self, contact_id: int, tag_ids: Iterable[int]) -> dict[int, str]:
        """Apply tags to one contact; a status per tag id, as Keap's map (HTTP 200 regardless)."""
        with self.lock:
            return {tag_id: self._link(contact_id, tag_id) for tag_id in tag_ids}

    def tag_contacts_apply(self, tag_id: int, contact_ids: Iterable[int]) -> dict[int, str]:
        """Apply one tag to many contacts; a status per contact id."""
        with self.lock:
            self.get_tag(tag_id)
            return {cid: self._link(cid, tag_id) for cid in contact_ids}

    def remove_tag(self, contact_id: int, tag_id: int) -> bool:
        with self.lock:
            found = self.contact_tags.get(contact_id, {}).pop(tag_id, None) is not None
            self.tag_contacts.get(tag_id, {}).pop(contact_id, None)
            if found:  # hooks-shim
                self.events.emit(
                    ChangeEvent("contactGroup.removed", "contact", contact_id, self._now())
                )  # hooks-shim
            return found

    def remove_tags(self, contact_id: int, tag_ids: Iterable[int]) -> None:
        """Remove tags from one contact in one step; ids that are not applied are skipped."""
        with self.lock:
            self.get_contact(contact_id)
            for tag_id in tag_ids:
                self.remove_tag(contact_id, tag_id)

    def tag_contacts_remove(self, tag_id: int, contact_ids: Iterable[int]) -> None:
        """Remove one tag from many contacts in one step; contacts without it are skipped."""
        with self.lock:
            self.get_tag(tag_id)
            for contact_id in contact_ids:
                self.remove_tag(contact_id, tag_id)

    def tags_of(self, contact_id: int) -> list[tuple[Tag, datetime]]:
        with self.lock:
            self.get_contact(contact_id)
            links = self.contact_tags.get(contact_id, {})
            return [(self.tags[t], applied) for t, applied in sorted(links.items())]

    def contacts_with_tag(self, tag_id: int) -> list[tuple[Contact, datetime]]:
        with self.lock:
            self.get_tag(tag_id)
            links = self.tag_contacts.get(tag_id, {})
            return [(self.contacts[c], applied) for c, applied in sorted(links.items())]

    # -- campaigns ---------------------------------------------------------------------------
    def create_campaign(
        self,
        name: str,
        sequence_names: Iterable[str] = (),
        api_goals: Iterable[tuple[str, str, str]] = (),
    ) -> Campaign:
        """A published campaign with sequences; each API goal is (name, integration, call_name)
        and starts the campaign's first sequence when achieved."""
        with self.lock:
            now = self._now()
            sequences = [Sequence(self.next_id("sequence"), n) for n in sequence_names]
            goals = [
                Goal(
                    self.next_id("goal"),
                    gname,
                    "API",
                    integration,
                    call_name,
                    [sequences[0].id] if sequences else [],
                )
                for gname, integration, call_name in api_goals
            ]
            campaign = Campaign(
                self.next_id("campaign"), name, now, now, goals=goals, sequences=sequences
            )
            self.campaigns[campaign.id] = campaign
            return campaign

    def get_campaign(self, campaign_id: int) -> Campaign:
        return self._fetch(self.campaigns, "Campaign", campaign_id)

    def get_sequence(self, campaign_id: int, sequence_id: int) -> Sequence:
        campaign = self.get_campaign(campaign_id)
        for sequence in campaign.sequences:
            if sequence.id == sequence_id:
                return sequence
        raise NotFound("Sequence", sequence_id)

    def add_to_sequence(
        self, campaign_id: int, sequence_id: int, contact_ids: Iterable[int]
    ) -> dict[int, str]:
        with self.lock:
            self.get_sequence(campaign_id, sequence_id)
            members = self.sequence_members[(campaign_id, sequence_id)]
            result = {}
            for cid in contact_ids:
                if cid not in self.contacts:
                    result[cid] = CONTACT_DOES_NOT_EXIST
                elif cid in members:
                    result[cid] = ALREADY_IN_SEQUENCE
                else:
                    members[cid] = self._now()
                    result[cid] = SUCCESS
            return result

    def remove_from_sequence(
        self, campaign_id: int, sequence_id: int, contact_ids: Iterable[int]
    ) -> dict[int, str]:
        with self.lock:
            self.get_sequence(campaign_id, sequence_id)
            members = self.sequence_members[(campaign_id, sequence_id)]
            result = {}
            for cid in contact_ids:
                if cid not in self.contacts:
                    result[cid] = CONTACT_DOES_NOT_EXIST
                else:
                    members.pop(cid, None)
                    result[cid] = SUCCESS
            return result

    def sequence_contacts(self, campaign_id: int, sequence_id: int) -> list[int]:
        with self.lock:
            self.get_sequence(campaign_id, sequence_id)
            return sorted(self.sequence_members.get((campaign_id, sequence_id), {}))

    def sequences_of(self, contact_id: int) -> list[tuple[int, int]]:
        """(campaign id, sequence id) pairs the contact is in."""
        with self.lock:
            return sorted(
                k for k, members in self.sequence_members.items() if contact_id in members
            )

    def achieve_goal(
        self, integration: str, call_name: str, contact_id: int
    ) -> list[dict[str, Any]]:
        """Achieve every API goal with this integration and call name; the contact enters the
        goal's next sequences. One result per goal, as Keap's v1 answer."""
        with self.lock:
            self.get_contact(contact_id)
            results = []
            for campaign in self.campaigns.values():
                for goal in campaign.goals:
                    if goal.integration == integration and goal.call_name == call_name:
                        results.append(self._achieve(campaign, goal, contact_id))
            return results

    def achieve_goal_by_id(
        self, campaign_id: int, goal_id: int, contact_id: int
    ) -> list[dict[str, Any]]:
        """Achieve one goal named by campaign and goal id (v2's automation_id/goal_id form);
        the result has the same shape as :meth:`achieve_goal`'s."""
        with self.lock:
            self.get_contact(contact_id)
            campaign = self.get_campaign(campaign_id)
            goal = next((g for g in campaign.goals if g.id == goal_id), None)
            if goal is None:
                raise NotFound("Goal", goal_id)
            return [self._achieve(campaign, goal, contact_id)]

    def _achieve(self, campaign: Campaign, goal: Goal, contact_id: int) -> dict[str, Any]:
        """The contact enters the goal's next sequences (staying where it already is)."""
        for seq_id in goal.next_sequence_ids:
            self.sequence_members[(campaign.id, seq_id)].setdefault(contact_id, self._now())
        return {
            "campaign_id": campaign.id,
            "goal_id": goal.id,
            "success": True,
            "message": "Goal achieved",
        }

    # -- notes -------------------------------------------------------------------------------
    def _check_note_contact(self, contact_id: int) -> None:
        if contact_id not in self.contacts:
            raise Invalid("Unable to find this Contact", field="contact_id")

    @staticmethod
    def _check_note_type(note_type: str | None) -> None:
        if note_type is not None and note_type not in NOTE_TYPES:
            raise Invalid(f"type must be one of {', '.join(NOTE_TYPES)}", field="type")

    def create_note(
        self,
        contact_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        type: str | None = None,
        user_id: int | None = None,
        pinned: bool = False,
    ) -> Note:
        with self.lock:
            self._check_note_contact(contact_id)
            if not title and not body:
                raise Invalid(NOTE_NEEDS_TEXT)
            self._check_note_type(type)
            self._check_user(user_id, "user_id")
            now = self._now()
            note = Note(
                self.next_id("note"), contact_id, user_id, title, body, type, now, now, pinned
            )
            self.notes[note.id] = note
            return note

    def get_note(self, note_id: int) -> Note:
        return self._fetch(self.notes, "Note", note_id)

    def update_note(self, note_id: int, **changes: Any) -> Note:
        with self.lock:
            note = self.get_note(note_id)
            self._check_note_type(changes.get("type"))
            if changes.get("contact_id") is not None:
                self._check_note_contact(changes["contact_id"])
            self._check_user(changes.get("user_id"), "user_id")
            updated = replace(note, last_updated=self._now(), **changes)
            if not updated.title and not updated.body:
                raise Invalid(NOTE_NEEDS_TEXT)
            self.notes[note_id] = updated
            return updated

    def delete_note(self, note_id: int) -> None:
        self._remove(self.notes, "Note", note_id)

    def list_notes(self, contact_id: int | None = None, user_id: int | None = None) -> list[Note]:
        return self._matching(self.notes, contact_id=contact_id, user_id=user_id)

    # -- users -------------------------------------------------------------------------------
    def create_user(
        self,
        email: str,
        given_name: str,
        family_name: str | None = None,
        *,
        admin: bool = False,
        partner: bool = False,
        status: str = "Invited",
    ) -> User:
        """Keap invites a user created through the API; it stays Invited (facts §3.5)."""
        if not email or "@" not in email:
            raise Invalid("email is required", field="email")
        if not given_name:
            raise Invalid("given_name is required", field="given_name")
        with self.lock:
            if any(u.email_address.casefold() == email.casefold() for u in self.users.values()):
                raise Invalid("A user with this email address already exists", field="email")
            now = self._now()
            user_id = self.next_id("user")
            user = User(
                user_id,
                email,
                given_name,
                family_name,
                status,
                admin,
                partner,
                now,
                now,
                global_user_id=100_000 + user_id,
            )
            self.users[user.id] = user
            return user

    def get_user(self, user_id: int) -> User:
        return self._fetch(self.users, "User", user_id)

    def update_user(self, user_id: int, **changes: Any) -> User:
        with self.lock:
            user = self.get_user(user_id)
            updated = replace(user, last_updated=self._now(), **changes)
            self.users[user_id] = updated
            return updated

    def account_owner(self) -> User:
        """The account's owner: its first admin user (user 1 unless a snapshot says otherwise).

        Every tenant gets its owner when it is made or reset; the owner is added again here
        only for a state document saved before keapsim did that (it has no admin user).
        """
        with self.lock:
            admins = sorted((u for u in self.users.values() if u.admin), key=lambda u: u.id)
            return admins[0] if admins else self._add_account_owner()

    def list_users(self) -> list[User]:
        return self._matching(self.users)

    # -- lead sources ------------------------------------------------------------------------
    def create_lead_source_category(
        self, name: str, description: str | None = None
    ) -> LeadSourceCategory:
        with self.lock:
            category = LeadSourceCategory(self.next_id("lead_source_category"), name, description)
            self.lead_source_categories[category.id] = category
            return category

    def get_lead_source_category(self, category_id: int) -> LeadSourceCategory:
        return self._fetch(self.lead_source_categories, "Lead Source Category", category_id)

    def create_lead_source(self, name: str, **fields: Any) -> LeadSource:
        self._require_text(name, "name")
        with self.lock:
            category_id = fields.get("category_id")
            if category_id is not None:
                self.get_lead_source_category(category_id)
            source = LeadSource(self.next_id("lead_source"), name, **fields)
            self.lead_sources[source.id] = source
            return source

    def get_lead_source(self, source_id: int) -> LeadSource:
        return self._fetch(self.lead_sources, "Lead Source", source_id)

    def update_lead_source(self, source_id: int, **changes: Any) -> LeadSource:
        with self.lock:
            source = self.get_lead_source(source_id)
            updated = replace(source, **changes)
            self.lead_sources[source_id] = updated
            return updated

    def delete_lead_source(self, source_id: int) -> None:
        self._remove(self.lead_sources, "Lead Source", source_id)

    def list_lead_sources(self) -> list[LeadSource]:
        return self._matching(self.lead_sources)

    # -- custom fields -----------------------------------------------------------------------
    def create_custom_field(
        self,
        label: str,
        field_type: str,
        options: list[dict[str, Any]] | None = None,
        group_id: int | None = None,
        default_value: str | None = None,
    ) -> CustomField:
        self._require_text(label, "label")
        if field_type not in CUSTOM_FIELD_TYPES:
            raise Invalid(
                f"field_type must be one of {', '.join(CUSTOM_FIELD_TYPES)}", field="field_type"
            )
        with self.lock:
            field_id = self.next_id("custom_field")
            numbered = [
                {"id": str(i), "label": str(o.get("label", ""))}
                for i, o in enumerate(options or [], start=1)
            ]
            cf = CustomField(field_id, label, field_type, numbered, group_id, default_value)
            self.custom_fields[field_id] = cf
            return cf

    def get_custom_field(self, field_id: int) -> CustomField:
        return self._fetch(self.custom_fields, "Custom Field", field_id)

    def delete_custom_field(self, field_id: int) -> None:
        with self.lock:
            self._remove(self.custom_fields, "Custom Field", field_id)
            for contact in self.contacts.values():
                contact.custom_fields.pop(field_id, None)

    def list_custom_fields(self) -> list[CustomField]:
        return self._matching(self.custom_fields)

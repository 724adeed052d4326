"""Tags, tag categories and the contact ↔ tag links (``contactGroup`` in Keap's hook events).

Applying and removing report a status per id, as Keap's maps do (keap-facts.md §3.2, §4.3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import Extra, Lookup, Query, Table
from .errors import Invalid
from .indexes import HashIndex
from .links import Links
from .models import Contact
from .records import Tag, TagCategory
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec, refuse_if_used

if TYPE_CHECKING:
    from .tenant import Tenant

SUCCESS = "SUCCESS"
DUPLICATE = "DUPLICATE"
TAG_ID_NOT_FOUND = "TAG_ID_NOT_FOUND"
CONTACT_NOT_FOUND = "CONTACT_NOT_FOUND"
# Keap's hook event keys for tag links (PLAN.md; Keap's event_keys list).
APPLIED, REMOVED = "contactGroup.applied", "contactGroup.removed"

TAG_CATEGORY = ResourceSpec(
    record=TagCategory,
    kind="Tag Category",
    id_kind="tag_category",
    # No source names a hook event for tag categories; the noun is keapsim's own.
    noun="contactGroupCategory",
    fields=(Field("name", required=True), Field("description")),
)


class TagCategoryStore(DeclaredStore[TagCategory]):
    spec = TAG_CATEGORY

    def check_delete(self, record: TagCategory) -> None:
        """Neither document says what happens to a category that tags still use; keapsim
        refuses with a Conflict (409, which v2 declares), as v2 does for a custom-field tab or
        group that still has children, rather than leave those tags pointing nowhere or
        silently uncategorise them."""
        used = self.tenant.tags.table.index("category_id")
        count = used.estimate(Lookup("category_id", "eq", record.id))
        refuse_if_used(count, "Tag Category", record.id, "tag(s)")


class TagStore(RecordStore[Tag]):
    record_type = Tag

    def make_table(self) -> Table[Tag]:
        by_category = HashIndex[Tag](
            "category_id", lambda t: () if t.category_id is None else (t.category_id,)
        )
        return Table(
            self.core, kind="Tag", id_kind="tag", noun="contactGroup", indexes=[by_category]
        )

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.links: Links[int, int] = Links()  # contact id ↔ tag id

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        self.links.forget_left(contact.id)

    def extras(self) -> list[Extra]:
        return [
            Extra("contact_tags", self._dump_links, self._load_links, lambda: self.links.version)
        ]

    # -- tags ---------------------------------------------------------------------------------
    def _check_category(self, category_id: int | None) -> None:
        if category_id is not None and category_id not in self.tenant.tag_categories:
            raise Invalid(f"Tag category {category_id} does not exist", field="category")

    def create(
        self, name: str, description: str | None = None, category_id: int | None = None
    ) -> Tag:
        if not name or not isinstance(name, str):
            raise Invalid("name is required", field="name")
        with self.core.write():
            self._check_category(category_id)
            now = self.core.now()
            tag = Tag(self.table.new_id(), name, description, category_id, now, now)
            return self.table.add(tag)

    def update(self, tag_id: int, **changes: Any) -> Tag:
        with self.core.write():
            tag = self.get(tag_id)
            self._check_category(changes.get("category_id"))
            return self.table.replace(replace(tag, update_time=self.core.now(), **changes))

    def delete(self, tag_id: int) -> None:
        with self.core.write():
            self.table.remove(tag_id)
            self.links.forget_right(tag_id)

    def list_by(self, name: str | None = None, category_id: int | None = None) -> list[Tag]:
        """Tags with this exact name and/or category (``None``: any), in id order."""
        lookups = [] if category_id is None else [Lookup("category_id", "eq", category_id)]
        predicate = None if name is None else (lambda t: t.name == name)
        return list(self.select(Query(lookups=lookups, predicate=predicate)))

    # -- links --------------------------------------------------------------------------------
    def _link(self, contact_id: int, tag_id: int) -> str:
        if not self.tenant.contacts.exists(contact_id):
            return CONTACT_NOT_FOUND
        if tag_id not in self.table:
            return TAG_ID_NOT_FOUND
        if not self.links.link(contact_id, tag_id, self.core.now()):
            return DUPLICATE
        self.core.record(APPLIED, "contactGroup", tag_id)
        return SUCCESS

    def apply(self, contact_id: int, tag_ids: Iterable[int]) -> dict[int, str]:
        """Apply tags to one contact; a status per tag id, as Keap's map (HTTP 200 regardless)."""
        with self.core.write():
            return {tag_id: self._link(contact_id, tag_id) for tag_id in tag_ids}

    def apply_to_contacts(self, tag_id: int, contact_ids: Iterable[int]) -> dict[int, str]:
        """Apply one tag to many contacts; a status per contact id."""
        with self.core.write():
            self.get(tag_id)
            return {cid: self._link(cid, tag_id) for cid in contact_ids}

    def unlink(self, contact_id: int, tag_id: int) -> bool:
        """Remove one link; ``False`` when it was not there."""
        with self.core.write():
            found = self.links.unlink(contact_id, tag_id)
            if found:
                self.core.record(REMOVED, "contactGroup", tag_id)
            return found

    def remove(self, contact_id: int, tag_ids: Iterable[int]) -> None:
        """Remove tags from one contact in one step; ids that are not applied are skipped."""
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            for tag_id in tag_ids:
                self.unlink(contact_id, tag_id)

    def remove_from_contacts(self, tag_id: int, contact_ids: Iterable[int]) -> None:
        """Remove one tag from many contacts in one step; contacts without it are skipped."""
        with self.core.write():
            self.get(tag_id)
            for contact_id in contact_ids:
                self.unlink(contact_id, tag_id)

    def ids_of(self, contact_id: int) -> list[int]:
        """The ids of the tags applied to a contact, ascending."""
        # Every v1 contact body asks, and most contacts have no tags: one dict read (atomic
        # under the GIL) answers them without the lock; the lock guards only the sort of a
        # contact's links, which a concurrent write could change underneath it (issue 18).
        if not self.links.rights_view(contact_id):
            return []
        with self.core.lock:
            return sorted(self.links.rights_view(contact_id))

    def of_contact(self, contact_id: int) -> list[tuple[Tag, datetime]]:
        with self.core.lock:
            self.tenant.contacts.get(contact_id)
            links = self.links.rights_of(contact_id)
            return [(self.table.fetch(t), applied) for t, applied in sorted(links.items())]

    def contacts_with(self, tag_id: int) -> list[tuple[Contact, datetime]]:
        with self.core.lock:
            self.get(tag_id)
            contacts = self.tenant.contacts
            links = self.links.lefts_of(tag_id)
            return [(contacts.get(c), applied) for c, applied in sorted(links.items())]

    def _dump_links(self) -> list[dict[str, Any]]:
        return [
            {"contact_id": contact_id, "tag_id": tag_id, "applied": applied.isoformat()}
            for contact_id, tag_id, applied in self.links.pairs()
        ]

    def _load_links(self, rows: list[dict[str, Any]]) -> None:
        self.links.clear()
        for row in rows:
            applied = datetime.fromisoformat(row["applied"])
            self.links.link(int(row["contact_id"]), int(row["tag_id"]), applied)

"""Notes on contacts; a contact's notes go when the contact goes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .base import Lookup, Query, Table
from .errors import Invalid
from .indexes import HashIndex
from .models import Contact
from .records import NOTE_TYPES, Note
from .resource import RecordStore

NOTE_NEEDS_TEXT = "A note must have a title or a body"


class NoteStore(RecordStore[Note]):
    record_type = Note

    def make_table(self) -> Table[Note]:
        by_contact = HashIndex[Note]("contact_id", lambda n: (n.contact_id,))
        by_user = HashIndex[Note]("user_id", lambda n: () if n.user_id is None else (n.user_id,))
        return Table(
            self.core, kind="Note", id_kind="note", noun="note", indexes=[by_contact, by_user]
        )

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        for note in self.select(Query(lookups=[Lookup("contact_id", "eq", contact.id)])):
            self.table.remove(note.id)

    def _check_contact(self, contact_id: int) -> None:
        if not self.tenant.contacts.exists(contact_id):
            raise Invalid("Unable to find this Contact", field="contact_id")

    @staticmethod
    def _check_type(note_type: str | None) -> None:
        if note_type is not None and note_type not in NOTE_TYPES:
            raise Invalid(f"type must be one of {', '.join(NOTE_TYPES)}", field="type")

    def create(
        self,
        contact_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        type: str | None = None,
        user_id: int | None = None,
        pinned: bool = False,
    ) -> Note:
        with self.core.write():
            self._check_contact(contact_id)
            if not title and not body:
                raise Invalid(NOTE_NEEDS_TEXT)
            self._check_type(type)
            self.tenant.users.check_exists(user_id, "user_id")
            now = self.core.now()
            note = Note(
                self.table.new_id(), contact_id, user_id, title, body, type, now, now, pinned
            )
            return self.table.add(note)

    def update(self, note_id: int, **changes: Any) -> Note:
        with self.core.write():
            note = self.get(note_id)
            self._check_type(changes.get("type"))
            if changes.get("contact_id") is not None:
                self._check_contact(changes["contact_id"])
            self.tenant.users.check_exists(changes.get("user_id"), "user_id")
            updated = replace(note, last_updated=self.core.now(), **changes)
            if not updated.title and not updated.body:
                raise Invalid(NOTE_NEEDS_TEXT)
            return self.table.replace(updated)

    def list_by(self, contact_id: int | None = None, user_id: int | None = None) -> list[Note]:
        """Notes of a contact and/or a user (``None``: any), in id order."""
        lookups = [
            Lookup(name, "eq", value)
            for name, value in (("contact_id", contact_id), ("user_id", user_id))
            if value is not None
        ]
        return list(self.select(Query(lookups=lookups)))

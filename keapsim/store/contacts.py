"""Contacts: create, upsert by duplicate option, update, delete, email lookups and lists.

Indexes (see ``docs/design/store.md``): every email address (exact and prefix lookups), the
primary email and the update time (orderings and ranges), given and family name (equality).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from .base import Lookup, Query, Table, fold
from .contact_rules import (
    MISSING_EMAIL_OR_PHONE,
    check_duplicate_option,
    has_required_identity,
    matches,
    merge_collection,
    normalise_contact_fields,
    primary_email_of,
)
from .custom_fields import CONTACT
from .errors import Conflict, Invalid
from .indexes import HashIndex, SortedIndex
from .models import (
    CONTACT_COLLECTIONS,
    EMPTY_DICT,
    EMPTY_LIST,
    Contact,
    compact_collections,
    compact_items,
)
from .resource import RecordStore

__all__ = ["MISSING_EMAIL_OR_PHONE", "ContactStore"]


# Text fields whose values repeat across many contacts: a bulk load keeps one string per value
# (four: each field costs the load about 0.1 µs a contact).
REPEATED_TEXT = ("given_name", "family_name", "company_name", "job_title")


def _emails(contact: Contact) -> Iterable[str]:
    # Contact.emails inlined: one list, not two, on every create and update (issue 18).
    return [fold(email) for item in contact.email_addresses if (email := item.get("email"))]


def _primary(contact: Contact) -> Iterable[str]:
    email = contact.primary_email
    return (fold(email),) if email else ()


def _folded(name: str) -> Callable[[Contact], Iterable[str]]:
    def keys(contact: Contact) -> Iterable[str]:
        value = getattr(contact, name)
        return (fold(value),) if value else ()

    return keys


def contact_indexes() -> list[Any]:
    return [
        SortedIndex[Contact]("email", _emails, share_entries=True),
        SortedIndex[Contact]("primary_email", _primary, ordering=True, share_entries=True),
        SortedIndex[Contact]("last_updated", lambda c: (c.last_updated,), ordering=True),
        HashIndex[Contact]("given_name", _folded("given_name")),
        HashIndex[Contact]("family_name", _folded("family_name")),
    ]


class ContactStore(RecordStore[Contact]):
    record_type = Contact

    def make_table(self) -> Table[Contact]:
        return Table(
            self.core, kind="Contact", id_kind="contact", noun="contact", indexes=contact_indexes()
        )

    # -- reading ------------------------------------------------------------------------------
    def find_by_email(self, email: str) -> list[Contact]:
        """Contacts having ``email`` in any email slot, oldest first (an index, not a scan)."""
        found = self.select(Query(lookups=[Lookup("email", "eq", fold(email.strip()))]))
        return list(found)

    def query(
        self,
        *,
        email: str | None = None,
        predicate: Callable[[Contact], bool] | None = None,
    ) -> Sequence[Contact]:
        """Contacts matching ``email`` (through the index) and ``predicate``, in id order."""
        lookups = [Lookup("email", "eq", fold(email.strip()))] if email is not None else []
        return self.select(Query(lookups=lookups, predicate=predicate))

    # -- writing ------------------------------------------------------------------------------
    def _validated(self, data: dict[str, Any]) -> dict[str, Any]:
        clean = normalise_contact_fields(data)
        # Checked only when given (most writes give neither: two calls fewer, issue 18).
        custom = clean.get("custom_fields")
        if custom:
            self.tenant.custom_fields.check_values(CONTACT, custom, "custom_fields")
        owner = clean.get("owner_id")
        if owner is not None:
            self.tenant.users.check_exists(owner, "owner_id")
        return clean

    def create(
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
        with self.core.write():
            if reject_duplicate_email:
                email = primary_email_of(clean)
                existing = self.find_by_email(email) if email else []
                if existing:
                    raise Conflict(
                        "A contact with this email address already exists", existing[0].id
                    )
            return self._insert(clean)

    def _insert(self, clean: dict[str, Any]) -> Contact:
        now = self.core.now()
        fields = compact_collections({k: v for k, v in clean.items() if v is not None})
        contact = Contact(id=self.table.new_id(), date_created=now, last_updated=now, **fields)
        return self.table.add(contact)

    def upsert(
        self, data: dict[str, Any], duplicate_option: str, *, address_suffices: bool = False
    ) -> tuple[Contact, bool]:
        """Create or update by ``duplicate_option``; returns (contact, created)."""
        check_duplicate_option(duplicate_option)
        clean = self._validated(data)
        with self.core.write():
            email = primary_email_of(clean)
            candidates = self.find_by_email(email) if email else []
            for existing in candidates:
                if matches(existing, clean, duplicate_option):
                    return self._apply(existing, clean, merge=True), False
            if not has_required_identity(clean, address_suffices=address_suffices):
                raise Invalid(MISSING_EMAIL_OR_PHONE)
            return self._insert(clean), True

    def update(self, contact_id: int, data: dict[str, Any], *, merge: bool = False) -> Contact:
        """PATCH: the given fields replace the stored ones (collections wholesale, as the v2
        document says: "Any item not listed here will be removed")."""
        clean = self._validated(data)
        with self.core.write():
            return self._apply(self.get(contact_id), clean, merge=merge)

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
        updated = replace(contact, last_updated=self.core.now(), **compact_collections(changes))
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
        return self.table.replace(updated)

    def load(self, records: Sequence[Contact]) -> None:
        """Replace every contact at once, kept compactly: collection items become
        :class:`~keapsim.store.models.Item` s, empty collections the shared empty ones, and
        equal values of the text fields that repeat across contacts (names, company, job
        title) one string: a million contacts share a few thousand given names (about
        60 bytes a field a contact)."""
        lists = [name for name in CONTACT_COLLECTIONS if name != "custom_fields"]
        texts: dict[str, str] = {}
        for record in records:
            for name in lists:
                value = getattr(record, name)
                if value is EMPTY_LIST:
                    continue
                compact = compact_items(value)
                if compact is not value:
                    setattr(record, name, compact)
            if not record.custom_fields and record.custom_fields is not EMPTY_DICT:
                record.custom_fields = EMPTY_DICT
            for name in REPEATED_TEXT:
                text = getattr(record, name)
                if text is not None:
                    setattr(record, name, texts.setdefault(text, text))
        super().load(records)

    def set_lead_score(self, contact_id: int, score: int) -> Contact:
        """Set a contact's lead score (0 to 5 flames, v2 ``LeadScore``). The API has no write for
        it: seed data, scenarios and tests set it here; keapsim runs no scoring rules."""
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 5:
            raise Invalid("score must be a whole number of flames from 0 to 5", field="score")
        with self.core.write():
            contact = self.get(contact_id)
            updated = replace(contact, score_value=str(score), last_updated=self.core.now())
            return self.table.replace(updated)

    def drop_custom_field(self, field_id: int) -> None:
        """Remove a deleted custom field's values from every contact that has one."""
        with self.core.write():
            for contact in self.table.scan(lambda c: field_id in c.custom_fields):
                values = {k: v for k, v in contact.custom_fields.items() if k != field_id}
                self.table.replace(
                    replace(contact, **compact_collections({"custom_fields": values}))
                )

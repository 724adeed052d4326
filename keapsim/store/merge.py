"""Merging a duplicate contact into a primary one (v2 ``contacts:merge``).

The v2 document says only "The duplicate contact will be merged into the primary contact".
keapsim's rules (documented in docs/reference/crm-files-account-settings.md):

- the primary's own values win; a field the primary lacks takes the duplicate's value, and an
  email, phone, fax or address slot (``EMAIL2``, ``PHONE1`` …) the primary lacks takes the
  duplicate's item; custom-field values the primary lacks are copied;
- the duplicate's tags are applied to the primary (a tag both have keeps the primary's time);
- its notes, files, credit cards, orders (with their payments and transactions) and contact
  links move to the primary (a link between the two contacts is dropped);
- the duplicate is then deleted (``contact.delete``). It all happens in one write: a reader
  never sees half a merge.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import Invalid
from .models import CONTACT_COLLECTIONS, Contact, compact_collections

if TYPE_CHECKING:
    from .tenant import Tenant

# Not copied from the duplicate: identity and timestamps.
_OWN_FIELDS = {"id", "date_created", "last_updated"}


def merge_contacts(tenant: Tenant, primary_id: int, duplicate_id: int) -> Contact:
    if primary_id == duplicate_id:
        raise Invalid("A contact cannot be merged into itself", field="duplicate_contact_id")
    with tenant.core.write():
        primary = tenant.contacts.get(primary_id)
        duplicate = tenant.contacts.get(duplicate_id)
        merged = replace(
            primary,
            last_updated=tenant.core.now(),
            **compact_collections(_filled(primary, duplicate)),
        )
        tenant.contacts.table.replace(merged)
        tenant.tags.apply(primary_id, tenant.tags.ids_of(duplicate_id))
        for note in tenant.notes.list_by(contact_id=duplicate_id):
            tenant.notes.update(note.id, contact_id=primary_id)
        tenant.files.move_to_contact(duplicate_id, primary_id)
        tenant.credit_cards.move_to_contact(duplicate_id, primary_id)
        tenant.orders.move_to_contact(duplicate_id, primary_id)
        tenant.contact_links.move_to_contact(duplicate_id, primary_id)
        tenant.contacts.delete(duplicate_id)
        return tenant.contacts.get(primary_id)


def _filled(primary: Contact, duplicate: Contact) -> dict[str, Any]:
    """The primary's changes: its empty fields and free slots filled from the duplicate."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(Contact):
        name = item.name
        if name in _OWN_FIELDS:
            continue
        mine, theirs = getattr(primary, name), getattr(duplicate, name)
        if name == "custom_fields":
            if theirs:
                changes[name] = {**theirs, **mine}
        elif name in CONTACT_COLLECTIONS:
            key = "type" if name == "social_accounts" else "field"
            taken = {entry.get(key) for entry in mine}
            extra = [entry for entry in theirs if entry.get(key) not in taken]
            if extra:
                changes[name] = [*mine, *extra]
        elif mine is None and theirs is not None:
            changes[name] = theirs
    return changes

"""Contact links (v2 ``contacts:link`` / ``:unlink``) and the link types they are made with.

A link joins two different contacts with a type ("Spouse"); a type's ``max_links`` bounds how
many links of that type one contact may have (v2 document: "Maximum number of links allowed").
A type still in use cannot be deleted, and its ``max_links`` cannot drop below what a contact
already has (both 409, as the document says).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .errors import Conflict, Invalid, NotFound
from .indexes import HashIndex
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec, refuse_if_used


@record_class
class ContactLinkType:
    id: int
    name: str
    max_links: int
    create_time: datetime


@record_class
class ContactLink:
    id: int
    contact1_id: int
    contact2_id: int
    link_type_id: int
    create_time: datetime


CONTACT_LINK_TYPE = ResourceSpec(
    record=ContactLinkType,
    kind="Contact Link Type",
    id_kind="contact_link_type",
    # No source names a hook event for link types or links; the nouns are keapsim's own.
    noun="contactLinkType",
    fields=(
        Field("name", required=True, max_length=255),
        # The document gives no default; one link per contact is keapsim's choice.
        Field("max_links", int, default=1, minimum=1),
    ),
    created="create_time",
)


class ContactLinkTypeStore(DeclaredStore[ContactLinkType]):
    spec = CONTACT_LINK_TYPE

    def check_delete(self, record: ContactLinkType) -> None:
        used = len(self.tenant.contact_links.of_type(record.id))
        refuse_if_used(used, "Contact Link Type", record.id, "contact links")

    def normalise(
        self, values: dict[str, Any], current: ContactLinkType | None, now: datetime
    ) -> dict[str, Any]:
        wanted = values.get("max_links")
        if current is not None and isinstance(wanted, int) and not isinstance(wanted, bool):
            most = self.tenant.contact_links.most_links_of_one_contact(current.id)
            if wanted < most:
                raise Conflict(
                    f"A contact has {most} links of this type; max_links cannot be {wanted}",
                    current.id,
                    kind="Contact Link Type",
                )
        return values


class ContactLinkStore(RecordStore[ContactLink]):
    record_type = ContactLink

    def make_table(self) -> Table[ContactLink]:
        by_contact = HashIndex[ContactLink]("contact", lambda k: (k.contact1_id, k.contact2_id))
        by_type = HashIndex[ContactLink]("link_type_id", lambda k: (k.link_type_id,))
        return Table(
            self.core,
            kind="Contact Link",
            id_kind="contact_link",
            noun="contactLink",
            indexes=[by_contact, by_type],
        )

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Any) -> None:
        for link in self.of_contact(contact.id):
            self.table.remove(link.id)

    def of_contact(self, contact_id: int) -> list[ContactLink]:
        return list(self.select(Query(lookups=[Lookup("contact", "eq", contact_id)])))

    def of_type(self, link_type_id: int) -> list[ContactLink]:
        return list(self.select(Query(lookups=[Lookup("link_type_id", "eq", link_type_id)])))

    def most_links_of_one_contact(self, link_type_id: int) -> int:
        counts = Counter(
            contact
            for link in self.of_type(link_type_id)
            for contact in (link.contact1_id, link.contact2_id)
        )
        return max(counts.values(), default=0)

    def find_link(self, first: int, second: int, link_type_id: int) -> ContactLink | None:
        for link in self.of_contact(first):
            if link.link_type_id == link_type_id and {link.contact1_id, link.contact2_id} == {
                first,
                second,
            }:
                return link
        return None

    def link(self, contact1_id: int, contact2_id: int, link_type_id: int) -> ContactLink:
        with self.core.write():
            self._check_contact(contact1_id, "contact1_id")
            self._check_contact(contact2_id, "contact2_id")
            if contact1_id == contact2_id:
                raise Invalid("A contact cannot be linked to itself", field="contact2_id")
            link_type = self.tenant.contact_link_types.find(link_type_id)
            if link_type is None:
                raise Invalid(f"Link type {link_type_id} does not exist", field="link_type_id")
            if self.find_link(contact1_id, contact2_id, link_type_id) is not None:
                raise Conflict("These contacts are already linked with this link type")
            for contact in (contact1_id, contact2_id):
                held = sum(1 for k in self.of_contact(contact) if k.link_type_id == link_type_id)
                if held >= link_type.max_links:
                    raise Conflict(
                        f"Contact {contact} already has {held} link(s) of type "
                        f"{link_type.name} (max_links {link_type.max_links})",
                        contact,
                    )
            link = ContactLink(
                self.table.new_id(), contact1_id, contact2_id, link_type_id, self.core.now()
            )
            return self.table.add(link)

    def unlink(self, contact1_id: int, contact2_id: int, link_type_id: int) -> None:
        with self.core.write():
            link = self.find_link(contact1_id, contact2_id, link_type_id)
            if link is None:
                raise NotFound("Contact Link", f"{contact1_id}-{contact2_id}-{link_type_id}")
            self.table.remove(link.id)

    def move_to_contact(self, from_contact: int, to_contact: int) -> None:
        """A merge: the duplicate's links become the primary's, except a link between the two
        and one the primary already has (same other contact, same type)."""
        with self.core.write():
            for link in self.of_contact(from_contact):
                first = to_contact if link.contact1_id == from_contact else link.contact1_id
                second = to_contact if link.contact2_id == from_contact else link.contact2_id
                if first == second or self.find_link(first, second, link.link_type_id):
                    self.table.remove(link.id)
                else:
                    self.table.replace(replace(link, contact1_id=first, contact2_id=second))

    def _check_contact(self, contact_id: int, name: str) -> None:
        if not self.tenant.contacts.exists(contact_id):
            raise Invalid(f"Contact {contact_id} does not exist", field=name)

"""Email records (v1 ``/emails``, v2 ``/emails``) and sending them (recorded, never sent).

Templates are in ``email_templates.py``; the opt-in status of each email address in
``email_statuses.py``.

Nothing is ever sent: ``emails:send``, ``emails/templates:send`` and v1 ``emails/queue`` record
one email per recipient with ``source`` ``SEND`` or ``TEMPLATE``; those records are the tenant's
**outbox** (:meth:`EmailStore.outbox`, ``GET /_keapsim/tenants/<id>/outbox``).
Decisions where the documents are silent: ``docs/reference/crm-tasks-appointments-emails.md``.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import Invalid
from .indexes import HashIndex, SortedIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

PROVIDERS = ("UNKNOWN", "INFUSIONSOFT", "MICROSOFT", "GOOGLE")
SOURCES = ("RECORD", "SEND", "TEMPLATE")  # recorded through the API, emails:send, a template


@record_class
class EmailRecord:
    id: int
    subject: str | None
    headers: str | None
    contact_id: int | None
    sent_to_address: str
    sent_to_cc: list[str]
    sent_to_bcc: list[str]
    sent_from_address: str | None
    sent_from_reply_address: str | None
    sent_time: datetime | None
    received_time: datetime | None
    opened_time: datetime | None
    clicked_time: datetime | None
    original_provider: str
    original_provider_id: str | None
    provider_source_id: str | None
    plain_content: str | None  # Base64, as the documents send it
    html_content: str | None  # Base64
    source: str
    template_id: int | None
    user_id: int | None
    attachments: list[str]  # file names of a sent email's attachments
    create_time: datetime


def _optional(value: Any) -> tuple[Any, ...]:
    return () if value is None else (value,)


EMAIL_SPEC = ResourceSpec(
    record=EmailRecord,
    kind="Email",
    id_kind="email",
    noun="email",  # keapsim's own: no source names a hook event for email records
    fields=(
        Field("subject"),
        Field("headers"),
        Field("contact_id", int, reference="contacts"),
        Field("sent_to_address", required=True),
        Field("sent_to_cc", list, factory=list),
        Field("sent_to_bcc", list, factory=list),
        Field("sent_from_address"),
        Field("sent_from_reply_address"),
        Field("sent_time", datetime),
        Field("received_time", datetime),
        Field("opened_time", datetime),
        Field("clicked_time", datetime),
        Field("original_provider", default="UNKNOWN", choices=PROVIDERS),
        Field("original_provider_id"),
        Field("provider_source_id"),
        Field("plain_content"),
        Field("html_content"),
        Field("source", default="RECORD", choices=SOURCES),
        Field("template_id", int),
        Field("user_id", int),
        Field("attachments", list, factory=list),
    ),
    created="create_time",
    indexes=lambda: [
        HashIndex[EmailRecord]("contact_id", lambda e: _optional(e.contact_id)),
        HashIndex[EmailRecord]("address", lambda e: (e.sent_to_address.casefold(),)),
        HashIndex[EmailRecord](
            "provider", lambda e: ((e.original_provider, e.original_provider_id),)
        ),
        HashIndex[EmailRecord]("source", lambda e: (e.source,)),
        SortedIndex[EmailRecord]("create_time", lambda e: (e.create_time,), ordering=True),
    ],
)


class EmailStore(DeclaredStore[EmailRecord]):
    spec = EMAIL_SPEC

    def attach(self) -> None:
        # Keap keeps email history after a contact goes; keapsim drops the contact link only.
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        for email in self.of_contact(contact.id):
            self.table.replace(replace(email, contact_id=None))

    def of_contact(self, contact_id: int) -> list[EmailRecord]:
        return list(self.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    def normalise(
        self, values: dict[str, Any], current: EmailRecord | None, now: datetime
    ) -> dict[str, Any]:
        """The provider defaults to UNKNOWN and, case-insensitive, must be one Keap knows; a
        missing provider id is "a UUID without dashes"; provider and id are unique together
        (all three: the documents' descriptions of ``original_provider(_id)``)."""
        out = dict(values)
        provider = out.get("original_provider") or "UNKNOWN"
        out["original_provider"] = provider.upper() if isinstance(provider, str) else provider
        if not out.get("original_provider_id"):
            out["original_provider_id"] = uuid.uuid4().hex
        key = (out["original_provider"], out["original_provider_id"])
        taken = self.select(Query(lookups=[Lookup("provider", "eq", key)]))
        if current is None and len(taken):
            raise Invalid(
                "original_provider_id must be unique for its original_provider",
                field="original_provider_id",
            )
        return out

    def create(self, *positional: Any, **values: Any) -> EmailRecord:
        """A new record; its address's last sent/open/click times follow it."""
        with self.core.write():
            email = super().create(*positional, **values)
            times = {
                "sent_time": email.sent_time,
                "opened_time": email.opened_time,
                "clicked_time": email.clicked_time,
            }
            self.tenant.email_statuses.touch(email.sent_to_address, times)
            return email

    def outbox(self) -> list[EmailRecord]:
        """Every email keapsim "sent" (``emails:send``, template sends, v1 ``emails/queue``),
        oldest first."""
        sent = [
            email
            for source in ("SEND", "TEMPLATE")
            for email in self.select(Query(lookups=[Lookup("source", "eq", source)]))
        ]
        return sorted(sent, key=lambda e: e.id)

    def remove_many(self, ids: list[int]) -> dict[int, str]:
        """Delete what exists; per id ``SUCCESS`` or ``EMAIL_ID_NOT_FOUND`` (the v2 document's
        DeleteEmailsResponse values)."""
        results: dict[int, str] = {}
        with self.core.write():
            for ident in ids:
                if ident in self.table:
                    self.table.remove(ident)
                    results[ident] = "SUCCESS"
                else:
                    results[ident] = "EMAIL_ID_NOT_FOUND"
        return results


# -- sending (recorded, never sent) ----------------------------------------------------------
# address_field values ("Email field of each Contact record to address the email to, such as
# 'Email', 'EmailAddress2', 'EmailAddress3'", both documents) → the contact's email slot.
ADDRESS_FIELDS = {"Email": "EMAIL1", "EmailAddress2": "EMAIL2", "EmailAddress3": "EMAIL3"}
# The attachment extensions the v2 document's EmailSendRequestAttachment accepts.
ATTACHMENT_EXTENSIONS = frozenset(
    "bmp cdr fpx gif jif jiff jp2 jpeg jpg jpx j2k pcd pdf png psd pspimage thm tif tiff yuv "
    "doc docx err log msg notes pages pwd rtf text txt vcf wp wp4 wp5 wp7 wpd wps wsd xdl "
    "mid mp3 mp4 wav wma avi divx f4p flv gvi hdmov hdv m2ts m4v mnv mov movie mp4v mpeg "
    "mpeg1 mpeg4 mpg qt rm vob wm wmv csv ics key pps ppt pptx xlr xls xlsx xml zip".split()
)
MAX_ATTACHMENTS = 10  # "maximum of 10 with size of 1MB each"
MAX_ATTACHMENT_BYTES = 1024 * 1024


@record_class(frozen=True)
class Outgoing:
    """What one send asks for: the same message to each contact."""

    contact_ids: list[int]
    subject: str | None
    user_id: int | None = None
    from_address: str | None = None
    plain_content: str | None = None
    html_content: str | None = None
    address_field: str | None = None
    attachments: tuple[str, ...] = ()  # file names (checked by the adapter)
    template_id: int | None = None


def recipient_address(contact: Contact, address_field: str | None) -> str | None:
    """The contact's address in ``address_field`` (its primary one by default)."""
    if address_field is None:
        return contact.primary_email
    slot = ADDRESS_FIELDS.get(address_field)
    if slot is None:
        raise Invalid(
            f"address_field must be one of {', '.join(ADDRESS_FIELDS)}", field="address_field"
        )
    for item in contact.email_addresses:
        if item.get("field") == slot:
            return item.get("email")
    return None


def send(store: EmailStore, outgoing: Outgoing) -> list[EmailRecord]:
    """Record one sent email per recipient: every contact must exist (400 otherwise); a
    contact without an address in the field, or whose address opted out or bounced, gets
    none (keapsim's choice; Keap does not say)."""
    tenant = store.tenant
    with store.core.write():
        contacts = []
        for ident in outgoing.contact_ids:
            contact = tenant.contacts.find(ident)
            if contact is None:
                raise Invalid(f"Contact {ident} does not exist", field="contacts")
            contacts.append(contact)
        sender = outgoing.from_address
        if outgoing.user_id is not None:
            sender = sender or tenant.users.get(outgoing.user_id).email_address
        now = store.core.now()
        sent: list[EmailRecord] = []
        for contact in contacts:
            address = recipient_address(contact, outgoing.address_field)
            if not address or not tenant.email_statuses.sendable(address):
                continue
            sent.append(
                store.create(
                    subject=outgoing.subject,
                    contact_id=contact.id,
                    sent_to_address=address,
                    sent_from_address=sender,
                    sent_time=now,
                    original_provider="INFUSIONSOFT",
                    plain_content=outgoing.plain_content,
                    html_content=outgoing.html_content,
                    source="SEND" if outgoing.template_id is None else "TEMPLATE",
                    template_id=outgoing.template_id,
                    user_id=outgoing.user_id,
                    attachments=list(outgoing.attachments),
                )
            )
        return sent

"""Email records (v1 ``/emails``, v2 ``/emails``), email templates and note templates (seed
data: the API has no create operation), and the opt-in status of each email address (v1
``PUT /emailAddresses/{email}``, v2 ``/emailAddresses``).

Nothing is ever sent: ``emails:send``, ``emails/templates:send`` and v1 ``emails/queue`` record
one email per recipient with ``source`` ``SEND`` or ``TEMPLATE``; those records are the tenant's
**outbox** (:meth:`EmailStore.outbox`, ``GET /_keapsim/tenants/<id>/outbox``).
Decisions where the documents are silent: ``docs/reference/crm-tasks-appointments-emails.md``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .base import Lookup, Query
from .errors import Invalid, NotFound
from .indexes import HashIndex, SortedIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

PROVIDERS = ("UNKNOWN", "INFUSIONSOFT", "MICROSOFT", "GOOGLE")
SOURCES = ("RECORD", "SEND", "TEMPLATE")  # recorded through the API, emails:send, a template


@dataclass(slots=True)
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


# -- templates (seed data) -------------------------------------------------------------------
@dataclass(slots=True)
class EmailTemplate:
    id: int
    piece_title: str
    subject: str | None = None
    categories: list[str] = field(default_factory=list)
    from_address: str | None = None
    to_address: str | None = None
    cc_address: str | None = None
    bcc_address: str | None = None
    text_body: str | None = None
    html_body: str | None = None
    content_type: str = "HTML"
    merge_context: str | None = None


EMAIL_TEMPLATE_SPEC = ResourceSpec(
    record=EmailTemplate,
    kind="Email Template",
    id_kind="email_template",
    noun="emailTemplate",  # keapsim's own (templates change only through seed data)
    fields=(
        Field("piece_title", required=True),
        Field("subject"),
        Field("categories", list, factory=list),
        Field("from_address"),
        Field("to_address"),
        Field("cc_address"),
        Field("bcc_address"),
        Field("text_body"),
        Field("html_body"),
        Field("content_type", default="HTML", choices=("TEXT", "HTML", "MULTIPART")),
        Field("merge_context"),
    ),
)


class EmailTemplateStore(DeclaredStore[EmailTemplate]):
    spec = EMAIL_TEMPLATE_SPEC


@dataclass(slots=True)
class NoteTemplate:
    id: int
    title: str
    description: str | None = None
    action_type: str | None = None
    assignment_user_id: int | None = None
    notify_users: list[int] = field(default_factory=list)


NOTE_TEMPLATE_SPEC = ResourceSpec(
    record=NoteTemplate,
    kind="Note Template",
    id_kind="note_template",
    noun="noteTemplate",  # keapsim's own (templates change only through seed data)
    fields=(
        Field("title", required=True),
        Field("description"),
        Field("action_type"),
        Field("assignment_user_id", int, reference="users"),
        Field("notify_users", list, factory=list),
    ),
)


class NoteTemplateStore(DeclaredStore[NoteTemplate]):
    spec = NOTE_TEMPLATE_SPEC


# -- email address status --------------------------------------------------------------------
# The statuses of the contact's email_status (keap-facts.md §3.1), v1's RestEmailAddress label
# of each (the v1 document's enum, in the same order) and whether it is marketable.
STATUS_LABELS = {
    "UnengagedMarketable": "Unengaged Marketable",
    "SingleOptIn": "Unconfirmed",
    "DoubleOptin": "Confirmed (Legacy)",
    "Confirmed": "Confirmed",
    "UnengagedNonMarketable": "Unengaged NonMarketable",
    "NonMarketable": "Non-marketable",
    "Lockdown": "Lockdown",
    "Bounce": "Soft Bounce",
    "HardBounce": "Hard Bounce",
    "Manual": "Opt-Out",
    "Admin": "Opt-Out: Admin",
    "System": "Opt-Out: System",
    "ListUnsubscribe": "List Unsubscribe",
    "Feedback": "Provided Feedback",
    "Spam": "Reported Spam",
    "Invalid": "Invalid Email",
    "Deactivated": "Deactivated/Delinquent Mailbox",
}
MARKETABLE = frozenset({"UnengagedMarketable", "SingleOptIn", "DoubleOptin", "Confirmed"})
# "the email address status will only be updated to Unconfirmed (marketable) for email
# addresses that are currently in the following states" (both documents).
OPT_IN_FROM = frozenset(
    {"UnengagedMarketable", "UnengagedNonMarketable", "NonMarketable", "Manual"}
)
# Sends skip addresses that opted out or cannot receive mail (keapsim's choice).
UNSENDABLE = frozenset(STATUS_LABELS) - MARKETABLE - {"UnengagedNonMarketable", "NonMarketable"}


@dataclass(slots=True)
class EmailAddressStatus:
    id: int
    email: str  # folded (addresses compare case-insensitively)
    status: str  # a key of STATUS_LABELS
    reason: str | None
    create_time: datetime
    update_time: datetime
    last_sent_time: datetime | None = None
    last_open_time: datetime | None = None
    last_click_time: datetime | None = None


EMAIL_STATUS_SPEC = ResourceSpec(
    record=EmailAddressStatus,
    kind="Email Address",
    id_kind="email_status",
    noun="emailAddress",  # keapsim's own: no source names a hook event for it
    fields=(
        Field("email", required=True),
        Field("status", required=True, choices=tuple(STATUS_LABELS)),
        Field("reason"),
        Field("last_sent_time", datetime),
        Field("last_open_time", datetime),
        Field("last_click_time", datetime),
    ),
    created="create_time",
    updated="update_time",
    indexes=lambda: [
        HashIndex[EmailAddressStatus]("email", lambda s: (s.email,)),
        SortedIndex[EmailAddressStatus]("address", lambda s: (s.email,), ordering=True),
    ],
)


class EmailStatusStore(DeclaredStore[EmailAddressStatus]):
    """An address gets a status record the first time the API sets its status or records an
    email to it; until then its status follows the contact that has it (the contact's
    ``opt_in_reason``: marketable or not)."""

    spec = EMAIL_STATUS_SPEC

    def find_address(self, email: str) -> EmailAddressStatus | None:
        found = self.select(Query(lookups=[Lookup("email", "eq", email.casefold())]))
        return found[0] if len(found) else None

    def derived_status(self, email: str) -> str | None:
        """The status an address without a record has: that of the oldest contact holding
        it, or ``None`` when no contact holds it."""
        contacts = self.tenant.contacts.find_by_email(email)
        return _contact_address_status(contacts[0], email) if contacts else None

    def status_of(self, email: str) -> EmailAddressStatus:
        """The address's status: its record, or one built from its contact (not stored);
        :class:`NotFound` when neither exists."""
        with self.core.lock:
            record = self.find_address(email)
            if record is not None:
                return record
            derived = self.derived_status(email)
            if derived is None:
                raise NotFound("Email Address", email)
            now = self.core.now()
            return EmailAddressStatus(0, email.casefold(), derived, None, now, now)

    def statuses(self) -> list[EmailAddressStatus]:
        """Every address a contact holds or a record names, by address. Contacts are read in
        the table's chunks (the lock is never held for the whole scan)."""
        by_address = {s.email: s for s in self.table.values()}
        now = self.core.now()
        for contact in self.tenant.contacts.table.scan():
            for email in contact.emails:
                folded = email.casefold()
                if folded not in by_address:
                    status = _contact_address_status(contact, email)
                    by_address[folded] = EmailAddressStatus(0, folded, status, None, now, now)
        return [by_address[k] for k in sorted(by_address)]

    def set_opt_in(self, email: str, opted_in: bool, reason: str) -> EmailAddressStatus:
        """Opt an address in (to SingleOptIn, "Unconfirmed", only from the statuses the
        documents list; others stay) or out (to Manual, "Opt-Out")."""
        with self.core.write():
            current = self.status_of(email)
            if opted_in:
                status = "SingleOptIn" if current.status in OPT_IN_FROM else current.status
            else:
                status = "Manual"
            if current.id:
                return self.update(current.id, status=status, reason=reason)
            return self.create(email=email.casefold(), status=status, reason=reason)

    def touch(self, address: str, email: dict[str, Any]) -> None:
        """Keep an address's last sent/open/click times as recorded emails report them."""
        times = {
            "last_sent_time": email.get("sent_time"),
            "last_open_time": email.get("opened_time"),
            "last_click_time": email.get("clicked_time"),
        }
        times = {k: v for k, v in times.items() if v is not None}
        if not times:
            return
        record = self.find_address(address)
        if record is None:
            status = self.derived_status(address) or "UnengagedNonMarketable"
            self.create(email=address.casefold(), status=status, **times)
            return
        later = {
            k: v for k, v in times.items() if getattr(record, k) is None or v > getattr(record, k)
        }
        if later:
            self.update(record.id, **later)

    def contact_status(self, contact: Contact, email: str | None = None) -> str:
        """The status of a contact's address (its primary one by default) as the contact's
        ``email_status`` shows it: the address's record when the API set one, otherwise
        what the contact's opt-in reasons make it."""
        address = email if email is not None else contact.primary_email
        if address is None:
            return contact.email_status
        # Most tenants never set a status: skip the lookup (contact reads are the hot path).
        record = self.find_address(address) if len(self.table) else None
        if record is not None:
            return record.status
        derived = _contact_address_status(contact, address)
        if email is None and derived not in MARKETABLE:
            # The contact-level status (v1's ``email_status``) of a contact never opted in is
            # "NonMarketable" in captured Keap bodies (Contact.email_status); v2's per-address
            # status keeps UNENGAGED_NON_MARKETABLE, which no capture contradicts.
            return contact.email_status
        return derived

    def marketable(self, email: str) -> bool:
        try:
            return self.status_of(email).status in MARKETABLE
        except NotFound:
            return False

    def sendable(self, email: str) -> bool:
        try:
            return self.status_of(email).status not in UNSENDABLE
        except NotFound:
            return True


def _contact_address_status(contact: Contact, email: str) -> str:
    """An opt-in reason on the address (v2) or on the contact for its primary address (v1)
    makes the address marketable (keap-facts.md §3.1, ``opt_in_reason``)."""
    folded = email.casefold()
    for item in contact.email_addresses:
        if (item.get("email") or "").casefold() != folded:
            continue
        primary = (contact.primary_email or "").casefold() == folded
        if item.get("opt_in_reason") or (primary and contact.email_opted_in):
            return "UnengagedMarketable"
    return "UnengagedNonMarketable"


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


@dataclass(frozen=True, slots=True)
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

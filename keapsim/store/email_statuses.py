"""The opt-in status of each email address (v1 ``PUT /emailAddresses/{email}``, v2
``/emailAddresses``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import NotFound
from .indexes import HashIndex, SortedIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

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
UNENGAGED_NON = "UnengagedNonMarketable"
# "the email address status will only be updated to Unconfirmed (marketable) for email
# addresses that are currently in the following states" (both documents).
OPT_IN_FROM = frozenset(
    {"UnengagedMarketable", "UnengagedNonMarketable", "NonMarketable", "Manual"}
)
# Sends skip addresses that opted out or cannot receive mail (keapsim's choice).
UNSENDABLE = frozenset(STATUS_LABELS) - MARKETABLE - {"UnengagedNonMarketable", "NonMarketable"}


@record_class
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
        if email is None and not len(self.table) and not _opted_in_anywhere(contact):
            # No status records and no opt-in reason: the lines below come to the contact's
            # own status; this skips their lookups and casefolds (every v1 contact body asks).
            return contact.email_status
        address = email if email is not None else contact.primary_email
        if address is None:
            return contact.email_status
        # Most tenants never set a status: skip the lookup (contact reads are the hot path).
        record = self.find_address(address) if len(self.table) else None
        # A record only recorded emails made (touch) keeps the derived status, which the
        # contact-level status shows as below (the API never sets UnengagedNonMarketable).
        if record is not None and not (email is None and record.status == UNENGAGED_NON):
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


def _opted_in_anywhere(contact: Contact) -> bool:
    """Whether the contact or any of its addresses carries an opt-in reason."""
    if contact.opt_in_reason:
        return True
    for item in contact.email_addresses:
        if item.get("opt_in_reason"):
            return True
    return False


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

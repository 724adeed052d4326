"""Reports (v2 ``/reporting/reports``: Keap's Saved Searches). The API creates none: they
come from seed data and scenario files. A report reads the tenant's live data when it runs;
keapsim knows one kind, the **contacts** report (every contact, or those with one tag), whose
columns are Keap's Contact table field names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..clock import iso
from ..datarecord import record_class
from .errors import Invalid
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

if TYPE_CHECKING:
    from .tenant import Tenant

ALL_USERS = "ALL_USERS"  # Report.user_ids: "or ALL_USERS if visible to all" (v2 document)
CONTACTS = "contacts"


@record_class
class Report:
    id: int
    name: str
    kind: str = CONTACTS
    tag_id: int | None = None  # the saved search's criterion: contacts with this tag
    user_ids: list[str] = field(default_factory=lambda: [ALL_USERS])
    created_time: datetime | None = None
    updated_time: datetime | None = None


REPORT = ResourceSpec(
    record=Report,
    kind="Report",
    id_kind="report",
    # No source names a hook event for saved searches; the noun is keapsim's own.
    noun="report",
    fields=(
        Field("name", required=True, max_length=255),
        Field("kind", default=CONTACTS, choices=(CONTACTS,)),
        Field("tag_id", int, reference="tags"),
        Field("user_ids", list, factory=lambda: [ALL_USERS]),
    ),
    created="created_time",
    updated="updated_time",
)

Value = Callable[[Contact, "Tenant"], Any]


def _address(part: str) -> Value:
    def value(contact: Contact, tenant: Tenant) -> Any:
        first = contact.addresses[0] if contact.addresses else {}
        return first.get(part)

    return value


def _phone(contact: Contact, tenant: Tenant) -> Any:
    return contact.phone_numbers[0].get("number") if contact.phone_numbers else None


def _tags(contact: Contact, tenant: Tenant) -> Any:
    ids = tenant.tags.ids_of(contact.id)
    return ",".join(map(str, ids)) if ids else None


# name → (label, value): Keap's Contact table names (the ReportField example is "Id"/"ID").
CONTACT_COLUMNS: dict[str, tuple[str, Value]] = {
    "Id": ("ID", lambda c, t: c.id),
    "FirstName": ("First Name", lambda c, t: c.given_name),
    "LastName": ("Last Name", lambda c, t: c.family_name),
    "Email": ("Email", lambda c, t: c.primary_email),
    "Phone1": ("Phone 1", _phone),
    "Company": ("Company", lambda c, t: c.company_name),
    "JobTitle": ("Job Title", lambda c, t: c.job_title),
    "StreetAddress1": ("Street Address 1", _address("line1")),
    "City": ("City", _address("locality")),
    "State": ("State", _address("region")),
    "PostalCode": ("Postal Code", _address("zip_code")),
    "Country": ("Country", _address("country_code")),
    "OwnerID": ("Owner", lambda c, t: c.owner_id),
    "LeadSourceId": ("Lead Source", lambda c, t: c.lead_source_id),
    "Groups": ("Tags", _tags),
    "DateCreated": ("Date Created", lambda c, t: c.date_created),
    "LastUpdated": ("Last Updated", lambda c, t: c.last_updated),
}
DEFAULT_COLUMNS = ("Id", "FirstName", "LastName", "Email")


@record_class(frozen=True)
class ReportRun:
    """One page of a report's rows: each row is ``[(field name, value as text or None)]``."""

    rows: list[list[tuple[str, str | None]]]
    total: int


class ReportStore(DeclaredStore[Report]):
    spec = REPORT

    def model(self, report_id: int) -> list[tuple[str, str]]:
        """(name, label) of every field the report can show."""
        self.get(report_id)
        return [(name, label) for name, (label, _) in CONTACT_COLUMNS.items()]

    def run(
        self,
        report_id: int,
        fields: Sequence[str] | None = None,
        order: tuple[str, bool] | None = None,
        window: tuple[int, int] = (0, 1000),
    ) -> ReportRun:
        """The rows ``window`` (offset, size) selects, with the ``fields`` asked for (the
        default columns without); ``order`` is (field, descending), id order without."""
        report = self.get(report_id)
        columns = list(fields) if fields else list(DEFAULT_COLUMNS)
        for name in [*columns, *([order[0]] if order else [])]:
            if name not in CONTACT_COLUMNS:
                raise Invalid(f"Unknown report field: {name}", field="fields")
        contacts = self._contacts(report, order)
        offset, size = window
        page = contacts[offset : offset + size]
        rows = [
            [(name, _text(CONTACT_COLUMNS[name][1](c, self.tenant))) for name in columns]
            for c in page
        ]
        return ReportRun(rows, len(contacts))

    def _contacts(self, report: Report, order: tuple[str, bool] | None) -> Sequence[Contact]:
        """The report's contacts: a lazy id-ordered window over all of them (a page costs
        O(page)), or a list when the report names a tag or the run an order (O(matches))."""
        tenant = self.tenant
        if report.tag_id is not None and report.tag_id in tenant.tags:
            contacts: Sequence[Contact] = [c for c, _ in tenant.tags.contacts_with(report.tag_id)]
        elif report.tag_id is not None:
            contacts = []  # its tag was deleted: the saved search matches nothing
        else:
            contacts = tenant.contacts.select()
        if order is None:
            return contacts
        name, descending = order
        value = CONTACT_COLUMNS[name][1]
        keyed = [(value(c, tenant), c) for c in contacts]
        present = sorted(
            (k for k in keyed if k[0] is not None), key=lambda k: k[0], reverse=descending
        )
        return [c for _, c in present] + [c for v, c in keyed if v is None]


def _text(value: Any) -> str | None:
    """ReportEntryValue.value is a string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return iso(value)
    return str(value)

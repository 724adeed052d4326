"""Plain records of one tenant's CRM data besides contacts (``models.py``): tags, campaigns,
notes, users, lead sources and custom fields. Field names are Keap's v1 names where v1 has
the field; the v2 adapter renames on the way out."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any

from ..datarecord import record_class

NOTE_TYPES = ("Appointment", "Call", "Email", "Fax", "Letter", "Other")
CUSTOM_FIELD_TYPES = (
    "Currency",
    "Date",
    "DateTime",
    "DayOfWeek",
    "Drilldown",
    "Email",
    "Month",
    "ListBox",
    "Name",
    "WholeNumber",
    "DecimalNumber",
    "Percent",
    "PhoneNumber",
    "Radio",
    "Dropdown",
    "SocialSecurityNumber",
    "State",
    "Text",
    "TextArea",
    "User",
    "UserListBox",
    "Website",
    "Year",
    "YesNo",
)


@record_class
class TagCategory:
    id: int
    name: str
    description: str | None = None


@record_class
class Tag:
    id: int
    name: str
    description: str | None
    category_id: int | None
    create_time: datetime
    update_time: datetime


@record_class
class Sequence:
    id: int
    name: str


@record_class
class Goal:
    id: int
    name: str
    type: str  # e.g. "API", "Tag"
    integration: str | None = None
    call_name: str | None = None
    next_sequence_ids: list[int] = field(default_factory=list)


@record_class
class Campaign:
    id: int
    name: str
    date_created: datetime
    published_date: datetime | None
    published_status: bool = True
    locked: bool = False
    time_zone: str = "America/New_York"
    goals: list[Goal] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    # v2 automations are campaigns (docs/reference/crm-automations-reports.md): their
    # categories, and the message forms show while the automation is unpublished.
    category_ids: list[int] = field(default_factory=list)
    unpublished_form_message: str | None = None


@record_class
class Note:
    id: int
    contact_id: int
    user_id: int | None
    title: str | None
    body: str | None
    type: str | None
    date_created: datetime
    last_updated: datetime
    pinned: bool = False


@record_class
class User:
    id: int
    email_address: str
    given_name: str
    family_name: str | None
    status: str  # Active, Invited, Inactive (v1 spelling)
    admin: bool
    partner: bool
    date_created: datetime
    last_updated: datetime
    global_user_id: int = 0
    # Set through v2 PATCH /users/{user_id} (UpdateUserRequest); absent until then.
    job_title: str | None = None
    company_name: str | None = None
    website: str | None = None
    time_zone: str | None = None
    address: dict[str, Any] | None = None
    phone_numbers: list[dict[str, Any]] = field(default_factory=list)
    fax_numbers: list[dict[str, Any]] = field(default_factory=list)


@record_class
class LeadSourceCategory:
    id: int
    name: str
    description: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


@record_class
class LeadSource:
    id: int
    name: str
    description: str | None = None
    vendor: str | None = None
    medium: str | None = None
    message: str | None = None
    status: str = "ACTIVE"
    category_id: int | None = None
    start_time: str | None = None
    end_time: str | None = None


@record_class
class CustomField:
    id: int
    label: str
    field_type: str  # v1 spelling (Text, Dropdown, ...)
    options: list[dict[str, Any]] = field(default_factory=list)
    group_id: int | None = None
    default_value: str | None = None
    record_type: str = "CONTACT"

    @property
    def field_name(self) -> str:
        # Keap derives the database name from the label: letters and digits only.
        return "".join(ch for ch in self.label.title() if ch.isalnum())

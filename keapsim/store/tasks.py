"""Tasks (v1 ``/tasks``, v2 ``/tasks``) and appointments (v1 ``/appointments``).

One task record serves both versions; field names are the store's own, each adapter renames
(v1 ``due_date`` / v2 ``due_time`` → ``due_time``; v1 ``user_id`` / v2 ``assigned_to_user_id``
→ ``user_id``). Both are declared resources (``ResourceSpec``); what Keap does beyond CRUD is
in :meth:`TaskStore.normalise` (completion) and :meth:`AppointmentStore.normalise` (times).
Decisions where the documents are silent: ``docs/reference/crm-tasks-appointments-emails.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import Invalid
from .indexes import HashIndex, Index, SortedIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

# "Acceptable values are in [5,10,15,30,60,120,240,480,1440,2880]" (both documents' remind_time).
REMIND_MINUTES = (5, 10, 15, 30, 60, 120, 240, 480, 1440, 2880)
# v2's priority enum; v1 sends the legacy number (Infusionsoft's 1 = critical … 3 = non-
# essential; the documents give no mapping, keapsim's choice).
PRIORITIES = ("CRITICAL", "ESSENTIAL", "NONESSENTIAL")


@record_class
class Task:
    id: int
    title: str | None
    description: str | None
    type: str | None
    priority: int | None  # 1..3, PRIORITIES[priority - 1] in v2
    completed: bool
    completion_time: datetime | None
    due_time: datetime | None
    remind_time: int | None  # minutes before due_time
    user_id: int | None  # the assigned user
    contact_id: int | None
    opportunity_id: int | None
    accepted: bool
    url: str | None
    funnel_id: int | None
    jgraph_id: int | None
    create_time: datetime
    update_time: datetime
    created_by: int | None = None
    last_updated_by: int | None = None


def _optional(value: Any) -> tuple[Any, ...]:
    return () if value is None else (value,)


def task_indexes() -> list[Index[Any]]:
    return [
        HashIndex[Task]("contact_id", lambda t: _optional(t.contact_id)),
        HashIndex[Task]("user_id", lambda t: _optional(t.user_id)),
        SortedIndex[Task]("due_time", lambda t: _optional(t.due_time), ordering=True),
        SortedIndex[Task]("update_time", lambda t: (t.update_time,), ordering=True),
    ]


TASK_SPEC = ResourceSpec(
    record=Task,
    kind="Task",
    id_kind="task",
    noun="task",  # task.add / task.edit / task.delete (Keap's hook event keys)
    fields=(
        Field("title", max_length=255),
        Field("description"),
        Field("type"),
        Field("priority", int, minimum=1, maximum=len(PRIORITIES)),
        Field("completed", bool, default=False),
        Field("completion_time", datetime),
        Field("due_time", datetime),
        Field("remind_time", int),
        Field("user_id", int, reference="users"),
        Field("contact_id", int, reference="contacts"),
        Field("opportunity_id", int, reference="opportunities"),
        Field("accepted", bool, default=False),
        Field("url"),
        Field("funnel_id", int),
        Field("jgraph_id", int),
    ),
    created="create_time",
    updated="update_time",
    created_by="created_by",
    updated_by="last_updated_by",
    indexes=task_indexes,
)


def check_remind_time(values: dict[str, Any], name: str = "remind_time") -> None:
    minutes = values.get(name)
    if minutes is not None and minutes not in REMIND_MINUTES:
        listed = ", ".join(str(m) for m in REMIND_MINUTES)
        raise Invalid(f"remind_time must be one of {listed}", field="remind_time")


class TaskStore(DeclaredStore[Task]):
    spec = TASK_SPEC

    def attach(self) -> None:
        # A contact's tasks go with it, as its notes do (keapsim's choice: no source says).
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        for task in self.of_contact(contact.id):
            self.table.remove(task.id)

    def of_contact(self, contact_id: int) -> list[Task]:
        return list(self.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    def normalise(
        self, values: dict[str, Any], current: Task | None, now: datetime
    ) -> dict[str, Any]:
        """Completing a task stamps its completion time (unless one is given); reopening it
        clears the time."""
        out = dict(values)
        check_remind_time(out)
        if "completed" in out and out["completed"] is None:
            out["completed"] = False
        completed = out.get("completed", current.completed if current else False)
        if not completed:
            out["completion_time"] = None
        elif out.get("completion_time") is None and (current is None or not current.completed):
            out["completion_time"] = now
        elif "completed" not in out and out.get("completion_time") is not None:
            out["completed"] = True
        return out


@record_class
class Appointment:
    id: int
    title: str
    description: str | None
    location: str | None
    start_time: datetime
    end_time: datetime
    remind_time: int | None
    contact_id: int | None
    user_id: int | None
    create_time: datetime
    update_time: datetime


APPOINTMENT_SPEC = ResourceSpec(
    record=Appointment,
    kind="Appointment",
    id_kind="appointment",
    noun="appointment",  # appointment.add / .edit / .delete (Keap's hook event keys)
    fields=(
        # The v1 Appointment schema requires end_date, start_date and title.
        Field("title", required=True, max_length=255),
        Field("description"),
        Field("location"),
        Field("start_time", datetime, required=True),
        Field("end_time", datetime, required=True),
        Field("remind_time", int),
        Field("contact_id", int, reference="contacts"),
        Field("user_id", int, reference="users"),
    ),
    created="create_time",
    updated="update_time",
    indexes=lambda: [
        HashIndex[Appointment]("contact_id", lambda a: _optional(a.contact_id)),
        SortedIndex[Appointment]("start_time", lambda a: (a.start_time,), ordering=True),
    ],
)


class AppointmentStore(DeclaredStore[Appointment]):
    spec = APPOINTMENT_SPEC

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        lookup = Lookup("contact_id", "eq", contact.id)
        for appointment in list(self.select(Query(lookups=[lookup]))):
            self.table.remove(appointment.id)

    def normalise(
        self, values: dict[str, Any], current: Appointment | None, now: datetime
    ) -> dict[str, Any]:
        """An appointment cannot end before it starts (keapsim's rule; no source says)."""
        check_remind_time(values)
        start = values.get("start_time", current.start_time if current else None)
        end = values.get("end_time", current.end_time if current else None)
        if start is not None and end is not None and end < start:
            raise Invalid("end_date must not be before start_date", field="end_date")
        return values

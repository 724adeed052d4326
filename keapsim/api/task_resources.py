"""The declarations of tasks (v1 and v2 ``/tasks``) and appointments (v1 ``/appointments``):
their wire names per version, from which ``api/v1/declared.py`` and ``api/v2/declared.py``
generate get / update / delete (and create for appointments). Lists, searches, v1 task create,
v2 task create and v1 PUT are hand-written (``api/v1/tasks.py``, ``api/v2/tasks.py``).

Shapes: v1 ``Task`` / ``Appointment`` (inline springfox schemas of the v1 document; neither
declares ``id``, which keapsim sends as Keap does), v2 ``Task`` / ``CreateTaskRequest`` /
``CreateUpdateTaskRequest`` / ``UpdateTaskResponse``.
"""

from __future__ import annotations

from typing import Any

from ..store.tasks import APPOINTMENT_SPEC, PRIORITIES, TASK_SPEC
from .common import UNCONVERTIBLE, BadInput, as_int, compact, tenant
from .crud import ApiResource, Routes, WireField


def priority_out(value: int) -> str | None:
    """v1's number → v2's name (1 = CRITICAL … 3 = NONESSENTIAL: keapsim's mapping)."""
    return PRIORITIES[value - 1] if 1 <= value <= len(PRIORITIES) else None


def priority_in(value: Any, wire: str) -> int | None:
    if value is None:
        return None
    if value not in PRIORITIES:
        raise BadInput(f"{wire} must be one of {', '.join(PRIORITIES)}", field=wire)
    return PRIORITIES.index(value) + 1


def basic_contact_out(contact_id: int) -> dict[str, Any] | None:
    """v1's ``contact``: the ``BasicContact`` {id, email, first_name, last_name}."""
    contact = tenant().contacts.find(contact_id)
    if contact is None:
        return {"id": contact_id}
    return compact(
        {
            "id": contact.id,
            "email": contact.primary_email,
            "first_name": contact.given_name,
            "last_name": contact.family_name,
        }
    )


def basic_contact_in(value: Any, wire: str) -> int | None:
    """v1 names a task's contact by a ``BasicContact`` object; only its ``id`` counts."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field=wire)
    ident = value.get("id")
    return None if ident is None else as_int(ident, f"{wire}.id")


def user_string(value: int) -> str:
    return str(value)


TASKS = ApiResource(
    store="tasks",
    spec=TASK_SPEC,
    fields=(
        WireField("id", writable=False),
        WireField("title"),
        WireField("description"),
        WireField("type"),
        WireField("priority", v2=None),
        WireField("priority", v1=None, out=priority_out, into=priority_in),
        WireField("completed"),
        WireField("completion_time", v1="completion_date"),
        WireField("due_time", v1="due_date"),
        WireField("remind_time", v2="remind_time_mins"),
        WireField("user_id", v2="assigned_to_user_id"),
        WireField("contact_id", v1=None),
        WireField(
            "contact_id", v1="contact", v2=None, out=basic_contact_out, into=basic_contact_in
        ),
        WireField("opportunity_id", v1=None),
        WireField("accepted", v1=None),
        WireField("url", v2=None),
        WireField("funnel_id", v2=None),
        WireField("jgraph_id", v2=None),
        WireField("create_time", v1="creation_date", writable=False),
        WireField("update_time", v1="modification_date", v2="modification_time", writable=False),
        WireField("created_by", v1=None, v2="created_by_user_id", writable=False, out=user_string),
        WireField(
            "last_updated_by",
            v1=None,
            v2="last_updated_by_user_id",
            writable=False,
            out=user_string,
        ),
    ),
    v1=Routes("/tasks", "tasks", frozenset({"get", "update", "delete"})),
    v2=Routes("/tasks", "tasks", frozenset({"get", "update", "delete"})),
)

APPOINTMENTS = ApiResource(
    store="appointments",
    spec=APPOINTMENT_SPEC,
    fields=(
        WireField("id", writable=False),
        WireField("title"),
        WireField("description"),
        WireField("location"),
        WireField("start_time", v1="start_date"),
        WireField("end_time", v1="end_date"),
        WireField("remind_time"),
        WireField("contact_id"),
        WireField("user_id", v1="user"),
    ),
    v1=Routes("/appointments", "appointments", frozenset({"create", "get", "update", "delete"})),
)

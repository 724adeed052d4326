"""v1 tasks and appointments: the hand-written parts (lists with their filters, ``tasks/search``,
task create, PUT); get / PATCH / DELETE come from the declarations in
``keapsim/api/task_resources.py``. One store serves v1 and v2 (``keapsim/store/tasks.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid
from ...store.tasks import Appointment, Task
from ...wire import jsonify
from ..common import (
    BadInput,
    as_bool,
    json_body,
    path_id,
    query_int,
    query_time,
    tenant,
)
from ..crud import body_in, record_out
from ..paging import v1_window
from ..task_resources import APPOINTMENTS, TASKS
from . import blueprint

# v1 ``order`` names (the document says only "Attribute to order items by"; keapsim's set).
TASK_ORDERS: dict[str, Callable[[Task], Any]] = {
    "id": lambda t: t.id,
    "due_date": lambda t: t.due_time,
    "creation_date": lambda t: t.create_time,
    "modification_date": lambda t: t.update_time,
}


def _flag(name: str) -> bool | None:
    value = request.args.get(name)
    return None if value in (None, "") else as_bool(value, name)


def _in_window(moment: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    if moment is None:
        return False
    return (since is None or moment >= since) and (until is None or moment <= until)


def _task_filter(default_user: int | None) -> Callable[[Task], bool]:
    """``completed``, ``contact_id``, ``has_due_date``, ``user_id``; ``since``/``until`` bound
    the due date (keapsim's reading: the document names no field)."""
    completed, has_due = _flag("completed"), _flag("has_due_date")
    contact_id = query_int("contact_id")
    user_id = query_int("user_id", default_user)
    since, until = query_time("since"), query_time("until")

    def test(task: Task) -> bool:
        return (
            (completed is None or task.completed == completed)
            and (has_due is None or (task.due_time is not None) == has_due)
            and (contact_id is None or task.contact_id == contact_id)
            and (user_id is None or task.user_id == user_id)
            and _in_window(task.due_time, since, until)
        )

    return test


def _task_page(tasks: Iterable[Task]) -> Response:
    order = request.args.get("order") or "id"
    if order not in TASK_ORDERS:
        raise BadInput(f"order must be one of {', '.join(TASK_ORDERS)}", field="order")
    key = TASK_ORDERS[order]
    ordered = sorted(tasks, key=lambda t: (key(t) is None, key(t) or 0, t.id))
    page, meta = v1_window(ordered)
    return jsonify({"tasks": [record_out(TASKS, t, "v1") for t in page], **meta})


@blueprint.get("/tasks")
def list_tasks() -> Response:
    return _task_page(tenant().tasks.table.scan(_task_filter(None)))


@blueprint.get("/tasks/search")
def search_tasks() -> Response:
    """ "Tasks belonging to the authenticated user": every key and token acts as the account
    owner, whose tasks these are unless ``user_id`` names another user."""
    owner = tenant().users.account_owner().id
    return _task_page(tenant().tasks.table.scan(_task_filter(owner)))


def _task_values(*, replacing: bool) -> dict[str, Any]:
    values = body_in(TASKS, json_body(), "v1")
    if replacing:  # PUT: what the body leaves out is cleared (defaults come back)
        for field in TASKS.spec.fields:
            values.setdefault(field.name, field.initial())
    return values


@blueprint.post("/tasks")
def create_task() -> Response:
    """ "Contact must contain at least one item in the fields title and due_date" (the v1
    create description): keapsim requires a title; the due date is optional as in v2. The
    task is assigned to the authenticated user unless ``user_id`` is given."""
    values = _task_values(replacing=False)
    if not values.get("title"):
        raise Invalid("title is required", field="title")
    values.setdefault("user_id", tenant().users.account_owner().id)
    return jsonify(record_out(TASKS, tenant().tasks.create(**values), "v1"))


@blueprint.put("/tasks/<ident>")
def replace_task(ident: str) -> Response:
    number = path_id(ident, "Task")
    tenant().tasks.get(number)
    values = _task_values(replacing=True)
    return jsonify(record_out(TASKS, tenant().tasks.update(number, **values), "v1"))


# -- appointments ----------------------------------------------------------------------------
@blueprint.get("/appointments")
def list_appointments() -> Response:
    """Appointments by id; ``contact_id`` selects a contact's, ``since``/``until`` bound the
    start time (keapsim's reading)."""
    contact_id = query_int("contact_id")
    since, until = query_time("since"), query_time("until")

    def test(appointment: Appointment) -> bool:
        return (contact_id is None or appointment.contact_id == contact_id) and _in_window(
            appointment.start_time, since, until
        )

    page, meta = v1_window(list(tenant().appointments.table.scan(test)))
    items = [record_out(APPOINTMENTS, a, "v1") for a in page]
    return jsonify({"appointments": items, **meta})


@blueprint.put("/appointments/<ident>")
def replace_appointment(ident: str) -> Response:
    """ "Replaces all values of a given appointment": what the body leaves out is cleared."""
    number = path_id(ident, "Appointment")
    tenant().appointments.get(number)
    values = body_in(APPOINTMENTS, json_body(), "v1")
    for field in APPOINTMENTS.spec.fields:
        values.setdefault(field.name, field.initial())
    updated = tenant().appointments.update(number, **values)
    return jsonify(record_out(APPOINTMENTS, updated, "v1"))

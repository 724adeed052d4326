"""v2 tasks: the list (filters and orders of ``GET /tasks``) and create; get / PATCH / DELETE
come from the declaration in ``keapsim/api/task_resources.py``. The store is shared with v1
(``keapsim/api/v1/tasks.py``): a task made here reads there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.tasks import Task
from ...wire import jsonify
from ..common import as_bool, json_body, tenant
from ..crud import body_in, record_out
from ..task_resources import TASKS, priority_in
from . import blueprint
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    positive_int,
    text_matches,
    timestamp,
    to_millis,
)
from .listing import filtered_page

UNASSIGNED = "UNASSIGNED"  # "user_id==UNASSIGNED" (GET /tasks description)
TASK_FILTERS = {
    "contact_id": EQ,
    "has_due_date": EQ,
    "is_completed": EQ,
    "user_id": EQ,
    "opportunity_id": EQ,
    "task_ids": EQ,
    "priority": EQ,
    "since_time": EQ,
    "until_time": EQ,
    "id": COMPARE,
    "title": EQ,
}
TASK_ORDERS: dict[str, Callable[[Task], Any]] = {
    "id": lambda t: t.id,
    "create_time": lambda t: t.create_time,
    "due_time": lambda t: t.due_time,
    "update_time": lambda t: t.update_time,
}


def _id_test(name: str, value: str, read: Callable[[Task], int | None]) -> Callable[[Task], bool]:
    number = positive_int(value, name)
    return lambda t: read(t) == number


def _task_test(clause: Clause) -> Callable[[Task], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "id":
        number = positive_int(value, name)
        return lambda t: compare(t.id, op, number)
    if name == "task_ids":
        wanted = id_set(value, name)
        return lambda t: t.id in wanted
    if name == "user_id" and value.upper() == UNASSIGNED:
        return lambda t: t.user_id is None
    if name in ("contact_id", "user_id", "opportunity_id"):
        return _id_test(name, value, lambda t: getattr(t, name))
    if name == "has_due_date":
        due = as_bool(value, name)
        return lambda t: (t.due_time is not None) == due
    if name == "is_completed":
        done = as_bool(value, name)
        return lambda t: t.completed == done
    if name == "priority":
        level = priority_in(value, name)
        return lambda t: t.priority == level
    if name == "title":
        return lambda t: text_matches(t.title, value)
    # since_time / until_time bound the due time (keapsim's reading: the document names none).
    moment = timestamp(value, name)
    if name == "since_time":
        return lambda t: t.due_time is not None and to_millis(t.due_time) >= moment
    return lambda t: t.due_time is not None and to_millis(t.due_time) <= moment


@blueprint.get("/tasks")
def list_tasks() -> Response:
    body = filtered_page(
        "tasks",
        tenant().tasks.table.scan(),
        lambda t: record_out(TASKS, t, "v2"),
        filters=TASK_FILTERS,
        test=_task_test,
        orders=TASK_ORDERS,
    )
    return jsonify(body)


@blueprint.post("/tasks")
def create_task() -> tuple[Response, int]:
    """``assigned_to_user_id`` is required (CreateTaskRequest)."""
    values = body_in(TASKS, json_body(), "v2")
    if values.get("user_id") is None:
        raise Invalid("assigned_to_user_id is required", field="assigned_to_user_id")
    return jsonify(record_out(TASKS, tenant().tasks.create(**values), "v2")), 201

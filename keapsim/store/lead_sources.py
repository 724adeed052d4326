"""Lead sources and their categories (v2 only; keap-facts.md §4.6)."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .errors import Conflict, Invalid, NotFound
from .indexes import HashIndex
from .records import LeadSource, LeadSourceCategory
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec, refuse_if_used

LEAD_SOURCE_CATEGORY = ResourceSpec(
    record=LeadSourceCategory,
    kind="Lead Source Category",
    id_kind="lead_source_category",
    # No source names a hook event for lead source categories; the noun is keapsim's own.
    noun="leadsourceCategory",
    fields=(Field("name", max_length=255), Field("description")),
    created="create_time",
    updated="update_time",
)


class LeadSourceCategoryStore(DeclaredStore[LeadSourceCategory]):
    spec = LEAD_SOURCE_CATEGORY

    def normalise(
        self, values: dict[str, Any], current: LeadSourceCategory | None, now: datetime
    ) -> dict[str, Any]:
        """ "The name of the category, must be unique" (CreateUpdateLeadSourceCategoryRequest):
        a second category of the same name (ignoring case) is a Conflict (409)."""
        name = values.get("name")
        if current is None and not name:
            raise Invalid("name is required", field="name")
        if name is None:
            return values
        if not isinstance(name, str) or not name.strip():
            raise Invalid("name is required", field="name")
        for other in self.table.values():
            if other.name.casefold() == name.strip().casefold() and (
                current is None or other.id != current.id
            ):
                raise Conflict(
                    f"A lead source category named {name!r} already exists",
                    other.id,
                    kind="Lead Source Category",
                )
        return {**values, "name": name.strip()}

    def check_delete(self, record: LeadSourceCategory) -> None:
        """The document does not say what becomes of the lead sources in a deleted category;
        keapsim refuses (409) rather than change them silently."""
        count = sum(s.category_id == record.id for s in self.tenant.lead_sources.values())
        refuse_if_used(count, "Lead Source Category", record.id, "lead source(s)")


class LeadSourceStore(RecordStore[LeadSource]):
    record_type = LeadSource

    def make_table(self) -> Table[LeadSource]:
        return Table(self.core, kind="Lead Source", id_kind="lead_source", noun="leadsource")

    def create(self, name: str, **fields: Any) -> LeadSource:
        if not name or not isinstance(name, str):
            raise Invalid("name is required", field="name")
        with self.core.write():
            category_id = fields.get("category_id")
            if category_id is not None:
                self.tenant.lead_source_categories.get(category_id)
            return self.table.add(LeadSource(self.table.new_id(), name, **fields))

    def update(self, source_id: int, **changes: Any) -> LeadSource:
        with self.core.write():
            return self.table.replace(replace(self.get(source_id), **changes))


# -- expenses --------------------------------------------------------------------------------
@record_class
class LeadSourceExpense:
    """Money spent on a lead source. ``amount`` is in the account's currency (dollars, not the
    cents the v2 wire carries)."""

    id: int
    lead_source_id: int
    amount: Decimal
    title: str | None = None
    notes: str | None = None
    incurred_time: datetime | None = None
    lead_source_recurring_expense_id: int | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


@record_class
class LeadSourceRecurringExpense:
    """A monthly cost ("The monthly cost of the lead source recurring expense", v2 document):
    from ``start_time`` on, every month until ``end_time``, it incurs an expense;
    ``next_expense_time`` is the next one (``None`` once it has ended)."""

    id: int
    lead_source_id: int
    amount: Decimal
    title: str | None = None
    notes: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    next_expense_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


def _expense_fields(*extra: Field) -> tuple[Field, ...]:
    return (
        Field("lead_source_id", int, required=True, reference="lead_sources"),
        # "minimum: 0" (CreateLeadSourceExpenseRequest.amount).
        Field("amount", Decimal, required=True, minimum=0),
        Field("title", max_length=255),
        Field("notes"),
        *extra,
    )


LEAD_SOURCE_EXPENSE = ResourceSpec(
    record=LeadSourceExpense,
    kind="Lead Source Expense",
    id_kind="lead_source_expense",
    # No source names a hook event for expenses; the noun is keapsim's own.
    noun="leadsourceExpense",
    fields=_expense_fields(
        Field("incurred_time", datetime),
        Field("lead_source_recurring_expense_id", int),
    ),
    created="create_time",
    updated="update_time",
    indexes=lambda: [HashIndex[LeadSourceExpense]("lead_source_id", _by_lead_source)],
)

LEAD_SOURCE_RECURRING_EXPENSE = ResourceSpec(
    record=LeadSourceRecurringExpense,
    kind="Lead Source Recurring Expense",
    id_kind="lead_source_recurring_expense",
    noun="leadsourceRecurringExpense",
    fields=_expense_fields(
        Field("start_time", datetime),
        Field("end_time", datetime),
        Field("next_expense_time", datetime),
    ),
    created="create_time",
    updated="update_time",
    indexes=lambda: [HashIndex[LeadSourceRecurringExpense]("lead_source_id", _by_lead_source)],
)


def _by_lead_source(record: LeadSourceExpense | LeadSourceRecurringExpense) -> tuple[int]:
    return (record.lead_source_id,)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months later, on the same day or the month's last."""
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def next_occurrence(
    start: datetime, end: datetime | None, at_or_after: datetime
) -> datetime | None:
    """The first monthly occurrence of ``start`` (``start + k`` months, k ≥ 0) at or after
    ``at_or_after``, or ``None`` when it would fall after ``end``."""
    months = max(0, (at_or_after.year - start.year) * 12 + at_or_after.month - start.month - 1)
    moment = add_months(start, months)
    while moment < at_or_after:
        months += 1
        moment = add_months(start, months)
    return None if end is not None and moment > end else moment


class _OfLeadSource(Protocol):
    id: int
    lead_source_id: int


Child = TypeVar("Child", bound=_OfLeadSource)


class _LeadSourceChildStore(DeclaredStore[Child]):
    """An expense kind: belongs to a lead source, goes with it."""

    def attach(self) -> None:
        self.tenant.lead_sources.table.on_remove.append(self._forget_lead_source)

    def _forget_lead_source(self, source: LeadSource) -> None:
        for record in self.of_lead_source(source.id):
            self.table.remove(record.id)

    def of_lead_source(self, lead_source_id: int | None) -> list[Child]:
        """The lead source's records in id order (every lead source's with ``None``)."""
        if lead_source_id is None:
            return self.table.values()
        return list(
            self.table.select(Query(lookups=[Lookup("lead_source_id", "eq", lead_source_id)]))
        )

    def of(self, lead_source_id: int, ident: int) -> Child:
        """The record, when it belongs to that lead source (NotFound otherwise)."""
        self.tenant.lead_sources.get(lead_source_id)
        record = self.get(ident)
        if record.lead_source_id != lead_source_id:
            raise NotFound(self.spec.kind, ident)
        return record


class LeadSourceExpenseStore(_LeadSourceChildStore[LeadSourceExpense]):
    spec = LEAD_SOURCE_EXPENSE

    def normalise(
        self, values: dict[str, Any], current: LeadSourceExpense | None, now: datetime
    ) -> dict[str, Any]:
        # An expense without an incurred time was incurred when it was recorded (keapsim).
        if current is None and values.get("incurred_time") is None:
            return {**values, "incurred_time": now}
        return values


class LeadSourceRecurringExpenseStore(_LeadSourceChildStore[LeadSourceRecurringExpense]):
    spec = LEAD_SOURCE_RECURRING_EXPENSE

    def attach(self) -> None:
        super().attach()
        # Expenses it incurred stay (they were spent) but no longer name it.
        self.table.on_remove.append(self._orphan_expenses)

    def _orphan_expenses(self, recurring: LeadSourceRecurringExpense) -> None:
        expenses = self.tenant.lead_source_expenses
        for expense in expenses.of_lead_source(recurring.lead_source_id):
            if expense.lead_source_recurring_expense_id == recurring.id:
                expenses.table.replace(replace(expense, lead_source_recurring_expense_id=None))

    def normalise(
        self, values: dict[str, Any], current: LeadSourceRecurringExpense | None, now: datetime
    ) -> dict[str, Any]:
        """A recurring expense starts now unless told otherwise; its next expense is the first
        monthly occurrence of its start from now on (keapsim does not back-fill months that
        passed before it was recorded)."""
        values = dict(values)
        if current is None and values.get("start_time") is None:
            values["start_time"] = now
        start = values.get("start_time", current.start_time if current else None) or now
        end = values.get("end_time", current.end_time if current else None)
        if end is not None and end < start:
            raise Invalid("end_time must not be before start_time", field="end_time")
        if current is None or {"start_time", "end_time"} & set(values):
            values["next_expense_time"] = next_occurrence(start, end, now)
        return values

    def incur_due(self) -> list[LeadSourceExpense]:
        """Record every monthly expense whose time the clock has reached; returns them."""
        incurred: list[LeadSourceExpense] = []
        with self.core.write():
            now = self.core.now()
            for recurring in self.table.values():
                incurred += self._incur(recurring, now)
        return incurred

    def _incur(
        self, recurring: LeadSourceRecurringExpense, now: datetime
    ) -> list[LeadSourceExpense]:
        due = recurring.next_expense_time
        if due is None or due > now or recurring.start_time is None:
            return []
        made = []
        while due is not None and due <= now:
            made.append(
                self.tenant.lead_source_expenses.create(
                    lead_source_id=recurring.lead_source_id,
                    amount=recurring.amount,
                    title=recurring.title,
                    notes=recurring.notes,
                    incurred_time=due,
                    lead_source_recurring_expense_id=recurring.id,
                )
            )
            after = due + timedelta(seconds=1)
            due = next_occurrence(recurring.start_time, recurring.end_time, after)
        self.table.replace(replace(recurring, next_expense_time=due))
        return made

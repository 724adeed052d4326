"""v2 lead-source expenses and recurring expenses (keap-facts.md §4.6: sub-resources of a lead
source). Shapes: ``LeadSourceExpense``, ``LeadSourceRecurringExpense``, their create/update
requests and list responses (``swagger.yml``).

Money: requests carry ``amount`` as an integer in the currency's smallest unit ("$225.50
would be provided in the request as 22550"); the store keeps a ``Decimal`` in the currency
unit; answers carry a ``CurrencyValue`` (cents, currency code, formatted amount). The
documents do not name the account's currency; keapsim's accounts are in US dollars.

A recurring expense incurs an expense every month from its start (the store's
``incur_due``); keapsim does it when any expense route is called, so what a client reads
always reflects the simulated clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid
from ...store.lead_sources import LeadSourceExpense, LeadSourceRecurringExpense
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_datetime, as_int, json_body, path_id, tenant
from . import blueprint
from .filters import (
    EQ,
    Clause,
    masked,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import filtered_page

CURRENCY = "USD"
CENTS = Decimal("0.01")
ALL_LEAD_SOURCES = "-"  # "Use '-' as a wildcard to list ... across all lead sources"
EXPENSES = "/leadSources/<lead_source_id>/expenses"
RECURRING = "/leadSources/<lead_source_id>/recurringExpenses"
EXPENSE_TIMES = ("incurred_time", "create_time", "update_time")
RECURRING_TIMES = ("start_time", "end_time", "next_expense_time", "create_time", "update_time")

Record = LeadSourceExpense | LeadSourceRecurringExpense


# -- money -----------------------------------------------------------------------------------
def currency_value(amount: Decimal) -> dict[str, Any]:
    """``CurrencyValue``: "The price amount in the smallest currency unit"."""
    cents = int((amount / CENTS).to_integral_value())
    return {
        "amount": cents,
        "currency_code": CURRENCY,
        "formatted_amount": f"${amount.quantize(CENTS):,}",
    }


def amount_in(value: Any) -> Decimal:
    """An int64 ≥ 0 of cents (the request schemas) as a Decimal of dollars."""
    cents = as_int(value, "amount")
    if cents < 0:
        raise Invalid("amount must be at least 0", field="amount")
    return Decimal(cents) * CENTS


# -- shapes ----------------------------------------------------------------------------------
def _time(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def _common_out(record: Record) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "title": record.title,
        "notes": record.notes,
        "amount": currency_value(record.amount),
        "lead_source_id": str(record.lead_source_id),
        "create_time": _time(record.create_time),
        "update_time": _time(record.update_time),
    }


def expense_v2(expense: LeadSourceExpense) -> dict[str, Any]:
    recurring = expense.lead_source_recurring_expense_id
    body = {
        **_common_out(expense),
        "lead_source_recurring_expense_id": None if recurring is None else str(recurring),
        "incurred_time": _time(expense.incurred_time),
    }
    return {k: v for k, v in body.items() if v is not None}


def recurring_v2(recurring: LeadSourceRecurringExpense) -> dict[str, Any]:
    body = {
        **_common_out(recurring),
        "start_time": _time(recurring.start_time),
        "end_time": _time(recurring.end_time),
        "next_expense_time": _time(recurring.next_expense_time),
    }
    return {k: v for k, v in body.items() if v is not None}


# -- bodies ----------------------------------------------------------------------------------
def _fields_in(body: dict[str, Any], times: tuple[str, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("title", "notes"):
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, str):
                raise BadInput(UNCONVERTIBLE, field=name)
            fields[name] = value
    if body.get("amount") is not None:
        fields["amount"] = amount_in(body["amount"])
    for name in times:
        if name in body:
            fields[name] = None if body[name] is None else as_datetime(body[name], name)
    return fields


# -- reading ---------------------------------------------------------------------------------
def _lead_sources(the_tenant: Tenant, lead_source_id: str) -> int | None:
    """The lead source a list reads (``None``: every one, for the ``-`` wildcard)."""
    if lead_source_id == ALL_LEAD_SOURCES:
        the_tenant.lead_source_recurring_expenses.incur_due()
        return None
    return _lead_source(the_tenant, lead_source_id)


def _lead_source(the_tenant: Tenant, lead_source_id: str) -> int:
    """The lead source of the path (404 when missing), after recording the expenses due."""
    the_tenant.lead_source_recurring_expenses.incur_due()
    return the_tenant.lead_sources.get(path_id(lead_source_id, "Lead Source")).id


def _test(clause: Clause) -> Callable[[Record], bool]:
    name, value = clause.field, clause.value
    if name == "title":
        return lambda r: text_matches(r.title, value)
    if name == "amount":
        # "(Long) amount", e.g. ``amount==2500``: cents, as the requests send it.
        if not value.isdecimal() or len(value) > 18:
            raise BadInput(f"Invalid value for amount: {value}", field="filter")
        wanted = Decimal(int(value)) * CENTS
        return lambda r: r.amount == wanted
    moment = to_millis(timestamp(value, name))
    return lambda r: (t := getattr(r, name)) is not None and to_millis(t) == moment


def _orders(times: tuple[str, ...]) -> dict[str, Callable[[Any], Any]]:
    orders: dict[str, Callable[[Any], Any]] = {
        "title": lambda r: (r.title or "").casefold() or None,
        "amount": lambda r: r.amount,
    }
    return {**orders, **{name: attrgetter(name) for name in times}}


def _listing(
    records: list[Any], times: tuple[str, ...], key: str, out: Callable[[Any], dict[str, Any]]
) -> Response:
    filters: dict[str, Iterable[str]] = {"title": EQ, "amount": EQ, **{n: EQ for n in times}}
    body = filtered_page(key, records, out, filters=filters, test=_test, orders=_orders(times))
    return jsonify(body)


# -- expenses --------------------------------------------------------------------------------
@blueprint.get(EXPENSES)
def list_expenses(lead_source_id: str) -> Response:
    the_tenant = tenant()
    source = _lead_sources(the_tenant, lead_source_id)
    records = the_tenant.lead_source_expenses.of_lead_source(source)
    return _listing(records, EXPENSE_TIMES, "lead_source_expenses", expense_v2)


@blueprint.post(EXPENSES)
def create_expense(lead_source_id: str) -> tuple[Response, int]:
    the_tenant = tenant()
    source = _lead_source(the_tenant, lead_source_id)
    body = json_body()
    if body.get("amount") is None:
        raise Invalid("amount is required", field="amount")
    fields = _fields_in(body, ("incurred_time",))
    expense = the_tenant.lead_source_expenses.create(lead_source_id=source, **fields)
    return jsonify(expense_v2(expense)), 201


def _expense(the_tenant: Tenant, lead_source_id: str, expense_id: str) -> LeadSourceExpense:
    source = _lead_source(the_tenant, lead_source_id)
    ident = path_id(expense_id, "Lead Source Expense")
    return the_tenant.lead_source_expenses.of(source, ident)


@blueprint.get(EXPENSES + "/<expense_id>")
def get_expense(lead_source_id: str, expense_id: str) -> Response:
    return jsonify(expense_v2(_expense(tenant(), lead_source_id, expense_id)))


@blueprint.patch(EXPENSES + "/<expense_id>")
def update_expense(lead_source_id: str, expense_id: str) -> Response:
    the_tenant = tenant()
    expense = _expense(the_tenant, lead_source_id, expense_id)
    mask = update_mask(("title", "notes", "amount", "incurred_time"))
    changes = masked(_fields_in(json_body(), ("incurred_time",)), mask)
    return jsonify(expense_v2(the_tenant.lead_source_expenses.update(expense.id, **changes)))


@blueprint.delete(EXPENSES + "/<expense_id>")
def delete_expense(lead_source_id: str, expense_id: str) -> tuple[str, int]:
    the_tenant = tenant()
    expense = _expense(the_tenant, lead_source_id, expense_id)
    the_tenant.lead_source_expenses.delete(expense.id)
    return "", 204


# -- recurring expenses ----------------------------------------------------------------------
@blueprint.get(RECURRING)
def list_recurring_expenses(lead_source_id: str) -> Response:
    the_tenant = tenant()
    source = _lead_sources(the_tenant, lead_source_id)
    records = the_tenant.lead_source_recurring_expenses.of_lead_source(source)
    return _listing(records, RECURRING_TIMES, "lead_source_recurring_expenses", recurring_v2)


@blueprint.post(RECURRING)
def create_recurring_expense(lead_source_id: str) -> tuple[Response, int]:
    the_tenant = tenant()
    source = _lead_source(the_tenant, lead_source_id)
    body = json_body()
    if body.get("amount") is None:
        raise Invalid("amount is required", field="amount")
    fields = _fields_in(body, ("start_time", "end_time"))
    store = the_tenant.lead_source_recurring_expenses
    recurring = store.create(lead_source_id=source, **fields)
    store.incur_due()  # one starting now incurs its first month at once
    return jsonify(recurring_v2(store.get(recurring.id))), 201


def _recurring(
    the_tenant: Tenant, lead_source_id: str, recurring_id: str
) -> LeadSourceRecurringExpense:
    source = _lead_source(the_tenant, lead_source_id)
    ident = path_id(recurring_id, "Lead Source Recurring Expense")
    return the_tenant.lead_source_recurring_expenses.of(source, ident)


@blueprint.get(RECURRING + "/<recurring_id>")
def get_recurring_expense(lead_source_id: str, recurring_id: str) -> Response:
    return jsonify(recurring_v2(_recurring(tenant(), lead_source_id, recurring_id)))


@blueprint.patch(RECURRING + "/<recurring_id>")
def update_recurring_expense(lead_source_id: str, recurring_id: str) -> Response:
    the_tenant = tenant()
    recurring = _recurring(the_tenant, lead_source_id, recurring_id)
    mask = update_mask(("title", "notes", "amount", "start_time", "end_time"))
    changes = masked(_fields_in(json_body(), ("start_time", "end_time")), mask)
    store = the_tenant.lead_source_recurring_expenses
    store.update(recurring.id, **changes)
    store.incur_due()
    return jsonify(recurring_v2(store.get(recurring.id)))


@blueprint.delete(RECURRING + "/<recurring_id>")
def delete_recurring_expense(lead_source_id: str, recurring_id: str) -> tuple[str, int]:
    the_tenant = tenant()
    recurring = _recurring(the_tenant, lead_source_id, recurring_id)
    the_tenant.lead_source_recurring_expenses.delete(recurring.id)
    return "", 204


@blueprint.get(RECURRING + "/<recurring_id>/expenses")
def list_incurred_expenses(lead_source_id: str, recurring_id: str) -> Response:
    the_tenant = tenant()
    recurring = _recurring(the_tenant, lead_source_id, recurring_id)
    records = [
        e
        for e in the_tenant.lead_source_expenses.of_lead_source(recurring.lead_source_id)
        if e.lead_source_recurring_expense_id == recurring.id
    ]
    return _listing(records, EXPENSE_TIMES, "lead_source_expenses", expense_v2)

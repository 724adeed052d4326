"""The monthly arithmetic of recurring lead-source expenses (``store/lead_sources.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from keapsim.store import Tenant
from keapsim.store.lead_sources import add_months, next_occurrence


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 30, tzinfo=UTC)


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(at(2026, 1, 31), 1) == at(2026, 2, 28)
    assert add_months(at(2028, 1, 31), 1) == at(2028, 2, 29)
    assert add_months(at(2026, 11, 15), 3) == at(2027, 2, 15)
    assert add_months(at(2026, 3, 31), 0) == at(2026, 3, 31)


def test_next_occurrence_counts_from_the_start_not_from_the_last_one() -> None:
    start = at(2026, 1, 31)
    # After February's clamped 28th, March is the 31st again.
    assert next_occurrence(start, None, at(2026, 3, 1)) == at(2026, 3, 31)
    assert next_occurrence(start, None, start) == start
    assert next_occurrence(start, None, at(2025, 6, 1)) == start  # not before the start
    assert next_occurrence(start, at(2026, 3, 30), at(2026, 3, 1)) is None  # after the end


def test_incur_due_records_each_month_once() -> None:
    now = [at(2026, 1, 10)]
    tenant = Tenant("t", lambda: now[0])
    source = tenant.lead_sources.create("Ads")
    store = tenant.lead_source_recurring_expenses
    recurring = store.create(lead_source_id=source.id, amount=Decimal("9.99"), title="Ads")
    assert [e.incurred_time for e in store.incur_due()] == [at(2026, 1, 10)]
    assert store.incur_due() == []
    now[0] += timedelta(days=62)  # 13 March: February and March are due
    made = store.incur_due()
    assert [e.incurred_time for e in made] == [at(2026, 2, 10), at(2026, 3, 10)]
    assert all(e.amount == Decimal("9.99") and e.lead_source_recurring_expense_id for e in made)
    assert store.get(recurring.id).next_expense_time == at(2026, 4, 10)
    assert len(tenant.lead_source_expenses) == 3

"""v2 lead-source categories (declared CRUD), expenses and recurring expenses (money in
cents on the wire, Decimal in the store; monthly expenses on the simulated clock)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2

CATEGORIES = "/leadSourceCategories"
DAY = timedelta(days=1).total_seconds()


@pytest.fixture
def source(api: V2) -> str:
    return api.post("/leadSources", 201, json={"name": "Google Ads"})["id"]


def test_lead_source_category_crud(api: V2, sim: Simulator, tenant: Tenant) -> None:
    paid = api.post(CATEGORIES, 201, json={"name": "Paid", "description": "Paid channels"})
    assert paid["name"] == "Paid" and paid["create_time"] == paid["update_time"]
    organic = api.post(CATEGORIES, 201, json={"name": "Organic"})
    api.error("POST", CATEGORIES, 409, json={"name": "paid"})  # "must be unique"
    api.error("POST", CATEGORIES, 400, json={"description": "no name"})
    assert api.get(f"{CATEGORIES}/{paid['id']}") == paid
    listed = api.get(CATEGORIES)["lead_source_categories"]
    assert [c["name"] for c in listed] == ["Paid", "Organic"]
    by_name = api.get(CATEGORIES, params={"order_by": "name"})["lead_source_categories"]
    assert [c["name"] for c in by_name] == ["Organic", "Paid"]
    found = api.get(CATEGORIES, params={"filter": "description==paid*"})["lead_source_categories"]
    assert [c["id"] for c in found] == [paid["id"]]
    sim.clock.advance(5)
    patched = api.patch(f"{CATEGORIES}/{paid['id']}", json={"description": "Ads"})
    assert patched["description"] == "Ads" and patched["update_time"] > patched["create_time"]
    masked = api.patch(
        f"{CATEGORIES}/{paid['id']}",
        params={"update_mask": "name"},
        json={"name": "Paid ads", "description": "x"},
    )
    assert masked["name"] == "Paid ads" and masked["description"] == "Ads"
    assert tenant.lead_source_categories.get(int(paid["id"])).name == "Paid ads"
    # A category lead sources are in is not deleted (409); an empty one is.
    api.post("/leadSources", 201, json={"name": "Bing", "lead_source_category_id": paid["id"]})
    api.error("DELETE", f"{CATEGORIES}/{paid['id']}", 409)
    api.delete(f"{CATEGORIES}/{organic['id']}")
    api.error("GET", f"{CATEGORIES}/{organic['id']}", 404)
    assert list(tenant.lead_source_categories) == [int(paid["id"])]


def test_expense_crud(api: V2, sim: Simulator, tenant: Tenant, source: str) -> None:
    path = f"/leadSources/{source}/expenses"
    created = api.post(
        path,
        201,
        json={
            "title": "Q1 ads",
            "notes": "spend",
            "amount": 22550,
            "incurred_time": "2026-03-15T00:00:00Z",
        },
    )
    assert created["amount"] == {
        "amount": 22550,
        "currency_code": "USD",
        "formatted_amount": "$225.50",
    }
    assert (
        created["lead_source_id"] == source
        and created["incurred_time"] == "2026-03-15T00:00:00.000Z"
    )
    stored = tenant.lead_source_expenses.get(int(created["id"]))
    assert stored.amount == Decimal("225.50") and isinstance(stored.amount, Decimal)
    assert api.get(f"{path}/{created['id']}") == created
    sim.clock.advance(5)
    patched = api.patch(f"{path}/{created['id']}", json={"amount": 100, "title": "Q1"})
    assert patched["amount"]["amount"] == 100 and patched["title"] == "Q1"
    masked = api.patch(
        f"{path}/{created['id']}", params={"update_mask": "notes"}, json={"notes": "n", "amount": 5}
    )
    assert masked["notes"] == "n" and masked["amount"]["amount"] == 100
    second = api.post(path, 201, json={"amount": 0})
    assert second["incurred_time"] == second["create_time"]  # incurred when recorded
    assert [e["id"] for e in api.get(path)["lead_source_expenses"]] == [created["id"], second["id"]]
    cheap = api.get(path, params={"filter": "amount==0"})["lead_source_expenses"]
    assert [e["id"] for e in cheap] == [second["id"]]
    dearest = api.get(path, params={"order_by": "amount desc"})["lead_source_expenses"]
    assert dearest[0]["id"] == created["id"]
    api.error("POST", path, 400, json={"title": "no amount"})
    api.error("POST", path, 400, json={"amount": -1})
    api.error("POST", path, 400, json={"amount": "lots"})
    # A time that cannot be shown in UTC (before year 1 there) is unconvertible, not a 500.
    api.error("POST", path, 400, json={"amount": 1, "incurred_time": "0001-01-01T00:00:00+05:00"})
    api.error("POST", "/leadSources/999/expenses", 404, json={"amount": 1})
    api.delete(f"{path}/{second['id']}")
    api.error("GET", f"{path}/{second['id']}", 404)
    other = api.post("/leadSources", 201, json={"name": "Bing"})["id"]
    api.error("GET", f"/leadSources/{other}/expenses/{created['id']}", 404)  # not its expense
    everywhere = api.get("/leadSources/-/expenses")["lead_source_expenses"]
    assert [e["id"] for e in everywhere] == [created["id"]]
    # A deleted lead source takes its expenses with it.
    api.delete(f"/leadSources/{source}")
    assert tenant.lead_source_expenses == {}


def test_recurring_expense_incurs_monthly(
    api: V2, sim: Simulator, tenant: Tenant, source: str
) -> None:
    path = f"/leadSources/{source}/recurringExpenses"
    recurring = api.post(path, 201, json={"title": "Monthly ads", "amount": 5000})
    assert recurring["amount"]["formatted_amount"] == "$50.00"
    assert recurring["start_time"] == recurring["create_time"]
    rid = recurring["id"]
    # Starting now, the first month is incurred at once; the next one a month later.
    incurred = api.get(f"{path}/{rid}/expenses")["lead_source_expenses"]
    assert len(incurred) == 1 and incurred[0]["lead_source_recurring_expense_id"] == rid
    assert incurred[0]["amount"]["amount"] == 5000 and incurred[0]["title"] == "Monthly ads"
    assert recurring["next_expense_time"] > recurring["start_time"]
    sim.clock.advance(65 * DAY)
    again = api.get(f"{path}/{rid}/expenses")["lead_source_expenses"]
    assert len(again) == 3
    assert len(api.get(f"/leadSources/{source}/expenses")["lead_source_expenses"]) == 3
    current = api.get(f"{path}/{rid}")
    assert current["next_expense_time"] > again[-1]["incurred_time"]
    # An end time stops it.
    sim.clock.advance(DAY)
    ended = api.patch(
        f"{path}/{rid}", json={"end_time": current["next_expense_time"][:10] + "T00:00:00Z"}
    )
    assert "next_expense_time" not in ended
    sim.clock.advance(90 * DAY)
    assert len(api.get(f"{path}/{rid}/expenses")["lead_source_expenses"]) == 3
    masked = api.patch(
        f"{path}/{rid}", params={"update_mask": "title"}, json={"title": "Ads", "amount": 1}
    )
    assert masked["title"] == "Ads" and masked["amount"]["amount"] == 5000
    listed = api.get(path)["lead_source_recurring_expenses"]
    assert [r["id"] for r in listed] == [rid]
    assert (
        api.get("/leadSources/-/recurringExpenses", params={"filter": "amount==5000"})[
            "lead_source_recurring_expenses"
        ]
        == listed
    )
    api.error("PATCH", f"{path}/{rid}", 400, json={"end_time": "2000-01-01T00:00:00Z"})
    api.error("POST", path, 400, json={})
    api.error("GET", f"{path}/999", 404)
    # Deleting it keeps the expenses it incurred (they were spent), no longer linked.
    api.delete(f"{path}/{rid}")
    api.error("GET", f"{path}/{rid}", 404)
    left = tenant.lead_source_expenses.values()
    assert len(left) == 3 and all(e.lead_source_recurring_expense_id is None for e in left)


def test_future_recurring_expense_waits_for_its_start(api: V2, sim: Simulator, source: str) -> None:
    path = f"/leadSources/{source}/recurringExpenses"
    start = (sim.clock.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recurring = api.post(path, 201, json={"amount": 100, "start_time": start})
    assert recurring["next_expense_time"].startswith(start[:19])
    assert api.get(f"{path}/{recurring['id']}/expenses")["lead_source_expenses"] == []
    sim.clock.advance(11 * DAY)
    assert len(api.get(f"{path}/{recurring['id']}/expenses")["lead_source_expenses"]) == 1

"""Behaviour: the catch-up before each request remembers "nothing due" only for as long as
nothing was written and the date stayed the same (``StoreCore.nothing_due``, issue 18)."""

from __future__ import annotations

from decimal import Decimal

from keapsim.simulator import Simulator
from keapsim.store import Tenant

from .helpers import V2
from .test_com3_billing import APPROVED_CARD, DAY, _subscribe, _subscriber, sim

__all__ = ["sim"]  # the fixture of the billing tests: a simulator frozen at midday UTC


def test_a_read_with_nothing_due_is_remembered_for_the_day(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    api.get("/subscriptions")
    assert tenant.core.nothing_due == (tenant.core.writes, sim.clock.now().date())


def test_a_new_day_bills_what_became_due_although_nothing_was_due_before(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    _subscribe(api, sim, ids)  # first bill tomorrow
    api.get("/subscriptions")  # nothing due today: remembered
    assert tenant.core.nothing_due is not None
    sim.clock.advance(DAY)  # no admin call, no write: only the date changed
    api.get("/subscriptions")
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert order.total == Decimal("25.00")


def test_a_write_that_makes_something_due_today_is_billed_by_the_next_request(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _subscriber(tenant, APPROVED_CARD)
    api.get("/subscriptions")  # nothing due today: remembered
    remembered = tenant.core.nothing_due
    assert remembered is not None
    # A write of the same day puts a bill date of today in place.
    _subscribe(api, sim, ids, start_date=sim.clock.now().date().isoformat())
    assert tenant.core.writes != remembered[0]
    api.get("/subscriptions")
    (order,) = tenant.orders.of_contact(ids["contact"])
    assert order.total == Decimal("25.00")

"""What is due on the simulator clock, caught up in one step: payment plans' automatic charges
(``tenant.orders.collect_due``) and subscriptions' bills and retries
(``tenant.subscriptions.bill_due``).

The clock is a leaf and has no listeners, so nothing runs at a due time; instead
:func:`catch_up` runs when something can observe the result: before every v1 and v2 request of
a tenant is routed (``keapsim/api/v1/__init__.py``, ``api/v2/__init__.py``) and, for every
tenant, on the admin clock advance (``keapsim/admin/clock.py``). Each schedule keeps a sorted
index on its due date, so a step with nothing due is two bisections, O(log n), and one with
work is O(log n + due); a step on the same day as one that found nothing due, with no write
between them, is O(1) (``StoreCore.nothing_due``). docs/design/commerce.md, "What is due on
the clock".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tenant import Tenant


def catch_up(tenant: Tenant) -> list[int]:
    """Charge every payment-plan instalment and bill every subscription cycle (and retry every
    declined charge) that the clock has reached, in one write of the tenant. Plans go first,
    then subscriptions in bill-date order, so the order of charges (and of any payment fault
    rule's count) is the same whatever the size of the clock's step. Returns the ids of the
    orders it touched: the plans' orders charged, then the invoices made."""
    core = tenant.core
    # Read before looking: a write that ends while this looks counts as a new write, so a
    # finding made against half of it is never reused.
    checked = (core.writes, core.now().date())
    if core.nothing_due == checked:
        return []  # nothing written and the same day since nothing was due: O(1)
    # No orders, no plan instalments; no subscriptions, no bills: a length is cheaper than a
    # bisection (a tenant that sells nothing checks nothing after each of its writes). A store
    # not built yet is empty: asked without building it (and importing the commerce modules)
    # before every request of a tenant that has not sold anything (docs/design/store.md).
    plans_due = tenant.built("orders") is not None and (
        len(tenant.orders.table) > 0 and tenant.orders.has_due()
    )
    bills_due = tenant.built("subscriptions") is not None and (
        len(tenant.subscriptions.table) > 0 and tenant.subscriptions.has_due()
    )
    if not (plans_due or bills_due):
        core.nothing_due = checked
        return []  # no write at all: a read stays a read (the change log skips the tenant)
    with tenant.core.write():
        charged = [outcome.order.id for outcome in tenant.orders.collect_due()]
        if not bills_due:
            return charged
        from .subscription_billing import OrderBilling  # imports the orders core: when billing

        return charged + tenant.subscriptions.bill_due(OrderBilling(tenant))

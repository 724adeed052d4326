"""COM-3's figures: what subscription billing costs a request, and what a catch-up costs.

Every v1/v2 request first asks whether a payment plan or a subscription of its tenant is due
(``keapsim.store.due.catch_up``). With nothing due that is one bisection of each schedule's
index, so its cost must not grow with the number of subscriptions or plans: the run times the
check on an empty tenant, on one holding ``--subscriptions`` subscriptions none of which is
due, and on one holding as many auto-charge payment plans none of which is due, and prints the
ratios (the target is about 1, against the ×N a scan would cost).
Then it advances the clock three months and times the catch-up that bills every cycle (an
order and a card payment each), per cycle billed.

Figures are printed, never asserted.

    python bench/bench_subscriptions.py [--subscriptions N] [--quick]
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from decimal import Decimal

from keapsim import Simulator
from keapsim.store import Tenant
from keapsim.store.due import catch_up
from keapsim.store.memory import bulk_load
from keapsim.store.order_records import PaymentPlan
from keapsim.store.orders import ItemInput

CHECKS = 20_000


def populate(tenant: Tenant, count: int) -> None:
    product = tenant.products.create(name="Club", price=Decimal("9.99"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle="MONTHLY", plan_price=Decimal("9.99")
    )
    start = tenant.core.now() + timedelta(days=1)
    with bulk_load():
        for n in range(count):
            contact = tenant.contacts.create(
                {"email_addresses": [{"email": f"m{n}@example.com", "field": "EMAIL1"}]}
            )
            card = tenant.credit_cards.create(contact.id, "4242424242424242", "12", "2040")
            tenant.subscriptions.subscribe(
                contact_id=contact.id,
                subscription_plan_id=plan.id,
                payment_method_id=card.id,
                start_date=start,
            )


def populate_plans(tenant: Tenant, count: int) -> None:
    """``count`` orders paid by auto-charge payment plans whose first charge is a year away
    (the other schedule of the same catch-up step)."""
    product = tenant.products.create(name="Course", price=Decimal("300.00"))
    start = (tenant.core.now() + timedelta(days=365)).date().isoformat()
    with bulk_load():
        for n in range(count):
            contact = tenant.contacts.create(
                {"email_addresses": [{"email": f"p{n}@example.com", "field": "EMAIL1"}]}
            )
            card = tenant.credit_cards.create(contact.id, "4242424242424242", "12", "2040")
            order = tenant.orders.create(contact.id, [ItemInput(1, product.id)], title="Course")
            plan = PaymentPlan(3, 30, start, auto_charge=True, card_id=card.id)
            tenant.orders.set_payment_plan(order.id, plan)


def time_checks(tenant: Tenant) -> float:
    """Seconds per ``catch_up`` with nothing due."""
    began = time.perf_counter()
    for _ in range(CHECKS):
        catch_up(tenant)
    return (time.perf_counter() - began) / CHECKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 subscriptions")
    args = parser.parse_args()
    count = 2_000 if args.quick else args.subscriptions

    empty = Simulator(throttle=False).tenant()
    sim = Simulator(throttle=False)
    full = sim.tenant()
    populate(full, count)
    baseline, loaded = time_checks(empty), time_checks(full)
    print(f"catch-up check, nothing due: {baseline * 1e6:.2f} µs with 0 subscriptions,")
    print(f"  {loaded * 1e6:.2f} µs with {count:,} (ratio {loaded / baseline:.2f})")
    planned = Simulator(throttle=False).tenant()
    populate_plans(planned, count)
    with_plans = time_checks(planned)
    print(
        f"  {with_plans * 1e6:.2f} µs with {count:,} payment plans, none due "
        f"(ratio {with_plans / baseline:.2f})"
    )

    sim.clock.advance(80 * 86400)  # three monthly bill dates for every subscription
    began = time.perf_counter()
    made = catch_up(full)
    spent = time.perf_counter() - began
    print(
        f"catch-up of {len(made):,} cycles ({count:,} subscriptions × 3): {spent:.2f} s, "
        f"{spent / max(len(made), 1) * 1e6:.0f} µs per cycle (order + card payment)"
    )


if __name__ == "__main__":
    main()

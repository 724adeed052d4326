"""Billing a subscription's cycle through the orders core (``tenant.orders``).

One cycle makes one invoice: an order of the subscription's contact with one SUBSCRIPTION item
(the plan, ``quantity`` × ``billing_amount``), dated on the bill date, taxed when the
subscription allows tax, priced through the discounts that apply (the order's promo code is the
subscription's). With ``auto_charge`` and a saved card the amount due is charged on it: a test
card that declines leaves the invoice unpaid with a FAILED transaction (the orders core's
"failed charge", docs/design/commerce.md), as Keap shows a failed charge against an invoice.

:func:`catch_up` is what the API calls before a tenant's request is routed and the admin clock
advance calls for every tenant (docs/design/commerce.md, "Subscriptions and discounts").
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from .order_items import ItemInput
from .subscriptions import Subscription

if TYPE_CHECKING:
    from .tenant import Tenant


def bill_cycle(tenant: Tenant, subscription: Subscription, bill_date: datetime) -> int:
    """Invoice (and, with auto charge, charge) one cycle; returns the order's id."""
    plan = tenant.subscription_plans.find(subscription.subscription_plan_id)
    title = tenant.subscription_plans.name_of(plan) if plan is not None else "Subscription"
    item = ItemInput(
        quantity=subscription.quantity,
        product_id=subscription.product_id,
        price=subscription.billing_amount,
        subscription_plan_id=subscription.subscription_plan_id if plan is not None else None,
    )
    promo = (subscription.promo_code,) if subscription.promo_code else ()
    order = tenant.orders.create(
        subscription.contact_id,
        [item],
        title=title,
        order_time=bill_date,
        source_type="INVOICE",
        promo_codes=list(promo),
    )
    if subscription.allow_tax:
        order = tenant.orders.apply_tax(order.id)
    card = subscription.payment_method_id
    if subscription.auto_charge and card is not None and order.total_due > 0:
        tenant.orders.add_payment(order.id, order.total_due, card_id=card, pay_time=bill_date)
    return order.id


def catch_up(tenant: Tenant) -> list[int]:
    """Bill every cycle of ``tenant``'s subscriptions that the clock has reached; returns the
    invoices made (none, at O(log n), when nothing is due)."""
    if not tenant.subscriptions.has_due():
        return []
    return tenant.subscriptions.bill_due(partial(bill_cycle, tenant))


def invoice_now(tenant: Tenant, subscription_id: int) -> int:
    """``:invoice``: "Generates invoices from all cycles of a subscription that are due.
    Returns the most recently billed invoice." A subscription that has never been billed has
    its next cycle billed now (keapsim's reading: the document promises an invoice)."""
    catch_up(tenant)
    latest = tenant.subscriptions.latest_invoice(subscription_id)
    if latest is not None and latest in tenant.orders:
        return latest
    return tenant.subscriptions.bill_next(subscription_id, partial(bill_cycle, tenant))

"""Billing a subscription's cycle through the orders core (``tenant.orders``).

One cycle makes one invoice: an order of the subscription's contact with one SUBSCRIPTION item
(the plan, ``quantity`` × ``billing_amount``), dated on the bill date, taxed when the
subscription allows tax, priced through the discounts that apply (the order's promo code is the
subscription's). With ``auto_charge`` and a saved card the amount due is charged on it: a test
card that declines leaves the invoice unpaid with a FAILED transaction (the orders core's
"failed charge", docs/design/commerce.md), as Keap shows a failed charge against an invoice.

:func:`keapsim.store.due.catch_up` bills what is due, with the payment plans' charges, before a
tenant's request is routed and on the admin clock advance (docs/design/commerce.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .errors import DomainError
from .order_items import ItemInput
from .payments import SUBSCRIPTION
from .subscriptions import Billed, Subscription

if TYPE_CHECKING:
    from .tenant import Tenant


class OrderBilling:
    """The :class:`~keapsim.store.subscriptions.Billing` of a tenant: invoices are orders,
    charges are the orders core's payments on the subscription's card."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def bill(self, subscription: Subscription, bill_date: datetime) -> Billed:
        tenant = self.tenant
        plan = tenant.subscription_plans.find(subscription.subscription_plan_id)
        title = tenant.subscription_plans.name_of(plan) if plan is not None else "Subscription"
        product = tenant.products.find(subscription.product_id)
        item = ItemInput(
            quantity=subscription.quantity,
            product_id=None if product is None else product.id,
            price=subscription.billing_amount,
            name=None if product is not None else title,
            item_type="SUBSCRIPTION",
            subscription_plan_id=None if plan is None else plan.id,
        )
        promo = [subscription.promo_code] if subscription.promo_code else []
        order = tenant.orders.create(
            subscription.contact_id,
            [item],
            title=title,
            order_time=bill_date,
            source_type="INVOICE",
            promo_codes=promo,
            # The subscription's affiliates are the invoice's, so a paid bill earns their
            # subscription-plan commission (v2 ``lead_affiliate_id`` / ``sale_affiliate_id``).
            lead_affiliate_id=subscription.lead_affiliate_id,
            sales_affiliate_id=subscription.sale_affiliate_id,
        )
        if subscription.allow_tax:
            order = tenant.orders.apply_tax(order.id)
        if not subscription.auto_charge:
            return Billed(order.id)
        approved = self._charge(subscription, order.id, bill_date)
        return Billed(order.id, declined=approved is False)

    def retry(self, subscription: Subscription, invoice_id: int, when: datetime) -> bool | None:
        if not subscription.auto_charge:
            return None
        return self._charge(subscription, invoice_id, when)

    def _charge(self, subscription: Subscription, order_id: int, when: datetime) -> bool | None:
        """Charge what is due on the order to the subscription's card: approved or not,
        ``None`` when there is no card, no order or nothing due."""
        order = self.tenant.orders.find(order_id)
        card = subscription.payment_method_id
        if order is None or card is None or order.total_due <= 0:
            return None
        try:
            outcome = self.tenant.orders.add_payment(
                order.id, order.total_due, card_id=card, pay_time=when, source=SUBSCRIPTION
            )
        except DomainError:  # a card that is gone or not the contact's: nothing charged
            return False
        return outcome.approved


def invoice_now(tenant: Tenant, subscription_id: int) -> int:
    """``:invoice``: "Generates invoices from all cycles of a subscription that are due.
    Returns the most recently billed invoice." A subscription that has never been billed has
    its next cycle billed now (keapsim's reading: the document promises an invoice). The
    request has caught the tenant up already (``keapsim.store.due.catch_up``); a Python caller
    gets the due cycles billed here."""
    tenant.subscriptions.bill_due(OrderBilling(tenant))
    latest = tenant.subscriptions.latest_invoice(subscription_id)
    if latest is not None and latest in tenant.orders:
        return latest
    return tenant.subscriptions.bill_next(subscription_id, OrderBilling(tenant))

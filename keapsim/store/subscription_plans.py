"""Subscription plans: a product's billing cycles and prices (v1 and v2)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import Invalid, NotFound
from .indexes import HashIndex
from .products import Product
from .resource import DeclaredStore, Field, ResourceSpec

# Billing cycles in v2's words (the store's); v1 names them YEAR, MONTH, WEEK, DAY.
CYCLES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
CYCLE_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


@record_class
class SubscriptionPlan:
    id: int
    product_id: int
    cycle: str
    plan_price: Decimal
    frequency: int = 1
    total_cycles: int = 0  # 0: the plan never ends
    active: bool = True
    prorate: bool = False
    display_order_index: int = 0


SUBSCRIPTION_PLAN = ResourceSpec(
    record=SubscriptionPlan,
    kind="SubscriptionPlan",
    id_kind="subscription_plan",
    # Keap's subscription.* hooks are about customers' subscriptions (COM-3), not plans.
    noun="subscriptionPlan",
    fields=(
        Field("product_id", int, required=True, reference="products"),
        Field("cycle", required=True, choices=CYCLES),
        Field("plan_price", Decimal, required=True),
        Field("frequency", int, default=1, minimum=1),  # "Must be greater than 0"
        Field("total_cycles", int, default=0, minimum=0),
        Field("active", bool, default=True),
        Field("prorate", bool, default=False),
        Field("display_order_index", int, default=0),
    ),
    indexes=lambda: [HashIndex[SubscriptionPlan]("product_id", lambda s: (s.product_id,))],
)


class SubscriptionPlanStore(DeclaredStore[SubscriptionPlan]):
    spec = SUBSCRIPTION_PLAN

    def attach(self) -> None:
        # A deleted product's plans go with it.
        self.tenant.products.table.on_remove.append(self._forget_product)

    def _forget_product(self, product: Product) -> None:
        for plan in self.of_product(product.id):
            self.table.remove(plan.id)

    def of_product(self, product_id: int) -> list[SubscriptionPlan]:
        query: Query[SubscriptionPlan] = Query(lookups=[Lookup("product_id", "eq", product_id)])
        return list(self.table.select(query))

    def get_of(self, product_id: int, ident: int) -> SubscriptionPlan:
        """The plan, a 404 when it is missing or belongs to another product."""
        self.tenant.products.get(product_id)
        plan = self.table.get(ident)
        if plan is None or plan.product_id != product_id:
            raise NotFound(self.spec.kind, ident)
        return plan

    def normalise(
        self, values: dict[str, Any], current: SubscriptionPlan | None, now: datetime
    ) -> dict[str, Any]:
        price = values.get("plan_price")
        if isinstance(price, Decimal) and price < 0:
            raise Invalid("plan_price must be greater than or equal to 0", field="plan_price")
        return values

    def name_of(self, plan: SubscriptionPlan) -> str:
        """The plan's display name. No document says how Keap names a plan; keapsim's is the
        product's name and the period ("Widget monthly", "Widget every 3 months")."""
        product = self.tenant.products.find(plan.product_id)
        base = product.name if product is not None else "Plan"
        unit = CYCLE_UNITS.get(plan.cycle, "period")
        if plan.frequency == 1:
            return f"{base} {plan.cycle.lower()}"
        return f"{base} every {plan.frequency} {unit}s"

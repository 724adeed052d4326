"""Commission programs (v1 ``/affiliates/programs``, v2 ``/affiliates/commissionPrograms``)
and their resources (banners, emails, pages an affiliate may use).

A program has a name, notes and a priority, and up to three kinds of commission rates
(``swagger.yml``: DefaultCommission, ProductCommission, SubscriptionCommission): a default
one, one per product and one per subscription plan. Each rate set has level-1 and level-2
:class:`CommissionItem` s (sale and lead, a percentage and a fixed amount) and ``unused``.
The document calls the top-level ``percentage`` / ``dollar_amount`` "Level 1 ... for the
Sale ... deprecated for ``level_1``": the store keeps them only as ``level_1``'s sale values.
How rates turn into commissions is in ``keapsim/store/affiliate_ledger.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import UNCONVERTIBLE, Invalid, NotFound
from .indexes import HashIndex
from .products import Product
from .resource import DeclaredStore, Field, ResourceSpec
from .subscription_plans import SubscriptionPlan

if TYPE_CHECKING:
    from .tenant import Tenant

PAYOUT_TYPES = ("UPFRONT", "PAYMENT_RECEIVED")
RESOURCE_TYPES = ("EMAIL", "BANNER", "PAGE")
ZERO = Decimal(0)


@record_class(frozen=True)
class CommissionItem:
    """``CommissionItem``: what one level earns on a sale and on a lead."""

    sale_percent: Decimal = ZERO
    sale_amount: Decimal = ZERO
    lead_percent: Decimal = ZERO
    lead_amount: Decimal = ZERO


@record_class(frozen=True)
class CommissionRates:
    """A default, product or subscription commission of a program."""

    payout_type: str = "PAYMENT_RECEIVED"
    level_1: CommissionItem = CommissionItem()
    level_2: CommissionItem = CommissionItem()
    unused: CommissionItem = CommissionItem()


@record_class(frozen=True)
class ProductCommission:
    product_id: int
    rates: CommissionRates


@record_class(frozen=True)
class SubscriptionCommission:
    subscription_plan_id: int
    rates: CommissionRates


@record_class
class CommissionProgram:
    id: int
    name: str
    priority: int = 0
    notes: str | None = None
    default_commission: CommissionRates | None = None
    product_commissions: tuple[ProductCommission, ...] = ()
    subscription_commissions: tuple[SubscriptionCommission, ...] = ()
    create_time: datetime | None = None


COMMISSION_PROGRAM = ResourceSpec(
    record=CommissionProgram,
    kind="CommissionProgram",
    id_kind="affiliate_program",
    noun="affiliateProgram",  # keapsim's own: no source names a hook for programs
    fields=(
        Field("name", required=True, max_length=255),
        Field("priority", int, default=0),
        Field("notes"),
        Field("default_commission", CommissionRates),
        Field("product_commissions", tuple, default=()),
        Field("subscription_commissions", tuple, default=()),
    ),
    created="create_time",
)


class CommissionProgramStore(DeclaredStore[CommissionProgram]):
    spec = COMMISSION_PROGRAM

    def attach(self) -> None:
        # A deleted product or plan takes its commissions out of every program.
        self.tenant.products.table.on_remove.append(self._forget_product)
        self.tenant.subscription_plans.table.on_remove.append(self._forget_plan)
        # A deleted program leaves its affiliates, redirects and resources.
        self.table.on_remove.append(self._forget_members)

    def normalise(
        self, values: dict[str, Any], current: CommissionProgram | None, now: datetime
    ) -> dict[str, Any]:
        name = values.get("name")
        if isinstance(name, str) and not name.strip():
            raise Invalid("name is required", field="name")
        return values

    def by_priority(self, ids: tuple[int, ...]) -> list[CommissionProgram]:
        """The programs ``ids`` names, first the one Keap applies first. The document does not
        say which way priority runs; keapsim takes the lowest number first (as a resource's
        ``order``: "Lower values indicate higher priority")."""
        programs = [p for p in (self.table.get(i) for i in ids) if p is not None]
        return sorted(programs, key=lambda p: (p.priority, p.id))

    # -- default commission -------------------------------------------------------------------
    def set_default(self, ident: int, rates: CommissionRates) -> CommissionProgram:
        return self.update(ident, default_commission=rates)

    # -- product commissions ------------------------------------------------------------------
    def product_commission(self, ident: int, product_id: int) -> ProductCommission | None:
        program = self.get(ident)
        return next((c for c in program.product_commissions if c.product_id == product_id), None)

    def set_product(self, ident: int, product_id: int, rates: CommissionRates) -> CommissionProgram:
        """Add or replace the program's commission for ``product_id``."""
        with self.core.write():
            program = self.table.fetch(ident)
            self.tenant.products.get(product_id)
            kept = tuple(c for c in program.product_commissions if c.product_id != product_id)
            added = (*kept, ProductCommission(product_id, rates))
            return self.update(ident, product_commissions=added)

    def remove_product(self, ident: int, product_id: int) -> CommissionProgram:
        with self.core.write():
            program = self.table.fetch(ident)
            if self.product_commission(ident, product_id) is None:
                raise NotFound("ProductCommission", product_id)
            kept = tuple(c for c in program.product_commissions if c.product_id != product_id)
            return self.update(ident, product_commissions=kept)

    # -- subscription commissions -------------------------------------------------------------
    def subscription_commission(self, ident: int, plan_id: int) -> SubscriptionCommission | None:
        program = self.get(ident)
        return next(
            (c for c in program.subscription_commissions if c.subscription_plan_id == plan_id),
            None,
        )

    def set_subscription(
        self, ident: int, plan_id: int, rates: CommissionRates
    ) -> CommissionProgram:
        with self.core.write():
            program = self.table.fetch(ident)
            self.tenant.subscription_plans.get(plan_id)
            kept = tuple(
                c for c in program.subscription_commissions if c.subscription_plan_id != plan_id
            )
            added = (*kept, SubscriptionCommission(plan_id, rates))
            return self.update(ident, subscription_commissions=added)

    def remove_subscription(self, ident: int, plan_id: int) -> CommissionProgram:
        with self.core.write():
            program = self.table.fetch(ident)
            if self.subscription_commission(ident, plan_id) is None:
                raise NotFound("SubscriptionCommission", plan_id)
            kept = tuple(
                c for c in program.subscription_commissions if c.subscription_plan_id != plan_id
            )
            return self.update(ident, subscription_commissions=kept)

    # -- cascades (inside the write that removes the other record) -----------------------------
    def _forget_product(self, product: Product) -> None:
        for program in list(self.table.values()):
            kept = tuple(c for c in program.product_commissions if c.product_id != product.id)
            if len(kept) != len(program.product_commissions):
                self.table.replace(replace(program, product_commissions=kept))

    def _forget_plan(self, plan: SubscriptionPlan) -> None:
        for program in list(self.table.values()):
            kept = tuple(
                c for c in program.subscription_commissions if c.subscription_plan_id != plan.id
            )
            if len(kept) != len(program.subscription_commissions):
                self.table.replace(replace(program, subscription_commissions=kept))

    def _forget_members(self, program: CommissionProgram) -> None:
        self.tenant.affiliates.forget_program(program.id)
        self.tenant.affiliate_redirects.forget_program(program.id)
        self.tenant.affiliate_program_resources.forget_program(program.id)


def program_ids(tenant: Tenant, values: dict[str, Any], field: str) -> dict[str, Any]:
    """``values`` with ``program_ids`` checked: a list (scenario files, YAML) becomes a tuple,
    repeats go, and an id that is no program is a 400 naming ``field``."""
    ids = values.get("program_ids")
    if ids is None:
        return values
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise Invalid(UNCONVERTIBLE, field=field)
    for program_id in ids:
        if program_id not in tenant.affiliate_programs:
            raise Invalid(f"Commission program {program_id} does not exist", field=field)
    return {**values, "program_ids": tuple(dict.fromkeys(ids))}


# -- program resources -----------------------------------------------------------------------
@record_class
class ProgramResource:
    id: int
    title: str
    type: str
    program_ids: tuple[int, ...]
    notes: str | None = None
    url: str | None = None
    order: int | None = None
    content_html: str | None = None
    page_width: int | None = None
    page_height: int | None = None


PROGRAM_RESOURCE = ResourceSpec(
    record=ProgramResource,
    kind="ProgramResource",
    id_kind="affiliate_program_resource",
    noun="affiliateProgramResource",  # keapsim's own
    fields=(
        Field("title", required=True, max_length=255),
        Field("type", required=True, choices=RESOURCE_TYPES),
        Field("program_ids", tuple, required=True),
        Field("notes"),
        Field("url", max_length=2048),
        Field("order", int, minimum=0),  # "Minimum value is 0"
        Field("content_html"),
        Field("page_width", int, minimum=0),
        Field("page_height", int, minimum=0),
    ),
    indexes=lambda: [HashIndex[ProgramResource]("program_id", lambda r: r.program_ids)],
)


class ProgramResourceStore(DeclaredStore[ProgramResource]):
    spec = PROGRAM_RESOURCE

    def normalise(
        self, values: dict[str, Any], current: ProgramResource | None, now: datetime
    ) -> dict[str, Any]:
        title = values.get("title")
        if isinstance(title, str) and not title.strip():
            raise Invalid("title is required", field="title")
        if "program_ids" in values and not values["program_ids"]:
            raise Invalid("commission_program_ids is required", field="commission_program_ids")
        return program_ids(self.tenant, values, "commission_program_ids")

    def of_program(self, program_id: int) -> list[ProgramResource]:
        query: Query[ProgramResource] = Query(lookups=[Lookup("program_id", "eq", program_id)])
        resources = self.table.select(query)
        return sorted(resources, key=lambda r: (r.order is None, r.order or 0, r.id))

    def forget_program(self, program_id: int) -> None:
        """A resource used only by a deleted program goes with it; others stay in the rest."""
        for resource in self.of_program(program_id):
            kept = tuple(p for p in resource.program_ids if p != program_id)
            if kept:
                self.table.replace(replace(resource, program_ids=kept))
            else:
                self.table.remove(resource.id)

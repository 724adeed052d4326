"""Product interest bundles and the interests (products or subscription plans) they hold."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .errors import Invalid, NotFound
from .indexes import HashIndex
from .resource import DeclaredStore, Field, ResourceSpec

INTEREST_TYPES = ("PRODUCT", "SUBSCRIPTION_PLAN")


@record_class
class ProductInterestBundle:
    id: int
    name: str
    description: str


PRODUCT_INTEREST_BUNDLE = ResourceSpec(
    record=ProductInterestBundle,
    kind="ProductInterestBundle",
    id_kind="product_interest_bundle",
    noun="productInterestBundle",  # keapsim's own: no source names a hook for bundles
    fields=(
        Field("name", required=True, max_length=255),
        Field("description", required=True),
    ),
)


class ProductInterestBundleStore(DeclaredStore[ProductInterestBundle]):
    spec = PRODUCT_INTEREST_BUNDLE

    def delete(self, ident: int) -> None:
        """A deleted bundle's interests go with it."""
        with self.core.write():
            self.table.fetch(ident)
            for interest in self.tenant.product_interests.of_bundle(ident):
                self.tenant.product_interests.table.remove(interest.id)
            self.table.remove(ident)


@record_class
class ProductInterest:
    id: int
    bundle_id: int
    type: str
    entity_id: int  # a product's id (PRODUCT) or a subscription plan's (SUBSCRIPTION_PLAN)
    price: Decimal
    quantity: int = 1  # "Defaults to 1"
    discount_percent: int = 0  # "Defaults to 0"


PRODUCT_INTEREST = ResourceSpec(
    record=ProductInterest,
    kind="ProductInterest",
    id_kind="product_interest",
    noun="productInterest",  # keapsim's own
    fields=(
        Field("bundle_id", int, required=True, reference="product_interest_bundles"),
        Field("type", required=True, choices=INTEREST_TYPES),
        Field("entity_id", int, required=True),
        Field("price", Decimal, required=True),
        Field("quantity", int, default=1, minimum=1),
        Field("discount_percent", int, default=0, minimum=0, maximum=100),
    ),
    indexes=lambda: [HashIndex[ProductInterest]("bundle_id", lambda i: (i.bundle_id,))],
)


class ProductInterestStore(DeclaredStore[ProductInterest]):
    spec = PRODUCT_INTEREST

    def attach(self) -> None:
        # An interest in a deleted product or plan goes with it.
        self.tenant.products.table.on_remove.append(
            lambda product: self._forget("PRODUCT", product.id)
        )
        self.tenant.subscription_plans.table.on_remove.append(
            lambda plan: self._forget("SUBSCRIPTION_PLAN", plan.id)
        )

    def _forget(self, kind: str, entity_id: int) -> None:
        gone = self.table.scan(lambda i: i.type == kind and i.entity_id == entity_id)
        for interest in list(gone):
            self.table.remove(interest.id)

    def of_bundle(self, bundle_id: int) -> list[ProductInterest]:
        query: Query[ProductInterest] = Query(lookups=[Lookup("bundle_id", "eq", bundle_id)])
        return list(self.table.select(query))

    def get_of(self, bundle_id: int, ident: int) -> ProductInterest:
        self.tenant.product_interest_bundles.get(bundle_id)
        interest = self.table.get(ident)
        if interest is None or interest.bundle_id != bundle_id:
            raise NotFound(self.spec.kind, ident)
        return interest

    def normalise(
        self, values: dict[str, Any], current: ProductInterest | None, now: datetime
    ) -> dict[str, Any]:
        price = values.get("price")
        if isinstance(price, Decimal) and price < 0:
            raise Invalid("price must be greater than or equal to 0", field="price")
        if current is None:
            kind, entity = values.get("type"), values.get("entity_id")
            store = self.tenant.products if kind == "PRODUCT" else self.tenant.subscription_plans
            if kind in INTEREST_TYPES and isinstance(entity, int) and entity not in store:
                raise Invalid(f"entity_id {entity} does not exist", field="entity_id")
        return values

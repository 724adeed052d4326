"""`--seed-data` adds a small catalogue: categories with products, a monthly plan, an option,
stock, and an interest bundle; both versions read it."""

from __future__ import annotations

from decimal import Decimal

from keapsim import Simulator
from keapsim.seed import CATALOGUE, seed_tenant


def test_seeded_catalogue_is_consistent_and_readable() -> None:
    sim = Simulator(throttle=False)
    counts = seed_tenant(sim.tenant(), 5, faker_seed=3)
    tenant = sim.tenant()
    assert (
        counts["products"]
        == sum(len(items) for items in CATALOGUE.values())
        == len(tenant.products)
    )
    assert [c.name for c in tenant.product_categories.values()] == list(CATALOGUE)
    assert all(len(p.category_ids) == 1 for p in tenant.products.values())
    (plan,) = tenant.subscription_plans.values()
    assert plan.plan_price == Decimal("29.99") and plan.cycle == "MONTHLY"
    mug = next(p for p in tenant.products.values() if p.sku == "MUG-1")
    assert mug.inventory_count == 100 and mug.price == Decimal("12.50")
    assert len(tenant.product_interests) == len(tenant.products)
    with sim.client() as client:
        v2 = client.get(f"/v2/products/{mug.id}").json()
        assert v2["options"][0]["name"] == "Size" and v2["inventory"]["inventory_count"] == 100
        v1 = client.get("/v1/products").json()
        assert v1["count"] == len(tenant.products)

"""`--seed-data` adds a test merchant, shipping methods and an order in each status, which both
versions read."""

from __future__ import annotations

from keapsim import Simulator
from keapsim.seed import SEED_ORDERS, seed_tenant


def test_seeded_orders_cover_every_status() -> None:
    sim = Simulator(throttle=False)
    counts = seed_tenant(sim.tenant(), 5, faker_seed=3)
    tenant = sim.tenant()
    assert counts["orders"] == len(SEED_ORDERS) == len(tenant.orders)
    statuses = [o.status for o in tenant.orders.list()]
    assert statuses == ["UNPAID", "PARTIALLY_PAID", "PAID", "REFUNDED"]
    failed = [t for t in tenant.transactions.list() if not t.successful]
    assert [t.error for t in failed] == ["Card declined", "Card declined"]
    with sim.client() as client:
        v1 = client.get("/v1/orders", params={"paid": "true"}).json()
        assert {o["status"] for o in v1["orders"]} == {"PAID", "REFUNDED"}
        v2 = client.get("/v2/merchants").json()
        assert v2["merchant_accounts"][0]["is_test"] is True
        assert len(client.get("/v2/shipping").json()["shipping_methods"]) == 2


def test_a_tenant_seeded_without_contacts_has_no_orders() -> None:
    sim = Simulator(throttle=False)
    assert seed_tenant(sim.tenant(), 0)["orders"] == 0

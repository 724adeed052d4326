"""v2 discounts: the five kinds (shipping, products, product categories, order totals, free
trials) with their criteria, every answer checked against ``swagger.yml``; and the rule that
picks the discounts applying to an order (``DiscountStore.lines_for``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state
from keapsim.store import Tenant
from keapsim.store.discounts import Basket, BasketItem

from .helpers import V2


def catalogue(tenant: Tenant) -> dict[str, int]:
    product = tenant.products.create(name="Widget", price=Decimal("10.00"))
    other = tenant.products.create(name="Gadget", price=Decimal("4.00"))
    plan = tenant.subscription_plans.create(
        product_id=product.id, cycle="MONTHLY", plan_price=Decimal("9.99")
    )
    category = tenant.product_categories.create(name="Tools")
    return {"product": product.id, "other": other.id, "plan": plan.id, "category": category.id}


def bodies(ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """A valid create body of each kind (the document's required properties and more)."""
    return {
        "shipping": {"name": "Free shipping", "discount_type": "PERCENT", "discount_value": 100},
        "products": {
            "name": "Widget sale",
            "discount_type": "AMOUNT",
            "discount_value": 2.5,
            "product_id": str(ids["product"]),
            "apply_to_commissions": True,
        },
        "productCategories": {
            "name": "Tools sale",
            "discount_percent": 15,
            "apply_to_commissions": False,
            "product_category_ids": [str(ids["category"])],
        },
        "orderTotals": {
            "name": "Bulk",
            "discount_type": "AMOUNT",
            "discount_value": 50,
            "discount_strategy": "GROSS",
            "apply_to_commissions": True,
        },
        "freeTrials": {
            "name": "Try it",
            "subscription_plan_id": str(ids["plan"]),
            "free_trial_days": 30,
            "hide_price": True,
        },
    }


KIND_PATHS = ("shipping", "products", "productCategories", "orderTotals", "freeTrials")


@pytest.mark.parametrize("path", KIND_PATHS)
def test_discount_crud_and_criteria_of_each_kind(api: V2, tenant: Tenant, path: str) -> None:
    body = bodies(catalogue(tenant))[path]
    created = api.post(
        f"/discounts/{path}",
        201,
        json={**body, "description": "d", "criteria": [{"type": "PROMO_CODE", "code": "SAVE"}]},
    )
    ident = created["id"]
    assert created["name"] == body["name"] and created["description"] == "d"
    assert created["criteria"][0]["type"] == "PROMO_CODE" and created["criteria"][0]["code"]
    stored = tenant.discounts.get(int(ident))
    assert stored.name == body["name"] and len(stored.criteria) == 1
    assert api.get(f"/discounts/{path}/{ident}") == created
    assert [d["id"] for d in api.get(f"/discounts/{path}")["discounts"]] == [ident]

    renamed = api.patch(f"/discounts/{path}/{ident}", json={"name": "Renamed"})
    assert renamed["name"] == "Renamed" and tenant.discounts.get(int(ident)).name == "Renamed"
    masked = api.patch(
        f"/discounts/{path}/{ident}",
        params={"update_mask": "description"},
        json={"name": "ignored", "description": "new"},
    )
    assert masked["name"] == "Renamed" and masked["description"] == "new"

    dated = {
        "type": "DATE_RANGE",
        "range_start_time": "2024-01-01T00:00:00Z",
        "range_end_time": "2030-12-31T23:59:59Z",
    }
    criterion = api.post(f"/discounts/{path}/{ident}/criteria", 201, json=dated)
    assert criterion["range_start_time"] == "2024-01-01T00:00:00.000Z"
    assert len(tenant.discounts.get(int(ident)).criteria) == 2
    api.delete(f"/discounts/{path}/{ident}/criteria/{criterion['criteria_id']}")
    assert len(tenant.discounts.get(int(ident)).criteria) == 1
    api.error("DELETE", f"/discounts/{path}/{ident}/criteria/{criterion['criteria_id']}", 404)

    api.delete(f"/discounts/{path}/{ident}")
    assert int(ident) not in tenant.discounts
    api.error("GET", f"/discounts/{path}/{ident}", 404)


def test_a_discount_is_found_only_under_its_own_kind(api: V2, tenant: Tenant) -> None:
    shipping = api.post("/discounts/shipping", 201, json=bodies(catalogue(tenant))["shipping"])
    api.error("GET", f"/discounts/products/{shipping['id']}", 404)
    api.error("DELETE", f"/discounts/orderTotals/{shipping['id']}", 404)
    api.error("PATCH", f"/discounts/freeTrials/{shipping['id']}", 404, json={"name": "x"})
    assert api.get("/discounts/products")["discounts"] == []
    assert int(shipping["id"]) in tenant.discounts


def test_discount_input_errors_store_nothing(api: V2, tenant: Tenant) -> None:
    ids = catalogue(tenant)
    good = bodies(ids)
    api.error("POST", "/discounts/shipping", 400, json={"name": "No value"})
    api.error("POST", "/discounts/products", 400, json={**good["products"], "product_id": "999"})
    api.error("POST", "/discounts/products", 400, json={**good["products"], "discount_value": -1})
    api.error("POST", "/discounts/shipping", 400, json={**good["shipping"], "discount_value": "x"})
    api.error(
        "POST", "/discounts/shipping", 400, json={**good["shipping"], "discount_type": "HALF"}
    )
    api.error("POST", "/discounts/shipping", 400, json={**good["shipping"], "discount_value": 101})
    category_with_product = {
        **good["productCategories"],
        "criteria": [{"type": "PRODUCT", "product_id": str(ids["product"])}],
    }
    api.error("POST", "/discounts/productCategories", 400, json=category_with_product)
    api.error(
        "POST",
        "/discounts/orderTotals",
        400,
        json={**good["orderTotals"], "criteria": [{"type": "ORDER_TOTAL", "total_amount": 5}]},
    )
    api.error("POST", "/discounts/freeTrials", 400, json={"name": "No plan"})
    api.error("PATCH", "/discounts/shipping/1", 400, params={"update_mask": "colour"}, json={})
    api.error("GET", "/discounts/shipping", 400, params={"filter": "colour==red"})
    api.error("GET", "/discounts/shipping", 400, params={"order_by": "colour"})
    api.error("GET", "/discounts/shipping/abc", 404)
    assert len(tenant.discounts) == 0


def test_discount_lists_filter_and_order(api: V2, tenant: Tenant) -> None:
    ids = catalogue(tenant)
    product = bodies(ids)["products"]
    small = api.post("/discounts/products", 201, json={**product, "name": "B", "discount_value": 1})
    large = api.post(
        "/discounts/products",
        201,
        json={**product, "name": "A", "discount_type": "PERCENT", "discount_value": 20},
    )

    def names(path: str, **params: str) -> list[str]:
        return [d["name"] for d in api.get(f"/discounts/{path}", params=params)["discounts"]]

    assert names("products", order_by="name") == ["A", "B"]
    assert names("products", order_by="discount_value desc") == ["A", "B"]
    assert names("products", filter="discount_type==PERCENT") == ["A"]
    assert names("products", filter=f"product_id=={ids['product']}") == ["B", "A"]
    assert names("products", filter="discount_value==1") == ["B"]
    category = bodies(ids)["productCategories"]
    first = api.post("/discounts/productCategories", 201, json={**category, "name": "Tools"})
    api.post("/discounts/productCategories", 201, json={**category, "name": "Garden"})
    assert names("productCategories", filter="name==too*") == ["Tools"]
    assert names("productCategories", filter=f"id>{first['id']}") == ["Garden"]
    assert names("productCategories", filter=f"ids=={first['id']}") == ["Tools"]
    assert len(names("productCategories", filter=f"product_category_id=={ids['category']}")) == 2
    listed = api.get("/discounts/productCategories", params={"page_size": 1})
    assert len(listed["discounts"]) == 1 and listed["next_page_token"]
    assert {small["id"], large["id"]} == {str(d.id) for d in tenant.discounts.of_kind("PRODUCT")}


def test_category_discounts_answer_product_categories(api: V2, tenant: Tenant) -> None:
    ids = catalogue(tenant)
    created = api.post("/discounts/productCategories", 201, json=bodies(ids)["productCategories"])
    assert created["product_categories"] == [str(ids["category"])]
    assert created["discount_percent"] == 15.0 and created["apply_to_commissions"] is False
    tenant.product_categories.delete(ids["category"])
    assert api.get(f"/discounts/productCategories/{created['id']}")["product_categories"] == []


def test_discounts_survive_a_snapshot_and_go_with_a_reset(sim: Simulator, api: V2) -> None:
    tenant = sim.tenant()
    ids = catalogue(tenant)
    created = api.post(
        "/discounts/orderTotals",
        201,
        json={
            **bodies(ids)["orderTotals"],
            "criteria": [{"type": "ORDER_TOTAL", "total_amount": 100, "operator": "GREATER_THAN"}],
        },
    )
    document = dump_state(sim)
    tenant.reset()
    api.error("GET", f"/discounts/orderTotals/{created['id']}", 404)
    load_state(sim, document)
    assert api.get(f"/discounts/orderTotals/{created['id']}") == created
    assert sim.tenant().discounts.get(int(created["id"])).criteria[0].total_amount == 100


# -- which discounts apply -----------------------------------------------------------------
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def basket(ids: dict[str, int], *, quantity: int = 3, codes: tuple[str, ...] = ()) -> Basket:
    return Basket(
        items=(
            BasketItem(ids["product"], quantity, Decimal("10.00"), category_ids=frozenset()),
            BasketItem(ids["other"], 1, Decimal("4.00"), category_ids=frozenset({ids["category"]})),
        ),
        time=NOW,
        shipping=Decimal("5.00"),
        promo_codes=frozenset(codes),
    )


def test_the_discounts_that_apply_and_what_each_takes_off(tenant: Tenant) -> None:
    ids = catalogue(tenant)
    store = tenant.discounts
    per_unit = store.create_of(
        "PRODUCT",
        {"name": "1 off", "discount_type": "AMOUNT", "discount_value": Decimal(1), "product_id": 1},
    )
    store.create_of(
        "CATEGORY",
        {
            "name": "Tools 15%",
            "discount_percent": Decimal(15),
            "apply_to_commissions": False,
            "product_category_ids": (ids["category"],),
        },
    )
    bulk = store.create_of(
        "ORDER_TOTAL",
        {"name": "10% over 20", "discount_type": "PERCENT", "discount_value": Decimal(10)},
    )
    store.add_criterion(
        "ORDER_TOTAL",
        bulk.id,
        {"type": "ORDER_TOTAL", "total_amount": Decimal(20), "operator": "GREATER_THAN"},
    )
    coded = store.create_of(
        "SHIPPING",
        {"name": "Ship free", "discount_type": "PERCENT", "discount_value": Decimal(100)},
    )
    store.add_criterion("SHIPPING", coded.id, {"type": "PROMO_CODE", "code": "SHIPFREE"})
    expired = store.create_of(
        "SHIPPING", {"name": "Old", "discount_type": "AMOUNT", "discount_value": Decimal(1)}
    )
    store.add_criterion(
        "SHIPPING",
        expired.id,
        {
            "type": "DATE_RANGE",
            "range_start_time": NOW - timedelta(days=60),
            "range_end_time": NOW - timedelta(days=1),
        },
    )

    lines = store.lines_for(basket(ids))
    # 3 widgets at 10 less 1 each = 3.00; the gadget (a tool) 15% of 4.00 = 0.60; the items
    # then total 30 + 4 - 3.60 = 30.40, over 20: 10% = 3.04. No code, no free shipping.
    assert [(line.name, line.amount) for line in lines] == [
        ("1 off", Decimal("3.00")),
        ("Tools 15%", Decimal("0.60")),
        ("10% over 20", Decimal("3.04")),
    ]
    with_code = store.lines_for(basket(ids, codes=("shipfree",)))
    assert with_code[-1].name == "Ship free" and with_code[-1].amount == Decimal("5.00")
    assert with_code[-1].applies_to == "SHIPPING"
    one_widget = store.lines_for(basket(ids, quantity=1))  # 10 + 4 - 1.60 = 12.40: not over 20
    assert [line.name for line in one_widget] == ["1 off", "Tools 15%"]
    assert per_unit.id in {line.discount_id for line in lines}


def test_product_quantity_and_plan_criteria(tenant: Tenant) -> None:
    ids = catalogue(tenant)
    store = tenant.discounts
    discount = store.create_of(
        "ORDER_TOTAL",
        {"name": "Two to five", "discount_type": "AMOUNT", "discount_value": Decimal(2)},
    )
    store.add_criterion(
        "ORDER_TOTAL",
        discount.id,
        {
            "type": "PRODUCT",
            "product_id": ids["product"],
            "product_quantity_min": 2,
            "product_quantity_max": 5,
        },
    )
    assert store.lines_for(basket(ids, quantity=1)) == []
    assert store.lines_for(basket(ids, quantity=3))[0].amount == Decimal(2)
    assert store.lines_for(basket(ids, quantity=6)) == []
    trial = store.create_of(
        "FREE_TRIAL", {"name": "Trial", "subscription_plan_id": ids["plan"], "free_trial_days": 14}
    )
    assert store.free_trial_days_for(ids["plan"], [], NOW) == 14
    store.add_criterion("FREE_TRIAL", trial.id, {"type": "PROMO_CODE", "code": "TRY"})
    assert store.free_trial_days_for(ids["plan"], [], NOW) == 0
    assert store.free_trial_days_for(ids["plan"], ["try"], NOW) == 14
    tenant.subscription_plans.delete(ids["plan"])
    assert trial.id not in store

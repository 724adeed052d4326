"""Bad input to the commerce routes answers 4xx and leaves the order readable (each case once
answered 500, or poisoned every later read of the order)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from api_v2.helpers import V2

from keapsim.store import Invalid, Tenant
from keapsim.store.orders import ItemInput

from .helpers import v2_contact, v2_order, v2_product


@pytest.mark.parametrize(
    "body",
    [
        {"order_time": None},
        {"contact_id": None},
        {
            "payment_plan": {
                "number_of_payments": 2**40,
                "days_between_payments": 1,
                "plan_start_date": "2026-01-01",
            }
        },
        {
            "payment_plan": {
                "number_of_payments": 2,
                "days_between_payments": 10**9,
                "plan_start_date": "2026-01-01",
            }
        },
        {
            "payment_plan": {
                "number_of_payments": 500,
                "days_between_payments": 3650,
                "plan_start_date": "2026-01-01",
            }
        },
        {
            "payment_plan": {
                "number_of_payments": 2,
                "days_between_payments": 1,
                "plan_start_date": "9999-12-31",
            }
        },
        {
            "payment_plan": {
                "number_of_payments": 2,
                "days_between_payments": 1,
                "plan_start_date": "2026-01-01",
                "initial_payment_amount": 1e308,
            }
        },
    ],
)
def test_bad_order_changes_answer_400(api: V2, body: dict[str, Any]) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    api.error("PATCH", f"/orders/{order['id']}", 400, json=body)
    assert api.get(f"/orders/{order['id']}") == order


@pytest.mark.parametrize(
    "item",
    [
        {"name": "Huge", "quantity": 1, "price_per_unit": 1e308},
        {"name": "Many", "quantity": 2**31, "price_per_unit": 1},
        {"name": "Line", "quantity": 2**31 - 1, "price_per_unit": 1000},
        {"name": "Costly", "quantity": 1, "price_per_unit": 1, "cost_per_unit": 1e12},
    ],
)
def test_amounts_beyond_the_bounds_answer_400(
    api: V2, tenant: Tenant, item: dict[str, Any]
) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    api.error("POST", f"/orders/{order['id']}/items", 400, json=item)
    first = order["order_items"][0]["id"]
    changes = {k: v for k, v in item.items() if k != "name"}
    api.error("PATCH", f"/orders/{order['id']}/items/{first}", 400, json=changes)
    assert api.get(f"/orders/{order['id']}") == order


def test_an_order_can_not_add_up_beyond_the_bound(api: V2, tenant: Tenant) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    line = ItemInput(1, name="Big", price=Decimal("999999999"))
    with pytest.raises(Invalid):
        tenant.orders.create(int(order["contact"]["id"]), [line] * 1001, title="Too much")
    assert len(tenant.orders) == 1


def test_a_discount_never_makes_a_total_negative(api: V2) -> None:
    order = v2_order(api, v2_contact(api), v2_product(api))
    api.post(
        f"/orders/{order['id']}/items",
        201,
        json={"name": "Coupon", "quantity": 1, "price_per_unit": -100, "item_type": "DISCOUNT"},
    )
    assert api.get(f"/orders/{order['id']}")["total"]["amount"] == 0

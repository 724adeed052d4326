"""Bodies the commerce API tests share."""

from __future__ import annotations

from typing import Any

from api_v2.helpers import V2

from keapsim.store import Tenant


def v2_contact(api: V2, email: str = "ann@example.com") -> str:
    body = {"given_name": "Ann", "email_addresses": [{"email": email, "field": "EMAIL1"}]}
    return str(api.post("/contacts", 201, json=body)["id"])


def v2_product(api: V2, name: str = "Widget", cents: int = 1250, **extra: Any) -> str:
    body = {"name": name, "price": cents, "short_description": name, **extra}
    return str(api.post("/products", 201, json=body)["id"])


def v2_order(api: V2, contact_id: str, product_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "contact_id": contact_id,
        "order_title": "Widgets",
        "order_time": "2026-01-05T10:00:00Z",
        "order_type": "ONLINE",
        "order_items": [
            {"product_id": product_id, "quantity": 2},
            {"name": "Shipping", "quantity": 1, "price_per_unit": 5, "item_type": "SHIPPING"},
        ],
        **extra,
    }
    return api.post("/orders", 201, json=body)


def card(tenant: Tenant, contact_id: int | str, number: str = "4242424242424242") -> int:
    return tenant.credit_cards.create(int(contact_id), number, "12", "2040").id

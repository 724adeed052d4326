"""Shared set-up for the affiliate tests: a contact, an affiliate in a program with a default
commission, and an order a customer pays."""

from __future__ import annotations

from decimal import Decimal

from api_v2.helpers import V2, email_contact

from keapsim.store import Tenant
from keapsim.store.order_records import Order
from keapsim.store.orders import ItemInput


def a_contact(api: V2, email: str = "ann@example.com", **fields: object) -> str:
    return api.post("/contacts", 201, json=email_contact(email, **fields))["id"]


def an_affiliate(
    api: V2, code: str = "ANN", email: str = "ann@example.com", **fields: object
) -> str:
    contact = a_contact(api, email, given_name="Ann", family_name="Archer")
    body = {"code": code, "contact_id": contact, "name": "Ann Archer", **fields}
    return api.post("/affiliates", 201, json=body)["id"]


def a_program(api: V2, name: str = "Gold", priority: int = 1, **rates: object) -> str:
    program = api.post(
        "/affiliates/commissionPrograms", 201, json={"name": name, "priority": priority}
    )["id"]
    if rates:
        api.post(
            f"/affiliates/commissionPrograms/defaultCommissionPrograms/{program}", 201, json=rates
        )
    return program


def join(api: V2, affiliate: str, program: str) -> None:
    response = api.raw(
        "POST", f"/affiliates/{affiliate}:assignToProgram", json={"affiliate_program_id": program}
    )
    assert response.status_code == 200 and response.content == b""


def an_order(
    tenant: Tenant,
    *,
    sales: str | None = None,
    lead: str | None = None,
    price: str = "50.00",
    quantity: int = 2,
    email: str = "buyer@example.com",
) -> Order:
    buyer = tenant.contacts.create(
        {
            "given_name": "Bo",
            "family_name": "Buyer",
            "email_addresses": [{"email": email, "field": "EMAIL1"}],
        }
    )
    widget = tenant.products.create(name="Widget", price=Decimal(price))
    return tenant.orders.create(
        buyer.id,
        [
            ItemInput(quantity, widget.id),
            ItemInput(1, name="Post", price=Decimal(5), item_type="SHIPPING"),
        ],
        title="Widgets",
        sales_affiliate_id=None if sales is None else int(sales),
        lead_affiliate_id=None if lead is None else int(lead),
    )

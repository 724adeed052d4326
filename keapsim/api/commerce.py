"""What the v1 and v2 commerce adapters share: order bodies' addresses, payment plans, items,
payments and the answers to a declined card (docs/reference/commerce-orders.md).

Money on requests is a JSON number of dollars in both versions (v2's ``price_per_unit`` example
is 29.99, ``payment_amount`` 99.99); it is read from the number's text into a ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..store import Invalid
from ..store.order_records import PaymentPlan, iso_date
from ..store.orders import ItemInput, PaymentOutcome
from .common import UNCONVERTIBLE, BadInput, as_bool, as_int, as_str
from .crud import as_decimal

# AddressInformation (v2) and RestV1AddressInformation (v1) share these names.
ADDRESS_TEXT = (
    "line1",
    "line2",
    "locality",
    "region",
    "company",
    "phone",
    "zip_code",
    "zip_four",
    "country_code",
    "first_name",
    "middle_name",
    "last_name",
)
IdReader = Callable[[Any, str], int]


def address_in(value: Any, name: str = "shipping_address") -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput(UNCONVERTIBLE, field=name)
    address: dict[str, Any] = {}
    for key in ADDRESS_TEXT:
        if value.get(key) is not None:
            address[key] = as_str(value[key], f"{name}.{key}")
    if value.get("is_invoice_to_company") is not None:
        address["is_invoice_to_company"] = as_bool(value["is_invoice_to_company"], name)
    return address


def item_in(body: Any, id_of: IdReader, *, price: str, cost: str | None) -> ItemInput:
    """An item of a create-order or create-item body; ``price``/``cost`` name the version's
    money fields (v1 ``price``, v2 ``price_per_unit``/``cost_per_unit``)."""
    if not isinstance(body, dict):
        raise BadInput(UNCONVERTIBLE, field="order_items")
    if body.get("quantity") is None:
        raise Invalid("quantity is required", field="quantity")
    values: dict[str, Any] = {"quantity": as_int(body["quantity"], "quantity")}
    for key in ("name", "description", "notes", "item_type"):
        if body.get(key) is not None:
            values[key] = as_str(body[key], key)
    for key in ("product_id", "subscription_plan_id"):
        if body.get(key) is not None:
            values[key] = id_of(body[key], key)
    if body.get(price) is not None:
        values["price"] = as_decimal(body[price], price)
    if cost is not None and body.get(cost) is not None:
        values["cost"] = as_decimal(body[cost], cost)
    return ItemInput(**values)


def items_in(value: Any, id_of: IdReader, *, price: str, cost: str | None) -> list[ItemInput]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInput(UNCONVERTIBLE, field="order_items")
    return [item_in(item, id_of, price=price, cost=cost) for item in value]


def plan_in(body: Any, card_field: str, id_of: IdReader) -> PaymentPlan:
    """A v1 ``RestPaymentPlan`` or v2 ``UpdatedPaymentPlan``."""
    if not isinstance(body, dict):
        raise BadInput(UNCONVERTIBLE, field="payment_plan")
    for name in ("number_of_payments", "days_between_payments", "plan_start_date"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    values: dict[str, Any] = {
        "number_of_payments": as_int(body["number_of_payments"], "number_of_payments"),
        "days_between_payments": as_int(body["days_between_payments"], "days_between_payments"),
        "plan_start_date": _date(body["plan_start_date"], "plan_start_date"),
    }
    if body.get("initial_payment_amount") is not None:
        amount = as_decimal(body["initial_payment_amount"], "initial_payment_amount")
        values["initial_payment_amount"] = amount
    if body.get("initial_payment_date") is not None:
        values["initial_payment_date"] = _date(body["initial_payment_date"], "initial_payment_date")
    if body.get("auto_charge") is not None:
        values["auto_charge"] = as_bool(body["auto_charge"], "auto_charge")
    if body.get(card_field) is not None:
        values["card_id"] = id_of(body[card_field], card_field)
    for name in ("max_charge_attempts", "days_between_retries"):
        if body.get(name) is not None:
            values[name] = as_int(body[name], name, minimum=0)
    gateway = body.get("payment_gateway")
    if isinstance(gateway, dict) and gateway.get("merchant_account_id") is not None:
        values["merchant_id"] = id_of(gateway["merchant_account_id"], "merchant_account_id")
    return PaymentPlan(**values)


def _date(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=name)
    return iso_date(value, name)


def declined(outcome: PaymentOutcome) -> Invalid:
    """A declined card answers 400 with the gateway's reason (keapsim's choice: no document
    gives the answer to a failed charge; the FAILED transaction stays listed)."""
    return Invalid(f"Payment declined: {outcome.error}", field="payment_method_id")

"""v2 sales set-up and history (``swagger.yml``): payment methods (all, and a contact's: list,
delete, ``:deactivate``), ``paymentMethodConfigs``, merchant accounts (list,
``sales/merchants/{id}:setDefault``), ``sales/transactions``, ``sales/payments`` and
``shipping``.

Shapes: ``ListPaymentMethodsResponse`` / ``ListContactPaymentMethodsResponse`` of
``PaymentMethod`` (with ``CardInfo``), ``PaymentMethodConfig``, ``ListMerchantsResponse``,
``ListTransactions`` of ``TransactionV2``, ``ListPayments`` of ``Payment`` and
``ListRestShippingMethodsResponse``. A payment method is a contact's stored card
(``tenant.credit_cards``): its ``payment_method_id`` and ``credit_card_id`` are the card's id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid, NotFound, Tenant
from ...store.credit_cards import CreditCard
from ...store.payments import (
    CARD_METHOD,
    INACTIVE_CARD_STATUSES,
    REFUNDED,
    Merchant,
    Payment,
    Transaction,
)
from ...wire import jsonify
from ..common import as_bool, json_body, path_id, tenant
from ..crud import as_decimal
from . import blueprint
from .filters import COMPARE, EQ, Clause, compare, id_set, positive_int
from .filters import timestamp as filter_time
from .listing import filtered_page
from .shapes import sid, string_id

CARD_KIND = "Payment Method"
MERCHANT_KIND = "Merchant"
# Labels for ``Payment.type`` ("A label describing the type of payment made", example
# "Credit Card"); keapsim's wording for the others.
PAYMENT_LABELS = {CARD_METHOD: "Credit Card", "CASH": "Cash", "CHECK": "Check"}


# -- payment methods -------------------------------------------------------------------------
def _expired(card: CreditCard, now: datetime) -> bool:
    try:
        return (now.year, now.month) > (int(card.expiration_year), int(card.expiration_month))
    except ValueError:
        return False


def payment_method_v2(card: CreditCard, store: Tenant) -> dict[str, Any]:
    """``PaymentMethod``: ``fingerprint`` is a token derived from the tenant and the card id
    (never from a number keapsim does not keep); ``card_type`` is CREDIT (keapsim stores no
    funding type)."""
    merchant = store.merchants.default()
    fingerprint = hashlib.sha256(f"{store.id}:{card.id}".encode()).hexdigest()[:16]
    body: dict[str, Any] = {
        "contact_id": str(card.contact_id),
        "payment_method_id": str(card.id),
        "credit_card_id": str(card.id),
        "payment_method_type": "CARD",
        "created_time": iso(card.date_created),
        "card_info": {
            "brand": card.card_type,
            "fingerprint": fingerprint,
            "card_type": "CREDIT",
            "last_four": card.last_four,
            "expiration_year": card.expiration_year,
            "expiration_month": card.expiration_month,
        },
    }
    if merchant is not None:
        body["merchant_account_id"] = str(merchant.id)
        body["merchant_account_type"] = merchant.type
    if _expired(card, store.core.now()):
        body["status"] = "EXPIRED"
    return body


def _active_cards(store: Tenant) -> list[CreditCard]:
    """Cards a client can still pay with: deactivated ones are left out (keapsim's choice)."""
    return [c for c in store.credit_cards.list() if c.status not in INACTIVE_CARD_STATUSES]


PM_FILTERS: dict[str, tuple[str, ...]] = {
    "payment_method_id": EQ,
    "credit_card_id": EQ,
    "contact_id": EQ,
    "merchant_account_id": EQ,
    "since_time": EQ,
    "until_time": EQ,
}
PM_ORDERS: dict[str, Callable[[CreditCard], Any]] = {
    "payment_method_id": lambda c: c.id,
    "created_time": lambda c: c.date_created,
    "contact_id": lambda c: c.contact_id,
    "merchant_account_id": lambda c: 0,  # every card shows the default merchant
}


def _card_test(clause: Clause, store: Tenant) -> Callable[[CreditCard], bool]:
    name, value = clause.field, clause.value
    if name in ("since_time", "until_time"):
        moment = filter_time(value, name)
        if name == "since_time":
            return lambda c: c.date_created >= moment
        return lambda c: c.date_created <= moment
    wanted = positive_int(value, name)
    if name == "contact_id":
        return lambda c: c.contact_id == wanted
    if name == "merchant_account_id":
        default = store.merchants.default()
        return lambda c: default is not None and default.id == wanted
    return lambda c: c.id == wanted


@blueprint.get("/paymentMethods")
def list_payment_methods_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "payment_methods",
        _active_cards(store),
        lambda c: payment_method_v2(c, store),
        filters=PM_FILTERS,
        test=lambda c: _card_test(c, store),
        orders=PM_ORDERS,
        default_order="payment_method_id",
    )
    return jsonify(body)


@blueprint.get("/contacts/<contact_id>/paymentMethods")
def list_contact_payment_methods_v2(contact_id: str) -> Response:
    store = tenant()
    number = path_id(contact_id, "Contact")
    store.contacts.get(number)
    cards = [
        c for c in store.credit_cards.of_contact(number) if c.status not in INACTIVE_CARD_STATUSES
    ]
    body = filtered_page(
        "records",
        cards,
        lambda c: payment_method_v2(c, store),
        filters={"merchant_account_id": EQ},
        test=lambda c: _card_test(c, store),
        orders={"created_time": PM_ORDERS["created_time"]},
        default_order="created_time",
    )
    return jsonify(body)


def _contact_card(contact_id: str, method_id: str) -> tuple[Tenant, CreditCard]:
    store = tenant()
    number = path_id(contact_id, "Contact")
    store.contacts.get(number)
    card = store.credit_cards.find(path_id(method_id, CARD_KIND))
    if card is None or card.contact_id != number:
        raise NotFound(CARD_KIND, method_id)
    return store, card


@blueprint.delete("/contacts/<contact_id>/paymentMethods/<method_id>")
def delete_payment_method_v2(contact_id: str, method_id: str) -> Response:
    store, card = _contact_card(contact_id, method_id)
    store.credit_cards.delete(card.id)
    return Response(status=204)


@blueprint.post("/contacts/<contact_id>/paymentMethods/<method_id>:deactivate")
def deactivate_payment_method_v2(contact_id: str, method_id: str) -> Response:
    """The card stays (orders and transactions refer to it) but can no longer be charged:
    its status becomes Inactive. Deactivating it again changes nothing."""
    store, card = _contact_card(contact_id, method_id)
    if card.status not in INACTIVE_CARD_STATUSES:
        with store.core.write():
            store.credit_cards.table.replace(replace(card, status="Inactive"))
    return Response(status=204)


@blueprint.post("/paymentMethodConfigs")
def create_payment_method_config_v2() -> Response:
    """``PaymentMethodConfig``: a session key for the contact (200, as the document says)."""
    body = json_body()
    if body.get("contact_id") is None:
        raise Invalid("contact_id is required", field="contact_id")
    contact_id = string_id(body["contact_id"], "contact_id")
    tenant().contacts.get(contact_id)
    config = tenant().payment_method_configs.open_session(contact_id)
    return jsonify({"session_key": config.session_key})


# -- merchants -------------------------------------------------------------------------------
MERCHANT_FILTERS: dict[str, tuple[str, ...]] = {"id": EQ, "name": EQ, "type": EQ}
MERCHANT_ORDERS: dict[str, Callable[[Merchant], Any]] = {
    "id": lambda m: m.id,
    "name": lambda m: m.name.casefold(),
}


def _merchant_test(clause: Clause) -> Callable[[Merchant], bool]:
    value = clause.value
    if clause.field == "id":
        wanted = positive_int(value, "id")
        return lambda m: m.id == wanted
    if clause.field == "name":
        return lambda m: m.name.casefold() == value.casefold()
    return lambda m: m.type == value.upper()


@blueprint.get("/merchants")
def list_merchants_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "merchant_accounts",
        store.merchants.list(),
        lambda m: {"id": str(m.id), "name": m.name, "type": m.type, "is_test": m.is_test},
        filters=MERCHANT_FILTERS,
        test=_merchant_test,
        orders=MERCHANT_ORDERS,
    )
    default = store.merchants.default()
    if default is not None:
        body = {"default_merchant_account_id": str(default.id), **body}
    return jsonify(body)


@blueprint.post("/sales/merchants/<merchant_id>:setDefault")
def set_default_merchant_v2(merchant_id: str) -> Response:
    """200 without a body (the document's answer has no content)."""
    tenant().merchants.set_default(path_id(merchant_id, MERCHANT_KIND))
    return Response(status=200)


# -- transactions ----------------------------------------------------------------------------
TX_FILTERS: dict[str, tuple[str, ...]] = {
    "amount": COMPARE,
    "order_id": EQ,
    "contact_id": EQ,
    "since_time": EQ,
    "until_time": EQ,
    "merchant_account_id": EQ,
    "merchant_account_type": EQ,
    "status": EQ,
    "transaction_method": EQ,
    "is_successful": EQ,
}
TX_ORDERS: dict[str, Callable[[Transaction], Any]] = {
    "amount": lambda t: t.amount,
    "transaction_time": lambda t: t.transaction_time,
    "contact_id": lambda t: t.contact_id,
}


def transaction_v2(tx: Transaction, store: Tenant) -> dict[str, Any]:
    """``TransactionV2``."""
    merchant = store.merchants.find(tx.merchant_id)
    card = store.credit_cards.find(tx.card_id)
    contact = store.contacts.find(tx.contact_id)
    body: dict[str, Any] = {
        "amount": float(tx.amount),
        "status": tx.status,
        "description": tx.description,
        "order_ids": [str(i) for i in tx.order_ids],
        "contact_id": str(tx.contact_id),
        "transaction_method": tx.method,
        "transaction_time": iso(tx.transaction_time),
        "external_reference_id": f"keapsim_tx_{tx.id}",
        "external_response_code": tx.decline_code,
        "error_details": tx.error,
        "payment_id": sid(tx.payment_id),
        "is_successful": tx.successful,
        "merchant_account_id": sid(tx.merchant_id),
        "merchant_account_type": merchant.type if merchant else None,
        "payment_method": payment_method_v2(card, store) if card else None,
    }
    if contact is not None:
        body["contact"] = {
            k: v
            for k, v in {
                "id": str(contact.id),
                "email": contact.primary_email,
                "given_name": contact.given_name,
                "family_name": contact.family_name,
            }.items()
            if v is not None
        }
    return {k: v for k, v in body.items() if v is not None}


def _money_test(clause: Clause, read: Callable[[Any], Any]) -> Callable[[Any], bool]:
    amount = as_decimal(clause.value, "filter")
    return lambda r: compare(read(r), clause.op, amount)


def _window(clause: Clause, read: Callable[[Any], datetime]) -> Callable[[Any], bool]:
    moment = filter_time(clause.value, clause.field)
    if clause.field == "since_time":
        return lambda r: read(r) >= moment
    return lambda r: read(r) <= moment


def _merchant_type_test(
    store: Tenant, value: str, read: Callable[[Any], int | None]
) -> Callable[[Any], bool]:
    def test(record: Any) -> bool:
        merchant = store.merchants.find(read(record))
        return merchant is not None and merchant.type == value.upper()

    return test


def _tx_test(clause: Clause, store: Tenant) -> Callable[[Transaction], bool]:
    name, value = clause.field, clause.value
    if name == "amount":
        return _money_test(clause, lambda t: t.amount)
    if name in ("since_time", "until_time"):
        return _window(clause, lambda t: t.transaction_time)
    if name == "merchant_account_type":
        return _merchant_type_test(store, value, lambda t: t.merchant_id)
    if name == "is_successful":
        flag = as_bool(value, "filter")
        return lambda t: t.successful == flag
    if name in ("status", "transaction_method"):
        attr = "status" if name == "status" else "method"
        return lambda t: getattr(t, attr) == value.upper()
    wanted = positive_int(value, name)
    if name == "order_id":
        return lambda t: wanted in t.order_ids
    if name == "contact_id":
        return lambda t: t.contact_id == wanted
    return lambda t: t.merchant_id == wanted


@blueprint.get("/sales/transactions")
def list_transactions_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "transactions",
        store.transactions.list(),
        lambda t: transaction_v2(t, store),
        filters=TX_FILTERS,
        test=lambda c: _tx_test(c, store),
        orders=TX_ORDERS,
    )
    return jsonify(body)


# -- payments --------------------------------------------------------------------------------
PAY_FILTERS: dict[str, tuple[str, ...]] = {
    "id": ("==", ">", ">=", "<", "<="),
    "ids": EQ,
    "amount": COMPARE,
    "order_id": EQ,
    "order_ids": EQ,
    "contact_id": EQ,
    "since_time": EQ,
    "until_time": EQ,
    "merchant_account_id": EQ,
    "merchant_account_type": EQ,
}


def _signed(payment: Payment) -> Any:
    """A refund lists as a negative payment (keapsim's choice)."""
    return -payment.amount if payment.is_refund else payment.amount


PAY_ORDERS: dict[str, Callable[[Payment], Any]] = {
    "id": lambda p: p.id,
    "amount": _signed,
    "payment_time": lambda p: p.pay_time,
    "contact_id": lambda p: p.contact_id,
}


def sales_payment_v2(payment: Payment, store: Tenant) -> dict[str, Any]:
    """``Payment``: ``status`` COMPLETED for a manual payment, APPROVED for a card charge;
    ``refund_payment_id`` names the latest refund of it."""
    refunds = [p.id for p in store.payments.of_order(payment.order_id) if p.refund_of == payment.id]
    merchant = store.merchants.find(payment.merchant_id)
    card = store.credit_cards.find(payment.card_id)
    label = "Refund" if payment.pay_status == REFUNDED else None
    body: dict[str, Any] = {
        "id": str(payment.id),
        "type": label or PAYMENT_LABELS.get(payment.method, payment.method.title()),
        "amount": float(_signed(payment)),
        "note": payment.note,
        "status": "APPROVED" if payment.card_id is not None else "COMPLETED",
        "commissioned": not payment.skip_commission and not payment.is_refund,
        "synced": False,
        "payment_time": iso(payment.pay_time),
        "refund_payment_id": str(refunds[-1]) if refunds else None,
        "contact_id": str(payment.contact_id),
        "order_ids": [str(payment.order_id)],
        "update_time": iso(payment.update_time),
        "external_transaction_id": f"keapsim_tx_{payment.transaction_id}",
        "merchant_account_id": sid(payment.merchant_id),
        "merchant_account_type": merchant.type if merchant else None,
        "payment_method": payment_method_v2(card, store) if card else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def _payment_test(clause: Clause, store: Tenant) -> Callable[[Payment], bool]:
    name, value, op = clause.field, clause.value, clause.op
    if name == "amount":
        return _money_test(clause, _signed)
    if name in ("since_time", "until_time"):
        return _window(clause, lambda p: p.pay_time)
    if name == "merchant_account_type":
        return _merchant_type_test(store, value, lambda p: p.merchant_id)
    if name in ("ids", "order_ids"):
        ids = id_set(value, name)
        if name == "ids":
            return lambda p: p.id in ids
        return lambda p: p.order_id in ids
    wanted = positive_int(value, name)
    if name == "id":
        return lambda p: compare(p.id, op, wanted)
    if name == "order_id":
        return lambda p: p.order_id == wanted
    if name == "contact_id":
        return lambda p: p.contact_id == wanted
    return lambda p: p.merchant_id == wanted


@blueprint.get("/sales/payments")
def list_payments_v2() -> Response:
    store = tenant()
    body = filtered_page(
        "payments",
        store.payments.list(),
        lambda p: sales_payment_v2(p, store),
        filters=PAY_FILTERS,
        test=lambda c: _payment_test(c, store),
        orders=PAY_ORDERS,
    )
    return jsonify(body)


# -- shipping --------------------------------------------------------------------------------
@blueprint.get("/shipping")
def list_shipping_methods_v2() -> Response:
    """``ListRestShippingMethodsResponse``: every method, no paging (the document has none)."""
    methods = [
        {
            "id": str(m.id),
            "name": m.name,
            "description": m.description,
            "type": m.type,
            "status": m.status,
            "international": m.international,
            "settings": dict(m.settings),
        }
        for m in tenant().shipping_methods.list()
    ]
    return jsonify(
        {"shipping_methods": [{k: v for k, v in m.items() if v is not None} for m in methods]}
    )

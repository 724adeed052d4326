"""v1 transactions (``/transactions``, ``/orders/{orderId}/transactions``) and merchant
accounts (``/merchants``), from the v1 document (``2025-11-05-v1.json``).

Shapes: ``TransactionList`` of ``EcommerceReportingTransaction`` and
``RestMerchantAccountResponse``. The document types every transaction field as a bare string;
keapsim's values: ``status`` Approved | Failed, ``type`` Sale | Refund, ``collection_method``
MANUAL (a payment recorded by hand) | AUTOMATIC (a card charge), ``gateway`` the merchant
account's type (MANUAL for a manual payment).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...store import Tenant
from ...store.payments import CAPTURE, MANUAL, REFUND, Transaction
from ...wire import jsonify
from ..common import path_id, query_int, tenant
from ..paging import v1_window
from . import blueprint
from .orders import KIND as ORDER_KIND
from .orders import order_v1, window_test
from .shapes import v1_time

KIND = "Transaction"
TYPES = {CAPTURE: "Sale", MANUAL: "Sale", REFUND: "Refund"}


def transaction_v1(tx: Transaction, store: Tenant) -> dict[str, Any]:
    """``EcommerceReportingTransaction``."""
    merchant = store.merchants.find(tx.merchant_id)
    body = {
        "id": tx.id,
        "amount": float(tx.amount),
        "contact_id": tx.contact_id,
        "currency": tx.currency,
        "status": "Approved" if tx.successful else "Failed",
        "type": TYPES.get(tx.method, tx.method),
        "collection_method": "MANUAL" if tx.method == MANUAL else "AUTOMATIC",
        "gateway": merchant.type if merchant else "MANUAL",
        "gateway_account_name": merchant.name if merchant else None,
        "test": merchant.is_test if merchant else False,
        "errors": tx.error,
        "transaction_date": v1_time(tx.transaction_time),
        "paymentDate": v1_time(tx.transaction_time),
        "order_ids": ",".join(str(i) for i in tx.order_ids),
        "orders": [order_v1(o, store) for o in map(store.orders.find, tx.order_ids) if o],
    }
    return {k: v for k, v in body.items() if v is not None}


def _transactions_page(transactions: list[Transaction], store: Tenant) -> Response:
    """``contact_id`` and ``since``/``until`` (on the transaction date), limit/offset."""
    contact_id = query_int("contact_id")
    in_window = window_test(lambda t: t.transaction_time)
    chosen = [
        t
        for t in transactions
        if (contact_id is None or t.contact_id == contact_id) and in_window(t)
    ]
    page, meta = v1_window(chosen)
    return jsonify({"transactions": [transaction_v1(t, store) for t in page], **meta})


@blueprint.get("/transactions")
def list_transactions_v1() -> Response:
    store = tenant()
    return _transactions_page(store.transactions.list(), store)


@blueprint.get("/transactions/<transaction_id>")
def get_transaction_v1(transaction_id: str) -> Response:
    store = tenant()
    tx = store.transactions.get(path_id(transaction_id, KIND))
    return jsonify(transaction_v1(tx, store))


@blueprint.get("/orders/<order_id>/transactions")
def list_order_transactions_v1(order_id: str) -> Response:
    store = tenant()
    number = path_id(order_id, ORDER_KIND)
    store.orders.get(number)
    return _transactions_page(store.transactions.of_order(number), store)


@blueprint.get("/merchants")
def list_merchants_v1() -> Response:
    """``RestMerchantAccountResponse``."""
    store = tenant()
    default = store.merchants.default()
    body: dict[str, Any] = {
        "merchant_accounts": [
            {"id": m.id, "account_name": m.name, "type": m.type, "is_test": m.is_test}
            for m in store.merchants.list()
        ]
    }
    if default is not None:
        body["default_merchant_account"] = default.id
    return jsonify(body)

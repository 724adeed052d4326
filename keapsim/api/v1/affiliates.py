"""v1 affiliates (``2025-11-05-v1.json``, tag Affiliate): list, create and get affiliates;
their programs, redirect links, commissions, clawbacks, payments and summaries.

v1 writes an affiliate's status in lower case (``active``/``inactive``) and calls the
lead-tracking days ``track_leads_for``; the store keeps v2's words. The document's
descriptions of the list's ``code`` and ``parent_id`` parameters are swapped ("Optional
affiliate parent ID" on ``code``); keapsim filters each by its name. A program listed with
``affiliate_id`` shows that affiliate as its ``affiliate_id``; without it the field is left
out (a program has many affiliates, the v1 shape one). ``sold_by_*`` (the user who made the
sale) is left out: keapsim's orders record no salesperson.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid
from ...store.affiliate_ledger import AffiliatePayment, CommissionEntry
from ...store.affiliate_programs import CommissionProgram
from ...store.affiliate_redirects import RedirectLink
from ...store.affiliates import Affiliate
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import (
    BadInput,
    as_bool,
    as_int,
    as_str,
    json_body,
    path_id,
    query_int,
    query_time,
    tenant,
)
from ..paging import v1_order, v1_window
from . import blueprint
from .shapes import v1_time

KIND = "Affiliate"
STATUSES_V1 = ("active", "inactive")


# -- shapes ----------------------------------------------------------------------------------
def affiliate_v1(affiliate: Affiliate) -> dict[str, Any]:
    """``Affiliate``."""
    body = {
        "id": affiliate.id,
        "code": affiliate.code,
        "contact_id": affiliate.contact_id,
        "name": affiliate.name,
        "notify_on_lead": affiliate.notify_on_lead,
        "notify_on_sale": affiliate.notify_on_sale,
        "parent_id": affiliate.parent_id,
        "status": affiliate.status.lower(),
        "track_leads_for": affiliate.track_leads_days,
    }
    return {k: v for k, v in body.items() if v is not None}


def program_v1(program: CommissionProgram, affiliate_id: int | None) -> dict[str, Any]:
    body = {
        "affiliate_id": affiliate_id,
        "id": program.id,
        "name": program.name,
        "notes": program.notes,
        "priority": program.priority,
    }
    return {k: v for k, v in body.items() if v is not None}


def redirect_v1(link: RedirectLink) -> dict[str, Any]:
    body = {
        "affiliate_id": link.affiliate_id,
        "id": link.id,
        "local_url_code": link.code,
        "name": link.name,
        "program_ids": list(link.program_ids),
        "redirect_url": link.website_address,
    }
    return {k: v for k, v in body.items() if v is not None}


def commission_v1(entry: CommissionEntry, store: Tenant) -> dict[str, Any]:
    contact = store.contacts.find(entry.contact_id)
    body = {
        "amount_earned": float(entry.amount),
        "contact_first_name": None if contact is None else contact.given_name,
        "contact_id": entry.contact_id,
        "contact_last_name": None if contact is None else contact.family_name,
        "date_earned": v1_time(entry.time_earned),
        "description": entry.description,
        "invoice_id": entry.order_id,
        "product_name": entry.product_name,
        "sales_affiliate_id": entry.sales_affiliate_id,
    }
    return {k: v for k, v in body.items() if v is not None}


def clawback_v1(entry: CommissionEntry, store: Tenant) -> dict[str, Any]:
    contact = store.contacts.find(entry.contact_id)
    body = {
        "amount": float(entry.amount),
        "contact_id": entry.contact_id,
        "date_earned": v1_time(entry.time_earned),
        "description": entry.description,
        "family_name": None if contact is None else contact.family_name,
        "given_name": None if contact is None else contact.given_name,
        "invoice_id": entry.order_id,
        "product_name": entry.product_name,
        "sale_affiliate_id": entry.sales_affiliate_id,
        "subscription_plan_name": entry.subscription_plan_name,
    }
    return {k: v for k, v in body.items() if v is not None}


def payment_v1(payment: AffiliatePayment) -> dict[str, Any]:
    body = {
        "amount": float(payment.pay_amount),
        "date": None if payment.pay_date is None else v1_time(payment.pay_date),
        "id": payment.id,
        "notes": payment.pay_notes,
        "type": payment.pay_type,
    }
    return {k: v for k, v in body.items() if v is not None}


# -- parameters ------------------------------------------------------------------------------


def _sorted(items: Iterable[Any], keys: dict[str, Callable[[Any], Any]]) -> list[Any]:
    """``items`` by v1's ``order`` / ``order_direction`` (ties in id order)."""
    order, descending = v1_order(tuple(keys))
    key = keys[order]
    present = sorted((i for i in items if key(i) is not None), key=key, reverse=descending)
    return present + [i for i in items if key(i) is None]


def _page(key: str, items: list[Any], shape: Callable[[Any], dict[str, Any]]) -> Response:
    page, meta = v1_window(items)
    return jsonify({key: [shape(i) for i in page], **meta})


# -- affiliates ------------------------------------------------------------------------------
def _affiliate_filter() -> Callable[[Affiliate], bool]:
    code, name = request.args.get("code"), request.args.get("name")
    contact_id, parent_id = query_int("contact_id"), query_int("parent_id")
    program_id = query_int("program_id")
    status = request.args.get("status")
    if status and status.lower() not in STATUSES_V1:
        raise BadInput("status must be active or inactive", field="status")

    def test(a: Affiliate) -> bool:
        return (
            (not code or a.code.casefold() == code.casefold())
            and (not name or (a.name or "").casefold() == name.casefold())
            and (contact_id is None or a.contact_id == contact_id)
            and (parent_id is None or a.parent_id == parent_id)
            and (program_id is None or program_id in a.program_ids)
            and (not status or a.status == status.upper())
        )

    return test


@blueprint.get("/affiliates")
def list_affiliates_v1() -> Response:
    matches = list(tenant().affiliates.table.scan(_affiliate_filter()))
    keys = {"id": lambda a: a.id, "name": lambda a: (a.name or "").casefold() or None}
    return _page("affiliates", _sorted(matches, keys), affiliate_v1)


V1_FIELDS = {  # v1 wire name -> store field
    "code": "code",
    "contact_id": "contact_id",
    "name": "name",
    "notify_on_lead": "notify_on_lead",
    "notify_on_sale": "notify_on_sale",
    "parent_id": "parent_id",
    "password": "password",
    "status": "status",
    "track_leads_for": "track_leads_days",
}


def _values_v1(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for wire, name in V1_FIELDS.items():
        value = body.get(wire)
        if value is None:
            continue
        if wire in ("contact_id", "parent_id", "track_leads_for"):
            values[name] = as_int(value, wire)
        elif wire.startswith("notify_"):
            values[name] = as_bool(value, wire)
        elif wire == "status":
            text = as_str(value, wire) or ""
            if text.lower() not in STATUSES_V1:
                raise Invalid("status must be active or inactive", field="status")
            values[name] = text.upper()
        else:
            values[name] = as_str(value, wire)
    return values


@blueprint.post("/affiliates")
def create_affiliate_v1() -> tuple[Response, int]:
    body = json_body()
    for required in ("code", "contact_id", "password"):
        if body.get(required) in (None, ""):
            raise Invalid(f"{required} is required", field=required)
    affiliate = tenant().affiliates.create(**_values_v1(body))
    return jsonify(affiliate_v1(affiliate)), 201


@blueprint.get("/affiliates/<ident>")
def get_affiliate_v1(ident: str) -> Response:
    return jsonify(affiliate_v1(tenant().affiliates.get(path_id(ident, KIND))))


# -- programs and redirect links -------------------------------------------------------------
@blueprint.get("/affiliates/programs")
def list_affiliate_programs_v1() -> Response:
    store = tenant()
    affiliate_id = query_int("affiliate_id")
    programs = store.affiliate_programs.list()
    if affiliate_id is not None:
        affiliate = store.affiliates.find(affiliate_id)
        members = set() if affiliate is None else set(affiliate.program_ids)
        programs = [p for p in programs if p.id in members]
    keys = {
        "id": lambda p: p.id,
        "name": lambda p: p.name.casefold(),
        "priority": lambda p: p.priority,
    }
    return _page("programs", _sorted(programs, keys), lambda p: program_v1(p, affiliate_id))


@blueprint.get("/affiliates/redirectlinks")
def list_affiliate_redirect_links_v1() -> Response:
    affiliate_id = query_int("affiliate_id")
    links = [
        link
        for link in tenant().affiliate_redirects.list()
        if affiliate_id is None or link.affiliate_id == affiliate_id
    ]
    keys = {"id": lambda r: r.id, "name": lambda r: r.name.casefold()}
    return _page("redirects", _sorted(links, keys), redirect_v1)


# -- the ledger ------------------------------------------------------------------------------
def _entries(affiliate_id: int | None, kind: str) -> list[CommissionEntry]:
    store = tenant().affiliate_commissions
    since, until = query_time("since"), query_time("until")
    if affiliate_id is not None:
        return store.of_affiliate(affiliate_id, kind, since, until)
    return [
        e
        for e in store.list()
        if e.kind == kind
        and (since is None or e.time_earned >= since)
        and (until is None or e.time_earned <= until)
    ]


DATE_EARNED = {"DATE_EARNED": lambda e: e.time_earned, "id": lambda e: e.id}


@blueprint.get("/affiliates/commissions")
def list_affiliate_commissions_v1() -> Response:
    """Every affiliate's commissions, or ``affiliateId``'s (an unknown one has none)."""
    store = tenant()
    entries = _entries(query_int("affiliateId"), "COMMISSION")
    ordered = _sorted(entries, DATE_EARNED)
    return _page("commissions", ordered, lambda e: commission_v1(e, store))


@blueprint.get("/affiliates/<ident>/clawbacks")
def list_affiliate_clawbacks_v1(ident: str) -> Response:
    store = tenant()
    affiliate = store.affiliates.get(path_id(ident, KIND))
    ordered = _sorted(_entries(affiliate.id, "CLAWBACK"), DATE_EARNED)
    return _page("clawbacks", ordered, lambda e: clawback_v1(e, store))


@blueprint.get("/affiliates/<ident>/payments")
def list_affiliate_payments_v1(ident: str) -> Response:
    store = tenant()
    affiliate = store.affiliates.get(path_id(ident, KIND))
    since, until = query_time("since"), query_time("until")
    payments = [
        p
        for p in store.affiliate_payments.of_affiliate(affiliate.id)
        if (since is None or (p.pay_date is not None and p.pay_date >= since))
        and (until is None or (p.pay_date is not None and p.pay_date <= until))
    ]
    keys: dict[str, Callable[[Any], Any]] = {
        "id": lambda p: p.id,
        "ID": lambda p: p.id,
        "DATE": lambda p: p.pay_date,
        "AMOUNT": lambda p: p.pay_amount,
    }
    return _page("payments", _sorted(payments, keys), payment_v1)


def _money(value: Decimal) -> float:
    return float(value)


@blueprint.get("/affiliates/summaries")
def list_affiliate_summaries_v1() -> Response:
    """One summary per affiliate (``affiliate_ids`` narrows them); no paging in the document."""
    store = tenant()
    raw = [part for item in request.args.getlist("affiliate_ids") for part in item.split(",")]
    wanted = {as_int(part.strip(), "affiliate_ids") for part in raw if part.strip()}
    ids = [i for i in store.affiliates.keys() if not wanted or i in wanted]
    found = [store.affiliate_commissions.summary(i) for i in ids]
    keys: dict[str, Callable[[Any], Any]] = {
        "id": lambda s: s.affiliate_id,
        "affiliate_id": lambda s: s.affiliate_id,
        "amount_earned": lambda s: s.amount_earned,
        "balance": lambda s: s.balance,
        "clawbacks": lambda s: s.clawbacks,
    }
    items = [
        {
            "affiliate_id": s.affiliate_id,
            "amount_earned": _money(s.amount_earned),
            "balance": _money(s.balance),
            "clawbacks": _money(s.clawbacks),
        }
        for s in _sorted(found, keys)
    ]
    return jsonify({"summaries": items, "count": len(items)})

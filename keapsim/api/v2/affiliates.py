"""v2 affiliates (``swagger.yml``: RestAffiliate, Create/UpdateAffiliateRequest,
AffiliateAdd/RemoveFromProgramRequest, AffiliateCommission, RestAffiliatePayment,
AffiliateCommissionEarned, AffiliateSummaryRecord, Referral) and their ledger.

Not shown: ``unique_site_id`` (the affiliate portal's site, which keapsim has none of) and
``view_ledger_url`` (a page of Keap's web app). The commission and summary figures come from
``keapsim/store/affiliate_ledger.py``; money goes out as a JSON number (the document types
it as a double).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid
from ...store.affiliate_ledger import AffiliatePayment, CommissionEntry, Summary
from ...store.affiliates import Affiliate
from ...store.base import Lookup, Query
from ...store.custom_fields import REFERRAL_PARTNER
from ...store.referrals import Referral
from ...store.tenant import Tenant
from ...wire import jsonify
from ..common import as_bool, as_int, as_str, json_body, path_id, tenant
from ..crud import record_out
from ..custom_values import custom_values_in, custom_values_out
from ..resources import REFERRALS
from . import blueprint
from .custom_filters import by_field_name, custom_field_test, operators
from .filters import (
    COMPARE,
    EQ,
    Clause,
    compare,
    id_set,
    masked,
    parse_filter,
    positive_int,
    text_matches,
    timestamp,
    update_mask,
)
from .listing import filtered_page
from .shapes import sid, string_id

KIND = "Affiliate"
BASE = "/affiliates"
FILTERS = {
    "id": COMPARE,
    "name": EQ,
    "contact_id": EQ,
    "referral_contact_id": EQ,
    "status": EQ,
    "code": EQ,
}
# v2 wire name -> store field
WRITABLE = {
    "code": "code",
    "name": "name",
    "status": "status",
    "contact_id": "contact_id",
    "parent_affiliate_id": "parent_id",
    "notify_on_sale": "notify_on_sale",
    "notify_on_lead": "notify_on_lead",
    "track_leads_days": "track_leads_days",
    "password": "password",
    "custom_fields": "custom_fields",
}
WINDOW_FILTERS = {"since_time": EQ, "until_time": EQ}


# -- shapes ----------------------------------------------------------------------------------
def money(value: Decimal) -> float:
    return float(value)


def affiliate_v2(affiliate: Affiliate, store: Tenant) -> dict[str, Any]:
    """``RestAffiliate``."""
    body = {
        "id": str(affiliate.id),
        "code": affiliate.code,
        "name": affiliate.name,
        "status": affiliate.status,
        "contact_id": str(affiliate.contact_id),
        "date_created": None if affiliate.date_created is None else iso(affiliate.date_created),
        "parent_affiliate_id": sid(affiliate.parent_id),
        "notify_on_sale": affiliate.notify_on_sale,
        "notify_on_lead": affiliate.notify_on_lead,
        "track_leads_days": affiliate.track_leads_days,
        "custom_fields": custom_values_out(affiliate, store, REFERRAL_PARTNER, str),
    }
    return {k: v for k, v in body.items() if v is not None}


def commission_v2(entry: CommissionEntry, store: Tenant) -> dict[str, Any]:
    """``AffiliateCommission``."""
    contact = store.contacts.find(entry.contact_id)
    seller = store.affiliates.find(entry.sales_affiliate_id)
    body = {
        "description": entry.description,
        "amount_earned": money(entry.amount),
        "contact_first_name": None if contact is None else contact.given_name,
        "contact_last_name": None if contact is None else contact.family_name,
        "invoice_id": sid(entry.order_id),
        "time_earned": iso(entry.time_earned),
        "contact_id": sid(entry.contact_id),
        "sales_affiliate_id": sid(entry.sales_affiliate_id),
        "sales_affiliate_name": None if seller is None else seller.name,
        "product_name": entry.product_name,
    }
    return {k: v for k, v in body.items() if v is not None}


def payment_v2(payment: AffiliatePayment) -> dict[str, Any]:
    """``RestAffiliatePayment``."""
    body = {
        "id": str(payment.id),
        "pay_date": None if payment.pay_date is None else iso(payment.pay_date),
        "pay_notes": payment.pay_notes,
        "pay_amount": money(payment.pay_amount),
        "pay_type": payment.pay_type,
        "create_time": None if payment.create_time is None else iso(payment.create_time),
    }
    return {k: v for k, v in body.items() if v is not None}


def summary_v2(summary: Summary) -> dict[str, Any]:
    """``AffiliateSummaryRecord`` (camelCase and an integer id, as the document has it)."""
    return {
        "affiliateId": summary.affiliate_id,
        "clawbacks": money(summary.clawbacks),
        "balance": money(summary.balance),
        "amountEarned": money(summary.amount_earned),
    }


# -- bodies ----------------------------------------------------------------------------------
def affiliate_values(body: dict[str, Any]) -> dict[str, Any]:
    """The store values of a create or update body (wire names → store names)."""
    values: dict[str, Any] = {}
    for wire, name in WRITABLE.items():
        if wire not in body:
            continue
        value = body[wire]
        if value is None:
            values[name] = None
        elif wire in ("contact_id", "parent_affiliate_id"):
            values[name] = string_id(value, wire)
        elif wire in ("notify_on_sale", "notify_on_lead"):
            values[name] = as_bool(value, wire)
        elif wire == "track_leads_days":
            values[name] = as_int(value, wire)
        elif wire == "custom_fields":
            values[name] = custom_values_in(value, string_id)
        else:
            values[name] = as_str(value, wire)
    return values


# -- affiliates ------------------------------------------------------------------------------
def _affiliate_test(
    clause: Clause, store: Tenant, custom: dict[str, Any]
) -> Callable[[Affiliate], bool]:
    name, op, value = clause.field, clause.op, clause.value
    if name == "id":
        number = positive_int(value, name)
        return lambda a: compare(a.id, op, number)
    if name == "contact_id":
        contact = positive_int(value, name)
        return lambda a: a.contact_id == contact
    if name == "referral_contact_id":
        referred = positive_int(value, name)
        referrals = store.referrals.select(Query(lookups=[Lookup("contact_id", "eq", referred)]))
        partners = {r.referral_partner_id for r in referrals}
        return lambda a: a.id in partners
    if name in ("name", "code"):
        return lambda a: text_matches(getattr(a, name), value)
    if name == "status":
        wanted = value.upper()
        return lambda a: a.status == wanted
    return custom_field_test(custom[name], op, value)


AFFILIATE_ORDERS: dict[str, Callable[[Affiliate], Any]] = {
    "id": lambda a: a.id,
    "date_created": lambda a: a.date_created,
    "name": lambda a: (a.name or "").casefold() or None,
    "status": lambda a: a.status,
    "code": lambda a: a.code.casefold(),
}


@blueprint.get(BASE)
def list_affiliates_v2() -> Response:
    store = tenant()
    custom = by_field_name(store.custom_fields.of_record_type(REFERRAL_PARTNER))
    body = filtered_page(
        "affiliates",
        store.affiliates.table.scan(),
        lambda a: affiliate_v2(a, store),
        filters=FILTERS,
        any_case=operators(custom),
        test=lambda c: _affiliate_test(c, store, custom),
        orders=AFFILIATE_ORDERS,
    )
    return jsonify(body)


@blueprint.post(BASE)
def create_affiliate_v2() -> tuple[Response, int]:
    body = json_body()
    for required in ("code", "contact_id"):
        if body.get(required) is None:
            raise Invalid(f"{required} is required", field=required)
    store = tenant()
    affiliate = store.affiliates.create(**affiliate_values(body))
    return jsonify(affiliate_v2(affiliate, store)), 201


@blueprint.get(f"{BASE}/<ident>")
def get_affiliate_v2(ident: str) -> Response:
    store = tenant()
    return jsonify(affiliate_v2(store.affiliates.get(path_id(ident, KIND)), store))


@blueprint.patch(f"{BASE}/<ident>")
def update_affiliate_v2(ident: str) -> Response:
    store = tenant()
    number = path_id(ident, KIND)
    body = json_body()
    mask = update_mask(WRITABLE)
    renames = {wire: (name,) for wire, name in WRITABLE.items()}
    changes = masked(affiliate_values(body), mask, renames)
    for required in ("code", "contact_id", "status"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required} cannot be empty", field=required)
    return jsonify(affiliate_v2(store.affiliates.update(number, **changes), store))


@blueprint.delete(f"{BASE}/<ident>")
def delete_affiliate_v2(ident: str) -> tuple[str, int]:
    tenant().affiliates.delete(path_id(ident, KIND))
    return "", 204


def _program_id(body: dict[str, Any]) -> int:
    if body.get("affiliate_program_id") is None:
        raise Invalid("affiliate_program_id is required", field="affiliate_program_id")
    return string_id(body["affiliate_program_id"], "affiliate_program_id")


@blueprint.post(f"{BASE}/<ident>:assignToProgram")
def assign_affiliate_to_program_v2(ident: str) -> tuple[str, int]:
    """200 without a body, as the document declares ("OK")."""
    number = path_id(ident, KIND)
    tenant().affiliates.assign_program(number, _program_id(json_body()))
    return "", 200


@blueprint.post(f"{BASE}/<ident>:removeFromProgram")
def remove_affiliate_from_program_v2(ident: str) -> tuple[str, int]:
    number = path_id(ident, KIND)
    tenant().affiliates.remove_program(number, _program_id(json_body()))
    return "", 200


# -- the ledger ------------------------------------------------------------------------------
def time_window() -> tuple[datetime | None, datetime | None]:
    """``since_time`` / ``until_time`` from ``filter`` (``==`` only, as the document shows)."""
    bounds: dict[str, datetime] = {}
    for clause in parse_filter(WINDOW_FILTERS):
        bounds[clause.field] = timestamp(clause.value, clause.field)
    return bounds.get("since_time"), bounds.get("until_time")


def _affiliate(ident: str) -> Affiliate:
    return tenant().affiliates.get(path_id(ident, KIND))


COMMISSION_ORDERS: dict[str, Callable[[CommissionEntry], Any]] = {
    "invoice_id": lambda e: e.order_id,
    "time_earned": lambda e: e.time_earned,
}


@blueprint.get(f"{BASE}/<ident>:commissions")
def list_affiliate_commissions_v2(ident: str) -> Response:
    """The commissions earned (clawbacks are not listed: they are summed in ``clawbacks``;
    ``commission_total`` is what was earned less what was clawed back)."""
    affiliate = _affiliate(ident)
    store = tenant()
    since, until = time_window()
    entries = store.affiliate_commissions.of_affiliate(affiliate.id, since=since, until=until)
    earned = [e for e in entries if e.kind == "COMMISSION"]
    # time_window() has read the filter: the page takes the chosen commissions as they are.
    body = filtered_page(
        "affiliate_commissions",
        earned,
        lambda e: commission_v2(e, store),
        orders=COMMISSION_ORDERS,
        default_order="time_earned",
    )
    summary = store.affiliate_commissions.summary(affiliate.id, since, until)
    body.update(
        clawbacks=money(summary.clawbacks),
        commission_total=money(summary.amount_earned - summary.clawbacks),
        amount_earned=money(summary.amount_earned),
    )
    return jsonify(body)


PAYMENT_ORDERS: dict[str, Callable[[AffiliatePayment], Any]] = {
    "create_time": lambda p: p.create_time,
    "pay_date": lambda p: p.pay_date,
    "pay_amount": lambda p: p.pay_amount,
}


def _in_window(moment: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    if moment is None:
        return since is None and until is None
    return (since is None or moment >= since) and (until is None or moment <= until)


@blueprint.get(f"{BASE}/<ident>/payments")
def list_affiliate_payments_v2(ident: str) -> Response:
    affiliate = _affiliate(ident)
    since, until = time_window()
    payments = [
        p
        for p in tenant().affiliate_payments.of_affiliate(affiliate.id)
        if _in_window(p.pay_date, since, until)
    ]
    body = filtered_page(
        "affiliate_payments", payments, payment_v2, orders=PAYMENT_ORDERS, default_order="pay_date"
    )
    return jsonify(body)


@blueprint.get(f"{BASE}/<ident>/commissionTotal")
def affiliate_commission_total_v2(ident: str) -> Response:
    """What the affiliate has earned, less clawbacks (``AffiliateCommissionEarned``)."""
    affiliate = _affiliate(ident)
    summary = tenant().affiliate_commissions.summary(affiliate.id)
    return jsonify({"affiliate_commission_total": money(summary.amount_earned - summary.clawbacks)})


REFERRAL_ORDERS: dict[str, Callable[[Referral], Any]] = {
    "id": lambda r: r.id,
    "referral_time": lambda r: r.referral_time,
}


@blueprint.get(f"{BASE}/<ident>/referrals")
def list_affiliate_referrals_v2(ident: str) -> Response:
    """The referrals whose ``referral_partner_id`` is the affiliate (v2 ``/referrals``)."""
    affiliate = _affiliate(ident)
    body = filtered_page(
        "referrals",
        tenant().referrals.table.scan(lambda r: r.referral_partner_id == affiliate.id),
        lambda r: record_out(REFERRALS, r, "v2"),
        filters={"source": EQ},
        test=_source_test,
        orders=REFERRAL_ORDERS,
    )
    return jsonify(body)


def _source_test(clause: Clause) -> Callable[[Referral], bool]:
    return lambda r: text_matches(r.source, clause.value)


SUMMARY_ORDERS: dict[str, Callable[[Summary], Any]] = {
    "affiliate_id": lambda s: s.affiliate_id,
    "amount_earned": lambda s: s.amount_earned,
    "balance": lambda s: s.balance,
    "clawbacks": lambda s: s.clawbacks,
}


def summaries(
    ids: set[int] | None, since: datetime | None = None, until: datetime | None = None
) -> list[Summary]:
    """One summary per affiliate (every affiliate without ``ids``), in id order."""
    store = tenant()
    chosen = store.affiliates.keys() if ids is None else sorted(ids & set(store.affiliates.keys()))
    return [store.affiliate_commissions.summary(i, since, until) for i in chosen]


@blueprint.get(f"{BASE}/summaries")
def list_affiliate_summaries_v2() -> Response:
    body = filtered_page(
        "affiliate_summaries",
        _chosen_summaries,
        summary_v2,
        filters={"affiliate_ids": EQ, **WINDOW_FILTERS},
        orders=SUMMARY_ORDERS,
        default_order="affiliate_id",
    )
    return jsonify(body)


def _chosen_summaries(clauses: list[Clause]) -> list[Summary]:
    """The summaries of ``affiliate_ids`` (all without it) over the ``since_time`` /
    ``until_time`` window: the clauses work together, not as one test each."""
    ids: set[int] | None = None
    bounds: dict[str, datetime] = {}
    for clause in clauses:
        if clause.field == "affiliate_ids":
            ids = id_set(clause.value, clause.field)
        else:
            bounds[clause.field] = timestamp(clause.value, clause.field)
    return summaries(ids, bounds.get("since_time"), bounds.get("until_time"))

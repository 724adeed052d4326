"""Commissions: earned when a referred order is paid, clawed back on refund, and reported by
both versions (commissions, clawbacks, payments, totals, summaries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2

from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.order_records import Commission
from keapsim.store.orders import ItemInput

from .affiliate_helpers import a_program, an_affiliate, an_order, join

D = Decimal
PROGRAMS = "/affiliates/commissionPrograms"


@pytest.fixture
def old(v1: V1) -> V1:
    """The v1 client (tests/commerce/conftest.py), named apart from the v2 ``api``."""
    return v1


def commissions(api: V2, affiliate: str) -> dict[str, Any]:
    return api.get(f"/affiliates/{affiliate}:commissions")


def test_a_commission_appears_when_the_referred_order_is_paid_and_is_clawed_back_on_refund(
    api: V2, old: V1, tenant: Tenant
) -> None:
    affiliate = an_affiliate(api)
    join(api, affiliate, a_program(api, percentage="10"))
    order = an_order(tenant, sales=affiliate)  # 2 × 50.00 widgets + 5.00 postage
    assert commissions(api, affiliate)["affiliate_commissions"] == []

    paid = tenant.orders.add_payment(order.id, order.total, method="CHECK")
    body = commissions(api, affiliate)
    [earned] = body["affiliate_commissions"]
    assert earned["amount_earned"] == 10.0  # 10 % of the goods; postage earns nothing
    assert earned["invoice_id"] == str(order.id) and earned["product_name"] == "Widget"
    assert earned["contact_first_name"] == "Bo" and earned["sales_affiliate_name"] == "Ann Archer"
    assert (body["amount_earned"], body["clawbacks"], body["commission_total"]) == (10.0, 0.0, 10.0)
    [v1_earned] = old.get("/affiliates/commissions", params={"affiliateId": affiliate})[
        "commissions"
    ]
    assert v1_earned["amount_earned"] == 10.0 and v1_earned["invoice_id"] == order.id

    tenant.orders.refund(paid.payment.id)  # all of it
    body = commissions(api, affiliate)
    assert (body["amount_earned"], body["clawbacks"], body["commission_total"]) == (10.0, 10.0, 0.0)
    [clawback] = old.get(f"/affiliates/{affiliate}/clawbacks")["clawbacks"]
    assert clawback["amount"] == 10.0 and clawback["invoice_id"] == order.id
    assert clawback["given_name"] == "Bo" and clawback["sale_affiliate_id"] == int(affiliate)
    assert api.get(f"/affiliates/{affiliate}/commissionTotal") == {
        "affiliate_commission_total": 0.0
    }
    [summary] = old.get("/affiliates/summaries")["summaries"]
    assert summary == {
        "affiliate_id": int(affiliate),
        "amount_earned": 10.0,
        "balance": 0.0,
        "clawbacks": 10.0,
    }


def test_partial_payments_and_refunds_earn_and_claw_back_in_step(api: V2, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    join(api, affiliate, a_program(api, percentage="10"))
    order = an_order(tenant, sales=affiliate, price="47.50")  # total 100.00, goods 95.00
    first = tenant.orders.add_payment(order.id, D("40.00"), method="CASH")
    tenant.orders.add_payment(order.id, D("60.00"), method="CASH")
    amounts = [c.amount for c in tenant.affiliate_commissions.of_affiliate(int(affiliate))]
    assert amounts == [D("3.80"), D("5.70")]  # 9.50 in step with 40 % and 60 %
    tenant.orders.refund(first.payment.id, D("25.00"))  # a quarter of what was paid
    [clawback] = tenant.affiliate_commissions.of_affiliate(int(affiliate), "CLAWBACK")
    assert clawback.amount == D("2.38")  # a quarter of 9.50, rounded to cents
    summary = tenant.affiliate_commissions.summary(int(affiliate))
    assert summary.balance == D("7.12")


def test_upfront_lead_and_second_level_commissions(api: V2, tenant: Tenant) -> None:
    parent = an_affiliate(api, "PAR", "parent@example.com")
    seller = an_affiliate(api, "SEL", "seller@example.com", parent_affiliate_id=parent)
    lead = an_affiliate(api, "LEA", "lead@example.com")
    program = a_program(
        api,
        payout_type="UPFRONT",
        level_1={"sale_percent": "10", "lead_amount": "2"},
        level_2={"sale_percent": "5"},
    )
    for affiliate in (seller, lead):
        join(api, affiliate, program)
    order = an_order(tenant, sales=seller, lead=lead)  # goods 100.00, 2 units
    tenant.orders.add_payment(order.id, D("30.00"), method="CASH")  # upfront: all at once
    tenant.orders.add_payment(order.id, order.total - D("30.00"), method="CASH")

    def earned(affiliate: str) -> list[Decimal]:
        return [c.amount for c in tenant.affiliate_commissions.of_affiliate(int(affiliate))]

    assert earned(seller) == [D("10.00")]
    assert earned(lead) == [D("4.00")]  # 2.00 a unit
    assert earned(parent) == [D("5.00")]  # level 2 on the seller's sale
    [entry] = tenant.affiliate_commissions.of_affiliate(int(parent))
    assert (entry.level, entry.role) == (2, "SALE")


def test_product_commissions_win_over_the_default_and_priority_picks_the_program(
    api: V2, tenant: Tenant
) -> None:
    affiliate = an_affiliate(api)
    order = an_order(tenant, sales=affiliate)
    widget = order.items[0].product_id
    low = a_program(api, "Low", 5, percentage="1")
    high = a_program(api, "High", 1, percentage="20")
    api.post(
        f"{PROGRAMS}/productCommissionPrograms/{low}",
        201,
        json={"product_id": str(widget), "percentage": "50"},
    )
    join(api, affiliate, low)
    join(api, affiliate, high)
    tenant.orders.add_payment(order.id, order.total, method="CASH")
    [entry] = tenant.affiliate_commissions.of_affiliate(int(affiliate))
    assert entry.amount == D("20.00")  # the High program (priority 1) comes first


def test_subscription_commission_and_applied_commissions(api: V2, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    other = an_affiliate(api, "OTH", "other@example.com")
    buyer = tenant.contacts.create(
        {"given_name": "Bo", "email_addresses": [{"email": "b@example.com", "field": "EMAIL1"}]}
    )
    gym = tenant.products.create(name="Gym", price=D("30.00"))
    plan = tenant.subscription_plans.create(
        product_id=gym.id, cycle="MONTHLY", plan_price=D("20.00")
    )
    program = a_program(api, percentage="10")
    api.post(
        f"{PROGRAMS}/subscriptionCommissionPrograms/{program}",
        201,
        json={"subscription_id": str(plan.id), "dollar_amount": "7"},
    )
    join(api, affiliate, program)
    order = tenant.orders.create(
        buyer.id,
        [ItemInput(1, gym.id, subscription_plan_id=plan.id), ItemInput(1, gym.id)],
        title="Gym",
        sales_affiliate_id=int(affiliate),
    )
    manual = order.items[1].id
    tenant.orders.apply_commission(
        order.id, manual, Commission(int(other), "PAYMENT_RECEIVED", D("50"), D("1"))
    )
    tenant.orders.add_payment(order.id, tenant.orders.get(order.id).total, method="CASH")
    [plan_commission] = tenant.affiliate_commissions.of_affiliate(int(affiliate))
    assert plan_commission.amount == D("7.00")  # the plan's rate, not the 10 % default
    [applied] = tenant.affiliate_commissions.of_affiliate(int(other))
    assert applied.amount == D("16.00")  # 50 % of 30.00 + 1.00, the item's own commission


def test_nothing_is_earned_without_a_program_an_active_affiliate_or_commission(
    api: V2, tenant: Tenant
) -> None:
    lonely = an_affiliate(api)
    paused = an_affiliate(api, "PAU", "p@example.com", status="INACTIVE")
    join(api, paused, a_program(api, percentage="10"))
    for affiliate in (lonely, paused):
        order = an_order(tenant, sales=affiliate, email=f"{affiliate}@example.com")
        tenant.orders.add_payment(order.id, order.total, method="CASH")
    order = an_order(tenant, sales=paused, email="skip@example.com")
    tenant.orders.add_payment(order.id, order.total, method="CASH", skip_commission=True)
    assert tenant.affiliate_commissions == {}


def test_payments_to_affiliates_and_balances(api: V2, old: V1, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    join(api, affiliate, a_program(api, percentage="10"))
    order = an_order(tenant, sales=affiliate)
    tenant.orders.add_payment(order.id, order.total, method="CASH")
    early = tenant.affiliate_payments.create(
        affiliate_id=int(affiliate),
        pay_amount=D("4.00"),
        pay_type="CHECK",
        pay_notes="March",
        pay_date=tenant.core.now().replace(year=2020),
    )
    tenant.affiliate_payments.create(
        affiliate_id=int(affiliate), pay_amount=D("1.50"), pay_type="CASH"
    )
    listed = api.get(f"/affiliates/{affiliate}/payments", params={"order_by": "pay_amount desc"})
    assert [p["pay_amount"] for p in listed["affiliate_payments"]] == [4.0, 1.5]
    assert listed["affiliate_payments"][0]["pay_notes"] == "March"
    recent = api.get(
        f"/affiliates/{affiliate}/payments", params={"filter": "since_time==2021-01-01T00:00:00Z"}
    )
    assert [p["pay_amount"] for p in recent["affiliate_payments"]] == [1.5]
    v1_payments = old.get(f"/affiliates/{affiliate}/payments", params={"order": "AMOUNT"})[
        "payments"
    ]
    assert [(p["amount"], p["type"]) for p in v1_payments] == [(1.5, "CASH"), (4.0, "CHECK")]
    assert (
        old.get(f"/affiliates/{affiliate}/payments", params={"until": "2021-01-01T00:00:00Z"})[
            "payments"
        ][0]["id"]
        == early.id
    )
    [summary] = api.get("/affiliates/summaries", params={"filter": f"affiliate_ids=={affiliate}"})[
        "affiliate_summaries"
    ]
    assert summary == {
        "affiliateId": int(affiliate),
        "clawbacks": 0.0,
        "balance": 4.5,
        "amountEarned": 10.0,
    }
    api.error(
        "GET", f"/affiliates/{affiliate}/payments", 400, params={"filter": "since_time==soon"}
    )
    api.error("GET", "/affiliates/99/payments", 404)


def test_summaries_order_and_filter(api: V2, old: V1, tenant: Tenant) -> None:
    rich = an_affiliate(api, "RIC", "rich@example.com")
    poor = an_affiliate(api, "POO", "poor@example.com")
    program = a_program(api, percentage="10")
    join(api, rich, program)
    order = an_order(tenant, sales=rich)
    tenant.orders.add_payment(order.id, order.total, method="CASH")
    by_earned = api.get("/affiliates/summaries", params={"order_by": "amount_earned desc"})
    assert [s["affiliateId"] for s in by_earned["affiliate_summaries"]] == [int(rich), int(poor)]
    ids = old.get("/affiliates/summaries", params={"affiliate_ids": poor})["summaries"]
    assert [s["affiliate_id"] for s in ids] == [int(poor)]
    later = api.get("/affiliates/summaries", params={"filter": "since_time==2999-01-01T00:00:00Z"})
    assert {s["amountEarned"] for s in later["affiliate_summaries"]} == {0.0}
    api.error("GET", "/affiliates/summaries", 400, params={"order_by": "name"})


def test_commission_list_window_and_order(api: V2, old: V1, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    join(api, affiliate, a_program(api, percentage="10"))
    for n in range(3):
        order = an_order(
            tenant, sales=affiliate, email=f"b{n}@example.com", price=str(10 * (n + 1))
        )
        tenant.orders.add_payment(order.id, order.total, method="CASH")
    listed = api.get(
        f"/affiliates/{affiliate}:commissions",
        params={"order_by": "invoice_id desc", "page_size": 2},
    )
    assert [c["amount_earned"] for c in listed["affiliate_commissions"]] == [6.0, 4.0]
    assert listed["next_page_token"] and listed["amount_earned"] == 12.0
    none = api.get(
        f"/affiliates/{affiliate}:commissions",
        params={"filter": "until_time==2000-01-01T00:00:00Z"},
    )
    assert none["affiliate_commissions"] == [] and none["amount_earned"] == 0.0
    newest = old.get(
        "/affiliates/commissions",
        params={"order": "DATE_EARNED", "order_direction": "DESCENDING", "limit": 1},
    )
    assert newest["count"] == 3 and newest["commissions"][0]["amount_earned"] == 6.0
    old.error("GET", "/affiliates/commissions", 400, params={"since": "yesterday"})
    api.error("GET", "/affiliates/99:commissions", 404)
    api.error("GET", "/affiliates/99/commissionTotal", 404)
    old.error("GET", "/affiliates/99/clawbacks", 404)


def test_an_affiliates_referrals(api: V2, tenant: Tenant) -> None:
    affiliate = an_affiliate(api)
    other = an_affiliate(api, "OTH", "o@example.com")
    for n, (partner, source) in enumerate(
        [(affiliate, "Email Marketing"), (affiliate, "Web"), (other, "Web")]
    ):
        contact = tenant.contacts.create(
            {
                "given_name": "R",
                "email_addresses": [{"email": f"r{n}@example.com", "field": "EMAIL1"}],
            }
        )
        tenant.referrals.create(
            contact_id=contact.id, referral_partner_id=int(partner), source=source
        )
    mine = api.get(f"/affiliates/{affiliate}/referrals")["referrals"]
    assert [r["source"] for r in mine] == ["Email Marketing", "Web"]
    assert all(r["referral_partner_id"] == affiliate for r in mine)
    emails = api.get(f"/affiliates/{affiliate}/referrals", params={"filter": "source==email*"})
    assert [r["source"] for r in emails["referrals"]] == ["Email Marketing"]
    newest = api.get(f"/affiliates/{affiliate}/referrals", params={"order_by": "id desc"})[
        "referrals"
    ]
    assert [r["source"] for r in newest] == ["Web", "Email Marketing"]
    api.error("GET", "/affiliates/99/referrals", 404)


def test_a_reset_retires_the_old_listener(sim: Simulator, api: V2) -> None:
    """The event bus outlives a tenant reset; the rebuilt stores earn once, not twice."""
    tenant = sim.tenant()
    an_affiliate(api)
    sim.reset(tenant.id)
    affiliate = an_affiliate(api)
    join(api, affiliate, a_program(api, percentage="10"))
    order = an_order(tenant, sales=affiliate)
    tenant.orders.add_payment(order.id, order.total, method="CASH")
    assert len(tenant.affiliate_commissions) == 1

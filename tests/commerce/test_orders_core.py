"""The orders core (``tenant.orders``): items and totals, status through payments and refunds,
the test card gateway, discounts and taxes, payment plans, events, cascades and snapshots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant
from keapsim.store.errors import Invalid, NotFound
from keapsim.store.events import ChangeEvent
from keapsim.store.merge import merge_contacts
from keapsim.store.order_records import Commission, DiscountLine, Order, PaymentPlan
from keapsim.store.orders import ItemInput

D = Decimal


def contact(tenant: Tenant, email: str = "ann@example.com") -> int:
    record = tenant.contacts.create(
        {"given_name": "Ann", "email_addresses": [{"email": email, "field": "EMAIL1"}]}
    )
    return record.id


def widget_order(tenant: Tenant, quantity: int = 2) -> Order:
    widget = tenant.products.create(name="Widget", price=D("12.50"), taxable=True)
    return tenant.orders.create(
        contact(tenant),
        [
            ItemInput(quantity, widget.id),
            ItemInput(1, name="Shipping", price=D("5.00"), item_type="SHIPPING"),
        ],
        title="Widgets",
    )


def card(tenant: Tenant, contact_id: int, number: str, year: str = "2040") -> int:
    return tenant.credit_cards.create(contact_id, number, "12", year).id


def test_items_take_the_product_name_and_price_unless_overridden(tenant: Tenant) -> None:
    order = widget_order(tenant)
    first, shipping = order.items
    assert (first.name, first.price, first.quantity, first.item_type) == (
        "Widget",
        D("12.50"),
        2,
        "PRODUCT",
    )
    assert shipping.product_id is None and shipping.item_type == "SHIPPING"
    assert order.subtotal == order.total == D("30.00") and order.status == "UNPAID"
    cheaper = tenant.orders.add_item(
        order.id, ItemInput(1, first.product_id, price=D("9.99"), name="Promo widget")
    )
    assert (cheaper.name, cheaper.price) == ("Promo widget", D("9.99"))
    assert tenant.orders.get(order.id).total == D("39.99")


def test_totals_follow_item_changes(tenant: Tenant) -> None:
    order = widget_order(tenant)
    first = order.items[0]
    tenant.orders.update_item(order.id, first.id, quantity=4)
    assert tenant.orders.get(order.id).total == D("55.00")
    tenant.orders.remove_item(order.id, first.id)
    assert tenant.orders.get(order.id).total == D("5.00")
    with pytest.raises(NotFound):
        tenant.orders.remove_item(order.id, first.id)
    with pytest.raises(Invalid):
        tenant.orders.update_item(order.id, order.items[1].id, quantity=0)


def test_bad_items_are_refused_and_nothing_is_stored(tenant: Tenant) -> None:
    who = contact(tenant)
    for bad in (
        ItemInput(1, 999),
        ItemInput(1, name="No price"),
        ItemInput(0, name="None", price=D(1)),
        ItemInput(1, name="Negative", price=D(-1)),
        ItemInput(1, name="Odd", price=D(1), item_type="BANANA"),
    ):
        with pytest.raises(Invalid):
            tenant.orders.create(who, [bad], title="Bad")
    with pytest.raises(NotFound):
        tenant.orders.create(999, [], title="Nobody")
    assert len(tenant.orders) == 0


def test_a_partial_then_a_full_payment_moves_the_status_and_creates_transactions(
    tenant: Tenant,
) -> None:
    order = widget_order(tenant)
    partial = tenant.orders.add_payment(order.id, D("10.00"), method="CHECK", note="first")
    assert partial.approved and partial.order.status == "PARTIALLY_PAID"
    assert partial.order.total_due == D("20.00")
    assert partial.payment is not None and partial.payment.pay_status == "MANUAL_PAID"
    assert partial.transaction.method == "MANUAL" and partial.transaction.status == "APPROVED"
    assert partial.transaction.payment_id == partial.payment.id
    who = order.contact_id
    full = tenant.orders.add_payment(order.id, D("20.00"), card_id=card(tenant, who, "4242" * 4))
    assert full.order.status == "PAID" and full.order.total_due == 0
    assert full.transaction.method == "CAPTURE" and full.transaction.merchant_id is not None
    assert [t.amount for t in tenant.transactions.of_order(order.id)] == [D("10.00"), D("20.00")]
    assert [p.amount for p in tenant.payments.of_order(order.id)] == [D("10.00"), D("20.00")]
    with pytest.raises(Invalid):
        tenant.orders.add_payment(order.id, D("0.01"))  # nothing is due any more


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        ("4000000000000002", "card_declined", "Card declined"),
        ("4000000000000069", "expired_card", "Card expired"),
        ("4000000000009995", "insufficient_funds", "Insufficient funds"),
    ],
)
def test_test_cards_that_fail_leave_a_failed_transaction_and_no_payment(
    tenant: Tenant, number: str, code: str, message: str
) -> None:
    order = widget_order(tenant)
    card_id = card(tenant, order.contact_id, number)
    assert tenant.orders.charge(card_id, D(5)).decline_code == code
    outcome = tenant.orders.add_payment(order.id, D("30.00"), card_id=card_id)
    assert not outcome.approved and outcome.error == message
    assert outcome.transaction.status == "FAILED" and outcome.transaction.decline_code == code
    assert tenant.payments.of_order(order.id) == []
    assert tenant.orders.get(order.id).status == "UNPAID"


def test_an_expired_or_deactivated_card_is_refused(sim: Simulator) -> None:
    tenant = sim.tenant()
    order = widget_order(tenant)
    now = sim.clock.now()
    old = card(tenant, order.contact_id, "4242424242424242", str(now.year - 1))
    assert tenant.orders.charge(old, D(1)).decline_code == "expired_card"
    good = tenant.credit_cards.get(card(tenant, order.contact_id, "4242424242424242"))
    with tenant.core.write():
        tenant.credit_cards.table.replace(replace(good, status="Inactive"))
    assert tenant.orders.charge(good.id, D(1)).decline_code == "card_inactive"


def test_a_card_of_another_contact_or_an_overpayment_is_refused(tenant: Tenant) -> None:
    order = widget_order(tenant)
    stranger = card(tenant, contact(tenant, "bob@example.com"), "4242424242424242")
    with pytest.raises(Invalid):
        tenant.orders.add_payment(order.id, D(1), card_id=stranger)
    with pytest.raises(Invalid):
        tenant.orders.add_payment(order.id, D("30.01"))
    with pytest.raises(Invalid):
        tenant.orders.add_payment(order.id, D("-1"))
    assert len(tenant.transactions) == 0


def test_refunds_move_the_order_to_refunded(tenant: Tenant) -> None:
    order = widget_order(tenant)
    payment = tenant.orders.add_payment(order.id, D("30.00")).payment
    assert payment is not None
    part = tenant.orders.refund(payment.id, D("10.00"), note="damaged")
    after = tenant.orders.get(order.id)
    assert part.refund_of == payment.id and part.pay_status == "REFUNDED"
    assert after.status == "PAID" and after.refund_status == "PARTIALLY_REFUNDED"
    tenant.orders.refund(payment.id)  # the rest
    after = tenant.orders.get(order.id)
    assert after.status == "REFUNDED" and after.refund_total == D("30.00")
    assert [t.method for t in tenant.transactions.of_order(order.id)] == [
        "MANUAL",
        "REFUND",
        "REFUND",
    ]
    with pytest.raises(Invalid):
        tenant.orders.refund(payment.id, D("0.01"))


class TenPercentOff:
    def discounts_for(self, order: Order) -> Sequence[DiscountLine]:
        if "TEN" not in order.promo_codes:
            return ()
        return (DiscountLine("Ten off", order.subtotal / 10, "DISCOUNT_ORDER_TOTAL", 7),)


def test_the_discount_source_is_asked_when_items_or_promo_codes_change(tenant: Tenant) -> None:
    tenant.orders.discount_source = TenPercentOff()
    order = widget_order(tenant)
    assert order.discounts == ()
    order = tenant.orders.update(order.id, promo_codes=["TEN"])
    assert order.discount_total == D("3.000") and order.total == D("27.000")
    tenant.orders.add_item(order.id, ItemInput(1, name="Extra", price=D("10.00")))
    assert tenant.orders.get(order.id).total == D("36.000")


def test_apply_tax_taxes_taxable_products_only(tenant: Tenant) -> None:
    order = widget_order(tenant)
    taxed = tenant.orders.apply_tax(order.id)
    assert [(t.amount, t.item_id) for t in taxed.taxes] == [(D("2.50"), order.items[0].id)]
    assert taxed.total == D("32.50")
    tenant.orders.remove_item(order.id, order.items[0].id)
    assert tenant.orders.get(order.id).taxes == ()


def test_payment_plan_instalments_follow_the_payments(tenant: Tenant) -> None:
    order = widget_order(tenant)
    plan = PaymentPlan(3, 30, "2026-01-01", initial_payment_amount=D("6.00"))
    tenant.orders.set_payment_plan(order.id, plan)
    tenant.orders.add_payment(order.id, D("14.00"))
    schedule = tenant.orders.get(order.id).instalments()
    assert [(i.due_date, i.amount_due, i.amount_paid, i.status) for i in schedule] == [
        ("2026-01-01", D("6.00"), D("6.00"), "PAID"),
        ("2026-01-01", D("8.00"), D("8.00"), "PAID"),
        ("2026-01-31", D("8.00"), D("0"), "UNPAID_MANUAL"),
        ("2026-03-02", D("8.00"), D("0"), "UNPAID_MANUAL"),
    ]
    with pytest.raises(Invalid):
        tenant.orders.set_payment_plan(order.id, PaymentPlan(0, 30, "2026-01-01"))


def test_commissions_and_files(tenant: Tenant) -> None:
    order = widget_order(tenant)
    item = tenant.orders.apply_commission(
        order.id, order.items[0].id, Commission(5, "UPFRONT", pay_percent=D(10))
    )
    assert item.commissions[0].affiliate_id == 5
    with pytest.raises(Invalid):
        tenant.orders.apply_commission(order.id, order.items[0].id, Commission(5, "LATER", D(1)))
    stored = tenant.files.create(
        file_name="receipt.txt", data=b"paid", association="CONTACT", contact_id=order.contact_id
    )
    assert tenant.orders.attach_file(order.id, stored.id).file_ids == (stored.id,)
    assert tenant.orders.detach_file(order.id, stored.id).file_ids == ()
    with pytest.raises(Invalid):
        tenant.orders.detach_file(order.id, stored.id)


def test_events_are_keaps_order_and_invoice_payment_keys(tenant: Tenant) -> None:
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    order = widget_order(tenant)
    payment = tenant.orders.add_payment(order.id, D("30.00")).payment
    assert payment is not None
    tenant.orders.refund(payment.id)
    keys = [e.event_key for e in seen if not e.event_key.startswith(("contact", "product"))]
    assert keys[0] == "order.add"
    assert keys.count("invoice.payment.add") == 2  # the payment and its refund
    assert "invoice.payment.edit" in keys and "order.edit" in keys
    assert "transaction.add" in keys and "merchant.add" not in keys


def test_deleting_orders_and_their_contact(tenant: Tenant) -> None:
    order = widget_order(tenant)
    tenant.orders.add_payment(order.id, D("1.00"))
    with pytest.raises(Invalid):
        tenant.orders.delete(order.id)
    unpaid = tenant.orders.create(order.contact_id, [], title="Empty")
    tenant.orders.delete(unpaid.id)
    tenant.contacts.delete(order.contact_id)
    assert len(tenant.orders) == 0 and len(tenant.payments) == 0
    assert len(tenant.transactions) == 1  # the gateway's history stays


def test_merchants_keep_one_default(tenant: Tenant) -> None:
    first = tenant.merchants.create("Main", "STRIPE")
    second = tenant.merchants.create("Backup", "AUTHORIZE")
    assert tenant.merchants.default() == first and not second.default
    tenant.merchants.set_default(second.id)
    assert tenant.merchants.default() == tenant.merchants.get(second.id)
    assert not tenant.merchants.get(first.id).default
    with pytest.raises(Invalid):
        tenant.merchants.create("Odd", "BANK")


def test_orders_survive_a_snapshot(sim: Simulator) -> None:
    tenant = sim.tenant()
    order = widget_order(tenant)
    tenant.orders.set_payment_plan(order.id, PaymentPlan(2, 14, "2026-02-01"))
    tenant.orders.apply_commission(
        order.id, order.items[0].id, Commission(3, "PAYMENT_RECEIVED", commission_amount=D(2))
    )
    tenant.orders.add_payment(
        order.id, D("5.00"), card_id=card(tenant, order.contact_id, "4242424242424242")
    )
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(json.dumps(dump_state(sim))))
    again = fresh.tenant()
    assert again.orders.get(order.id) == tenant.orders.get(order.id)
    assert again.payments.list() == tenant.payments.list()
    assert again.transactions.list() == tenant.transactions.list()
    assert again.merchants.list() == tenant.merchants.list()
    later = again.orders.add_item(order.id, ItemInput(1, name="More", price=D(1)))
    assert later.id > max(i.id for i in order.items)
    assert isinstance(again.orders.get(order.id).order_time, datetime)


def test_a_contact_merge_moves_orders_payments_and_transactions(tenant: Tenant) -> None:
    order = widget_order(tenant)
    tenant.orders.add_payment(order.id, D("5.00"))
    primary = contact(tenant, "primary@example.com")
    merge_contacts(tenant, primary, order.contact_id)
    assert tenant.orders.get(order.id).contact_id == primary
    assert [p.contact_id for p in tenant.payments.of_order(order.id)] == [primary]
    assert [t.contact_id for t in tenant.transactions.of_order(order.id)] == [primary]


DAY = 24 * 3600.0


def test_auto_charge_plans_collect_what_is_due_on_the_clock(sim: Simulator) -> None:
    tenant = sim.tenant()
    order = widget_order(tenant)
    today = sim.clock.now().date().isoformat()
    card_id = card(tenant, order.contact_id, "4242424242424242")
    plan = PaymentPlan(3, 30, today, auto_charge=True, card_id=card_id)
    tenant.orders.set_payment_plan(order.id, plan)
    [first] = tenant.orders.collect_due()
    assert first.approved and first.transaction.method == "CAPTURE"
    assert first.order.total_paid == D("10.00") and first.order.status == "PARTIALLY_PAID"
    assert tenant.orders.collect_due() == []  # nothing more is due today
    sim.clock.advance(61 * DAY)
    [both] = tenant.orders.collect_due()  # the two instalments due by then, in one charge
    assert both.payment is not None and both.payment.amount == D("20.00")
    assert tenant.orders.get(order.id).status == "PAID"
    assert tenant.orders.collect_due() == []


def test_a_declined_plan_charge_is_retried_then_given_up(sim: Simulator) -> None:
    tenant = sim.tenant()
    order = widget_order(tenant)
    today = sim.clock.now().date().isoformat()
    card_id = card(tenant, order.contact_id, "4000000000000002")
    plan = PaymentPlan(1, 30, today, auto_charge=True, card_id=card_id, max_charge_attempts=2)
    tenant.orders.set_payment_plan(order.id, plan)
    [failed] = tenant.orders.collect_due()
    assert not failed.approved and failed.error == "Card declined"
    assert tenant.orders.collect_due() == []  # the retry waits a day
    sim.clock.advance(DAY)
    assert len(tenant.orders.collect_due()) == 1
    sim.clock.advance(DAY)
    assert tenant.orders.collect_due() == []  # two failures: given up
    stored = tenant.orders.get(order.id).payment_plan
    assert stored is not None and stored.failed_attempts == 2
    assert [t.status for t in tenant.transactions.of_order(order.id)] == ["FAILED", "FAILED"]


def test_manual_plans_are_never_charged(sim: Simulator) -> None:
    tenant = sim.tenant()
    order = widget_order(tenant)
    card_id = card(tenant, order.contact_id, "4242424242424242")
    plan = PaymentPlan(1, 30, "2000-01-01", auto_charge=False, card_id=card_id)
    tenant.orders.set_payment_plan(order.id, plan)
    assert tenant.orders.collect_due() == []
    assert tenant.orders.get(order.id).status == "UNPAID"

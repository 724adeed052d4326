"""Realistic seed data made with Faker, reproducible with a seed."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from faker import Faker

from .store import Tenant
from .store.affiliate_programs import CommissionItem, CommissionRates
from .store.campaigns import WORDPRESS_GOAL, WORDPRESS_INTEGRATION
from .store.custom_fields import COMPANY, OPPORTUNITY
from .store.lead_sources import add_months
from .store.memory import bulk_load
from .store.orders import ItemInput
from .store.records import Campaign
from .store.subscriptions import day_of

TAG_CATEGORIES = {
    "Lead Status": ["New Lead", "Hot Lead", "Cold Lead", "Customer"],
    "Interests": ["Webinar", "Newsletter", "Pricing", "Demo Request"],
    "Source": ["LeadConduit", "Facebook Ads", "Google Ads"],
}
CAMPAIGNS = {
    "Welcome Series": ["Welcome Email", "Day 3 Follow-up", "Day 7 Offer"],
    "Lead Nurture": ["Nurture Track A", "Nurture Track B"],
    "Win Back": ["Win Back Sequence"],
}
LEAD_SOURCES = ["LeadConduit", "Website", "Facebook", "Google Ads", "Referral"]
CUSTOM_FIELDS = [
    ("Lead Score", "WholeNumber"),
    ("Campaign Code", "Text"),
    ("Preferred Contact Time", "Dropdown"),
]
# Area codes that phonenumbers accepts as valid US numbers, so E.164 forms are realistic.
AREA_CODES = ["212", "312", "415", "602", "617", "713", "808", "919"]
# The sales pipeline: (name, probability, target days, checklist). Keap's own default stages
# are not published; these are keapsim's.
PIPELINE = [
    ("New Opportunity", 10, 7, ["Qualify the need"]),
    ("Qualified", 25, 14, ["Book a demo", "Confirm the budget"]),
    ("Proposal Sent", 50, 14, ["Send the proposal"]),
    ("Negotiation", 75, 7, []),
    ("Won", 100, 0, []),
    ("Lost", 0, 0, []),
]
COMPANY_CUSTOM_FIELDS = [("Industry", "Text"), ("Employees", "WholeNumber")]
OPPORTUNITY_CUSTOM_FIELDS = [("Deal Source", "Text")]
INDUSTRIES = ["Software", "Retail", "Health", "Construction", "Finance"]


def seed_tenant(tenant: Tenant, contacts: int = 50, faker_seed: int | None = None) -> dict:
    """Fill ``tenant`` with users, tags, campaigns, lead sources, custom fields and ``contacts``
    contacts with tags and sequence memberships. Returns counts of what was made."""
    with bulk_load():
        return _seed(tenant, contacts, faker_seed)


def _seed(tenant: Tenant, contacts: int, faker_seed: int | None) -> dict:
    fake = Faker("en_US")
    rng = random.Random(faker_seed)
    if faker_seed is not None:
        fake.seed_instance(faker_seed)

    users = [tenant.users.account_owner()] + [
        tenant.users.create(
            fake.unique.company_email(), fake.first_name(), fake.last_name(), status="Active"
        )
        for _ in range(2)
    ]
    tag_ids = []
    for category_name, names in TAG_CATEGORIES.items():
        category = tenant.tag_categories.create(name=category_name)
        tag_ids += [
            tenant.tags.create(name, f"{name} ({category_name})", category.id).id for name in names
        ]
    campaigns = []
    for name, sequences in CAMPAIGNS.items():
        call_name = name.lower().replace(" ", "_")
        campaigns.append(
            tenant.campaigns.create(name, sequences, [(f"{name} API goal", "keapsim", call_name)])
        )
    for source in LEAD_SOURCES:
        tenant.lead_sources.create(source, medium="Online", status="ACTIVE")
    for label, field_type in CUSTOM_FIELDS:
        options = (
            [{"label": x} for x in ("Morning", "Afternoon", "Evening")]
            if field_type == "Dropdown"
            else None
        )
        tenant.custom_fields.create(label, field_type, options)

    lead_source_ids = list(tenant.lead_sources)
    for _ in range(contacts):
        given, family = fake.first_name(), fake.last_name()
        state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        data = {
            "given_name": given,
            "family_name": family,
            "email_addresses": [
                {
                    "email": f"{given}.{family}.{fake.unique.random_int(1, 10**9)}"
                    f"@{fake.free_email_domain()}".lower(),
                    "field": "EMAIL1",
                }
            ],
            "phone_numbers": [
                {
                    "number": f"({rng.choice(AREA_CODES)}) 555-{rng.randint(1000, 9999)}",
                    "field": "PHONE1",
                    "type": "Mobile",
                }
            ],
            "addresses": [
                {
                    "line1": fake.street_address(),
                    "locality": fake.city(),
                    "region": state,
                    "country_code": "USA",
                    "zip_code": fake.zipcode_in_state(state),
                    "field": "BILLING",
                }
            ],
            "source_type": "API",
            "owner_id": rng.choice(users).id,
            "lead_source_id": rng.choice(lead_source_ids),
            "job_title": fake.job()[:255],
        }
        contact = tenant.contacts.create(data)
        tenant.tags.apply(contact.id, rng.sample(tag_ids, k=rng.randint(0, 3)))
        if rng.random() < 0.4:
            campaign = rng.choice(campaigns)
            sequence = rng.choice(campaign.sequences)
            tenant.campaigns.add_to_sequence(campaign.id, sequence.id, [contact.id])
    sales = seed_sales(tenant, fake, rng, tag_ids, [u.id for u in users])
    marketing = seed_marketing(tenant, campaigns)
    activity = seed_activity(tenant, fake, rng, [u.id for u in users])
    catalogue = seed_catalogue(tenant)
    orders = seed_orders(tenant)
    affiliates = seed_affiliates(tenant)
    subscriptions = seed_subscriptions(tenant)
    return {
        "contacts": contacts,
        "users": len(users),
        "tags": len(tag_ids),
        "campaigns": len(campaigns),
        "lead_sources": len(LEAD_SOURCES),
        "custom_fields": len(CUSTOM_FIELDS),
        **sales,
        **marketing,
        **activity,
        **catalogue,
        **orders,
        **affiliates,
        **subscriptions,
    }


# Email and note templates have no create operation in the API: they come from here.
EMAIL_TEMPLATES = [
    ("Welcome", ["Onboarding"], "Welcome aboard!", "Hello, and welcome!"),
    ("Follow-up", ["Sales"], "Following up", "Just checking in on our conversation."),
    ("Receipt", ["Billing"], "Your receipt", "Thank you for your purchase."),
]
NOTE_TEMPLATES = [
    ("Call summary", "Call", "What was discussed on a call"),
    ("Meeting notes", "Appointment", "Notes from a meeting"),
    ("Email follow-up", "Email", "A follow-up to an email"),
]
TASK_TYPES = ["Call", "Email", "Appointment", "Other"]


def seed_activity(
    tenant: Tenant, fake: Faker, rng: random.Random, user_ids: list[int]
) -> dict[str, int]:
    """Email and note templates, a task for about a third of the contacts (some completed, some
    overdue) and an appointment for one in ten."""
    owner = tenant.users.account_owner()
    for title, categories, subject, text in EMAIL_TEMPLATES:
        tenant.email_templates.create(
            piece_title=title,
            categories=categories,
            subject=subject,
            from_address=owner.email_address,
            text_body=text,
            html_body=f"<p>{text}</p>",
            content_type="MULTIPART",
        )
    for title, action, description in NOTE_TEMPLATES:
        tenant.note_templates.create(
            title=title, action_type=action, description=description, assignment_user_id=owner.id
        )
    now = tenant.core.now()
    tasks = appointments = 0
    for contact in tenant.contacts.list():
        if rng.random() < 0.33:
            done = rng.random() < 0.3
            tenant.tasks.create(
                title=f"{rng.choice(TASK_TYPES)} {contact.given_name}",
                type=rng.choice(TASK_TYPES),
                priority=rng.randint(1, 3),
                due_time=now + timedelta(days=rng.randint(-5, 20)),
                completed=done,
                user_id=rng.choice(user_ids),
                contact_id=contact.id,
            )
            tasks += 1
        if rng.random() < 0.1:
            start = now + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
            tenant.appointments.create(
                title=f"Meeting with {contact.given_name}",
                location=fake.city(),
                start_time=start,
                end_time=start + timedelta(hours=1),
                contact_id=contact.id,
                user_id=rng.choice(user_ids),
            )
            appointments += 1
    return {
        "email_templates": len(EMAIL_TEMPLATES),
        "note_templates": len(NOTE_TEMPLATES),
        "tasks": tasks,
        "appointments": appointments,
    }


def seed_sales(
    tenant: Tenant, fake: Faker, rng: random.Random, tag_ids: list[int], user_ids: list[int]
) -> dict[str, int]:
    """The pipeline's stages, companies (one for every ten contacts, at least three) with
    tags, and opportunities for about a third of the contacts, some moved along the pipeline
    (so stage moves have history). Made after the contacts, so that the contacts a Faker seed
    gives are the same with or without this part."""
    stages = [
        tenant.opportunity_stages.create(
            name=name,
            order=order,
            probability=probability,
            target_number_days=days,
            checklist_items=[
                {"id": None, "description": item, "order": n, "required": n == 1}
                for n, item in enumerate(checklist, start=1)
            ],
        )
        for order, (name, probability, days, checklist) in enumerate(PIPELINE, start=1)
    ]
    company_fields = [
        tenant.custom_fields.create(label, kind, record_type=COMPANY)
        for label, kind in COMPANY_CUSTOM_FIELDS
    ]
    deal_source = [
        tenant.custom_fields.create(label, kind, record_type=OPPORTUNITY)
        for label, kind in OPPORTUNITY_CUSTOM_FIELDS
    ][0]
    contacts = tenant.contacts.list()
    companies = [
        _seed_company(tenant, fake, rng, tag_ids, company_fields)
        for _ in range(max(3, len(contacts) // 10))
    ]
    opportunities = 0
    for contact in contacts:
        if rng.random() >= 0.35:
            continue
        low = Decimal(rng.randrange(500, 20_000, 50))
        opportunity = tenant.opportunities.create(
            opportunity_title=fake.catch_phrase()[:100],
            contact_id=contact.id,
            stage_id=stages[0].id,
            user_id=rng.choice(user_ids),
            include_in_forecast=rng.random() < 0.7,
            projected_revenue_low=low,
            projected_revenue_high=low * Decimal("1.5"),
            estimated_close_time=tenant.core.now() + timedelta(days=rng.randint(7, 120)),
            custom_fields={deal_source.id: rng.choice(["Referral", "Inbound", "Event"])},
        )
        for stage in stages[1 : rng.randint(1, len(stages) - 1)]:
            tenant.opportunities.update(opportunity.id, stage_id=stage.id)
        opportunities += 1
    return {
        "opportunity_stages": len(stages),
        "companies": len(companies),
        "opportunities": opportunities,
    }


def _seed_company(
    tenant: Tenant, fake: Faker, rng: random.Random, tag_ids: list[int], fields: list
) -> int:
    state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
    name = fake.unique.company()
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20] + ".example"
    company = tenant.companies.create(
        company_name=name,
        email_address=f"info@{domain}",
        phone_number={"number": f"({rng.choice(AREA_CODES)}) 555-{rng.randint(1000, 9999)}"},
        address={
            "line1": fake.street_address(),
            "locality": fake.city(),
            "region": state,
            "country_code": "USA",
            "zip_code": fake.zipcode_in_state(state),
        },
        website=f"https://www.{domain}",
        custom_fields={fields[0].id: rng.choice(INDUSTRIES), fields[1].id: rng.randint(5, 5000)},
    )
    for tag_id in rng.sample(tag_ids, k=rng.randint(0, 2)):
        tenant.companies.apply_tag(company.id, tag_id)
    return company.id


# Automations, reports and webforms have no create operation in Keap's API; keapsim's seed
# gives a tenant some (fixed data: no Faker, so the contacts a seed gives stay the same).
AUTOMATION_CATEGORIES = {"Onboarding": ["Welcome Series"], "Nurture": ["Lead Nurture", "Win Back"]}
# (name, tag name or None): a saved search of every contact, or of the contacts with the tag.
REPORTS = [("All contacts", None), ("Hot leads", "Hot Lead"), ("Customers", "Customer")]
WEBFORMS: list[dict[str, Any]] = [
    {"name": "Newsletter Signup", "custom_slug": "newsletter-signup"},
    {
        "name": "Contact Us",
        "webform_type": "LEGACY",
        "fields": ["given_name", "family_name", "email", "phone", "company_name"],
        "thank_you_page_url": "https://www.example.com/thank-you",
        "exit_option": "REDIRECT",
    },
]
WORDPRESS_OPTIONS = {"NewsletterOptIn": "Newsletter Opt-In"}
LEAD_SOURCE_CATEGORIES = {"Paid": ["Facebook", "Google Ads"], "Organic": ["Website", "Referral"]}


def seed_marketing(tenant: Tenant, campaigns: list[Campaign]) -> dict[str, int]:
    """Automation categories on the seeded campaigns, a WordPress opt-in option with its goal
    (on the first campaign), reports, webforms, lead-source categories, and a monthly expense
    on the paid lead sources."""
    by_name = {c.name: c.id for c in campaigns}
    for name, members in AUTOMATION_CATEGORIES.items():
        category = tenant.automation_categories.create(name=name)
        chosen = [by_name[m] for m in members if m in by_name]
        tenant.campaigns.assign_categories(chosen, [category.id], apply=True)
    for key, label in WORDPRESS_OPTIONS.items():
        tenant.wordpress_options.create(key, label)
        if campaigns:
            tenant.campaigns.add_goal(
                campaigns[0].id,
                f"{label} (WordPress)",
                WORDPRESS_GOAL,
                integration=WORDPRESS_INTEGRATION,
                call_name=key,
            )
    tags = {t.name: t.id for t in tenant.tags.values()}
    for name, tag in REPORTS:
        tenant.reports.create(name=name, tag_id=tags.get(tag) if tag else None)
    for form in WEBFORMS:
        tenant.webforms.create(**form)
    sources = {s.name: s.id for s in tenant.lead_sources.values()}
    for category_name, members in LEAD_SOURCE_CATEGORIES.items():
        source_category = tenant.lead_source_categories.create(name=category_name)
        for member in members:
            if member in sources:
                tenant.lead_sources.update(sources[member], category_id=source_category.id)
                tenant.lead_source_recurring_expenses.create(
                    lead_source_id=sources[member],
                    amount=Decimal("250.00") if category_name == "Paid" else Decimal("20.00"),
                    title=f"{member} monthly spend",
                )
    return {
        "automation_categories": len(AUTOMATION_CATEGORIES),
        "reports": len(REPORTS),
        "webforms": len(WEBFORMS),
        "wordpress_options": len(WORDPRESS_OPTIONS),
        "lead_source_categories": len(LEAD_SOURCE_CATEGORIES),
    }


# A small catalogue: (category, [(name, sku, price, monthly plan price or None)]).
CATALOGUE: dict[str, list[tuple[str, str, str, str | None]]] = {
    "Courses": [
        ("Starter Course", "COURSE-1", "49.00", None),
        ("Pro Course", "COURSE-2", "199.00", None),
    ],
    "Memberships": [("Gold Membership", "MEMBER-GOLD", "0.00", "29.99")],
    "Merchandise": [("Branded Mug", "MUG-1", "12.50", None)],
}


def seed_catalogue(tenant: Tenant) -> dict[str, int]:
    """Product categories with their products, a monthly plan on the membership, a size option
    on the mug, stock for the mug, and one interest bundle of everything."""
    bundle = tenant.product_interest_bundles.create(name="Everything", description="All offers")
    products = 0
    for category_name, items in CATALOGUE.items():
        category = tenant.product_categories.create(name=category_name)
        ids = []
        for name, sku, price, plan_price in items:
            product = tenant.products.create(
                name=name, sku=sku, price=Decimal(price), short_description=name
            )
            ids.append(product.id)
            if plan_price is not None:
                plan = tenant.subscription_plans.create(
                    product_id=product.id, cycle="MONTHLY", plan_price=Decimal(plan_price)
                )
                tenant.product_interests.create(
                    bundle_id=bundle.id,
                    type="SUBSCRIPTION_PLAN",
                    entity_id=plan.id,
                    price=plan.plan_price,
                )
            else:
                tenant.product_interests.create(
                    bundle_id=bundle.id, type="PRODUCT", entity_id=product.id, price=product.price
                )
        tenant.products.assign_categories(category.id, ids)
        products += len(ids)
    mug = next(p for p in tenant.products.values() if p.sku == "MUG-1")
    tenant.products.adjust_inventory(mug.id, "INCREASE", 100)
    options = tenant.product_options
    sizes = tuple(
        options.new_item(label, code=code) for label, code in (("Small", "S"), ("Large", "L"))
    )
    options.create(product_id=mug.id, option_type="LIST", option_label="Size", list_items=sizes)
    return {"products": products, "product_categories": len(CATALOGUE)}


# (title, [(product sku, quantity)], what is paid: "none" | "part" | "card" | "refunded").
SEED_ORDERS: list[tuple[str, list[tuple[str, int]], str]] = [
    ("Course purchase", [("COURSE-1", 1)], "none"),
    ("Mugs for the team", [("MUG-1", 4), ("COURSE-1", 1)], "part"),
    ("Pro upgrade", [("COURSE-2", 1)], "card"),
    ("Returned mug", [("MUG-1", 1)], "refunded"),
]


def seed_orders(tenant: Tenant) -> dict[str, int]:
    """A test merchant account, two shipping methods, and an order in each status (unpaid,
    partially paid, paid by a test card, refunded), plus a declined charge; the orders go to the
    first contacts, so a tenant seeded without contacts gets none."""
    tenant.merchants.create("Stripe (test)", "STRIPE", is_test=True)
    tenant.shipping_methods.create(name="Standard", description="3-5 business days")
    tenant.shipping_methods.create(name="Express", description="Next day", type="UPS")
    contacts = tenant.contacts.list()[: len(SEED_ORDERS)]
    by_sku = {p.sku: p for p in tenant.products.values()}
    for contact, (title, lines, paid) in zip(contacts, SEED_ORDERS, strict=False):
        items = [ItemInput(quantity, by_sku[sku].id) for sku, quantity in lines]
        order = tenant.orders.create(contact.id, items, title=title)
        if paid == "part":
            tenant.orders.add_payment(order.id, order.total / 2, method="CHECK")
        elif paid in ("card", "refunded"):
            card = tenant.credit_cards.create(contact.id, "4242424242424242", "12", "2040")
            declined = tenant.credit_cards.create(contact.id, "4000000000000002", "12", "2040")
            tenant.orders.add_payment(order.id, order.total, card_id=declined.id)
            outcome = tenant.orders.add_payment(order.id, order.total, card_id=card.id)
            if paid == "refunded" and outcome.payment is not None:
                tenant.orders.refund(outcome.payment.id, note="Customer returned it")
                _restock(tenant, order.id)
    return {"orders": len(tenant.orders), "shipping_methods": len(tenant.shipping_methods)}


def _restock(tenant: Tenant, order_id: int) -> None:
    """The returned goods go back on the shelf by hand: paying the order in full took them off
    the inventory, and a refund puts nothing back (docs/reference/commerce-orders.md)."""
    for product_id, quantity in tenant.orders.get(order_id).stock_taken.items():
        if tenant.products.get(product_id).inventory_count is not None:
            tenant.products.adjust_inventory(product_id, "INCREASE", quantity)


def seed_affiliates(tenant: Tenant) -> dict[str, int]:
    """An affiliate (the first contact) in a 10 % program, with a redirect link, a paid order
    credited to it (its commission), and a payment made to it."""
    contacts = tenant.contacts.list()[:2]
    if len(contacts) < 2 or not len(tenant.products):
        return {"affiliates": 0, "affiliate_commissions": 0}  # nobody to refer or buy
    first, buyer = contacts
    program = tenant.affiliate_programs.create(name="Partners", priority=1, notes="10 % of sales")
    tenant.affiliate_programs.set_default(
        program.id, CommissionRates(level_1=CommissionItem(sale_percent=Decimal(10)))
    )
    name = " ".join(filter(None, (first.given_name, first.family_name))) or None
    affiliate = tenant.affiliates.create(contact_id=first.id, code="PARTNER1", name=name)
    tenant.affiliates.assign_program(affiliate.id, program.id)
    tenant.affiliate_redirects.create(
        name="Shop",
        code="shop",
        website_address="https://example.com/shop",
        affiliate_id=affiliate.id,
        program_ids=(program.id,),
    )
    _credit_a_sale(tenant, affiliate.id, buyer.id)
    tenant.affiliate_payments.create(
        affiliate_id=affiliate.id, pay_amount=Decimal("1.00"), pay_type="CHECK", pay_notes="First"
    )
    return {"affiliates": 1, "affiliate_commissions": len(tenant.affiliate_commissions)}


def _credit_a_sale(tenant: Tenant, affiliate_id: int, buyer_id: int) -> None:
    """The affiliate made a sale: the first paid order seeded (its payments earn now, as they
    would have when taken), or else a new order ``buyer_id`` pays for."""
    paid = next((o for o in tenant.orders.list() if o.status == "PAID"), None)
    if paid is not None:
        tenant.orders.update(paid.id, sales_affiliate_id=affiliate_id)
        for payment in tenant.payments.of_order(paid.id):
            tenant.affiliate_commissions.on_payment(payment.id)
        return
    product = tenant.products.list()[0]
    order = tenant.orders.create(
        buyer_id,
        [ItemInput(2, product.id)],
        title="Referred order",
        sales_affiliate_id=affiliate_id,
    )
    tenant.orders.add_payment(order.id, order.total, method="CHECK")


def seed_subscriptions(tenant: Tenant) -> dict[str, int]:
    """One active monthly subscription (the first contact, on the first plan, paid by a test
    card that succeeds, first billed a month from now so seeding bills nothing) and a
    promo-coded free-shipping discount."""
    contact = next(iter(tenant.contacts.values()), None)
    plan = next(iter(tenant.subscription_plans.values()), None)
    made = 0
    if contact is not None and plan is not None:
        card = tenant.credit_cards.create(contact.id, "4242424242424242", "12", "2035")
        start = add_months(day_of(tenant.core.now()), 1)
        tenant.subscriptions.subscribe(
            contact_id=contact.id,
            subscription_plan_id=plan.id,
            payment_method_id=card.id,
            start_date=start,
        )
        made = 1
    shipping = tenant.discounts.create_of(
        "SHIPPING",
        {"name": "Free shipping", "discount_type": "PERCENT", "discount_value": Decimal(100)},
    )
    tenant.discounts.add_criterion(
        "SHIPPING", shipping.id, {"type": "PROMO_CODE", "code": "SHIPFREE"}
    )
    return {"subscriptions": made, "discounts": 1}

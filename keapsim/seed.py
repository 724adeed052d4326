"""Realistic seed data made with Faker, reproducible with a seed."""

from __future__ import annotations

import random

from faker import Faker

from .store import Tenant
from .store.memory import bulk_load

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
    return {
        "contacts": contacts,
        "users": len(users),
        "tags": len(tag_ids),
        "campaigns": len(campaigns),
        "lead_sources": len(LEAD_SOURCES),
        "custom_fields": len(CUSTOM_FIELDS),
    }

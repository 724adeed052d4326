"""`--seed-data`: realistic records, reproducible with a Faker seed."""

from __future__ import annotations

from keapsim import Simulator
from keapsim.seed import seed_tenant


def _contacts(sim: Simulator) -> list[tuple]:
    tenant = sim.tenant()
    return [
        (
            c.given_name,
            c.family_name,
            c.primary_email,
            c.phone_numbers,
            c.addresses,
            tenant.tags.ids_of(c.id),
            tenant.campaigns.sequences_of(c.id),
        )
        for c in tenant.contacts.list()
    ]


def test_the_same_faker_seed_gives_the_same_data() -> None:
    first, second, other = Simulator(), Simulator(), Simulator()
    for sim, seed in ((first, 11), (second, 11), (other, 12)):
        seed_tenant(sim.tenant(), 30, faker_seed=seed)
    assert _contacts(first) == _contacts(second)
    assert _contacts(first) != _contacts(other)


def test_seed_makes_every_kind_of_record_and_valid_contacts(keapsim: Simulator) -> None:
    counts = seed_tenant(keapsim.tenant(), 25, faker_seed=1)
    tenant = keapsim.tenant()
    assert counts["contacts"] == len(tenant.contacts) == 25
    assert tenant.users and tenant.tags and tenant.campaigns and tenant.lead_sources
    assert all(c.sequences for c in tenant.campaigns.values())
    assert tenant.custom_fields
    for contact in tenant.contacts.list():
        assert contact.primary_email and "@" in contact.primary_email
        assert contact.addresses[0]["country_code"] == "USA"
        assert contact.owner_id in tenant.users
    # The account owner is the seeded admin; seeding adds staff, not a second admin.
    assert [u for u in tenant.users.list() if u.admin] == [tenant.users.account_owner()]
    assert len(tenant.users) == counts["users"] == 3
    # Seeded contacts are readable through the API like any other.
    body = keapsim.client().get("/v2/contacts", params={"page_size": 5}).json()
    assert len(body["contacts"]) == 5

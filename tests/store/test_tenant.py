"""The domain store on its own: no HTTP."""

from __future__ import annotations

import threading

import pytest

from keapsim.clock import Clock
from keapsim.config import TenantSettings
from keapsim.store import Conflict, Invalid, NotFound, Tenant
from keapsim.store.contacts import MISSING_EMAIL_OR_PHONE


@pytest.fixture
def tenant() -> Tenant:
    return Tenant("t1", Clock().now, TenantSettings())


def email(address: str, field: str = "EMAIL1") -> dict:
    return {"email_addresses": [{"email": address, "field": field}]}


def test_ids_grow_per_tenant_and_kind(tenant: Tenant) -> None:
    other = Tenant("t2", Clock().now)
    a = tenant.contacts.create(email("a@example.com"))
    b = tenant.contacts.create(email("b@example.com"))
    tag = tenant.tags.create("VIP")
    assert (a.id, b.id, tag.id) == (1, 2, 1)
    assert other.contacts.create(email("c@example.com")).id == 1
    assert tenant.next_ids == {"contact": 3, "tag": 2, "user": 2}  # user 1: the account owner


def test_contact_needs_an_email_or_a_phone(tenant: Tenant) -> None:
    with pytest.raises(Invalid) as err:
        tenant.contacts.create({"given_name": "Nobody"})
    assert err.value.message == MISSING_EMAIL_OR_PHONE
    phone_only = tenant.contacts.create(
        {"phone_numbers": [{"number": "+14155550100", "field": "PHONE1"}]}
    )
    assert phone_only.emails == []


def test_email_index_follows_updates_and_deletes(tenant: Tenant) -> None:
    contact = tenant.contacts.create(email("Ann@Example.com"))
    assert tenant.contacts.find_by_email("ann@example.COM") == [contact]
    tenant.contacts.update(contact.id, email("ann.new@example.com"))
    assert tenant.contacts.find_by_email("ann@example.com") == []
    assert [c.id for c in tenant.contacts.find_by_email("ann.new@example.com")] == [contact.id]
    tenant.contacts.delete(contact.id)
    assert tenant.contacts.find_by_email("ann.new@example.com") == []
    with pytest.raises(NotFound):
        tenant.contacts.get(contact.id)


def test_plain_create_never_deduplicates(tenant: Tenant) -> None:
    first = tenant.contacts.create(email("dup@example.com"))
    second = tenant.contacts.create(email("dup@example.com"))
    assert first.id != second.id
    assert len(tenant.contacts.find_by_email("dup@example.com")) == 2


def test_guide_create_rejects_a_known_email_naming_the_contact(tenant: Tenant) -> None:
    first = tenant.contacts.create(email("dup@example.com"))
    with pytest.raises(Conflict) as err:
        tenant.contacts.create(email("DUP@example.com"), reject_duplicate_email=True)
    assert err.value.existing_id == first.id


@pytest.mark.parametrize(
    ("option", "incoming", "expect_created"),
    [
        ("Email", {"given_name": "Other"}, False),
        ("EmailAndName", {"given_name": "Ann", "family_name": "Lee"}, False),
        ("EmailAndName", {"given_name": "Ann", "family_name": "Other"}, True),
        # The formal company record must match; the existing contact has none.
        (
            "EmailAndNameAndCompany",
            {"given_name": "Ann", "family_name": "Lee", "company_id": 9},
            True,
        ),
    ],
)
def test_upsert_matching(tenant: Tenant, option: str, incoming: dict, expect_created: bool) -> None:
    existing = tenant.contacts.create(
        {**email("ann@example.com"), "given_name": "Ann", "family_name": "Lee"}
    )
    contact, created = tenant.contacts.upsert({**email("ann@example.com"), **incoming}, option)
    assert created is expect_created
    assert (contact.id == existing.id) is (not expect_created)


def test_upsert_updates_only_given_values(tenant: Tenant) -> None:
    existing = tenant.contacts.create(
        {
            **email("ann@example.com"),
            "given_name": "Ann",
            "phone_numbers": [{"number": "555-0100", "field": "PHONE1"}],
        }
    )
    updated, created = tenant.contacts.upsert(
        {**email("ann@example.com"), "job_title": "CTO"}, "Email"
    )
    assert not created
    assert updated.id == existing.id
    assert (updated.given_name, updated.job_title) == ("Ann", "CTO")
    assert updated.phone_numbers == existing.phone_numbers


def test_region_rules(tenant: Tenant) -> None:
    base = email("r@example.com")
    with pytest.raises(Invalid, match="COUNTRY CODE needed if Region Exists"):
        tenant.contacts.create({**base, "addresses": [{"field": "BILLING", "region": "AZ"}]})
    with pytest.raises(Invalid, match="BILLING Region is invalid"):
        tenant.contacts.create(
            {
                **base,
                "addresses": [{"field": "BILLING", "region": "Atlantis", "country_code": "USA"}],
            }
        )
    for given in ("US-AZ", "AZ", "arizona"):
        contact = tenant.contacts.create(
            {**base, "addresses": [{"field": "BILLING", "region": given, "country_code": "USA"}]}
        )
        assert contact.addresses[0]["region"] == "Arizona"


def test_length_limits_and_enums(tenant: Tenant) -> None:
    with pytest.raises(Invalid, match="given_name"):
        tenant.contacts.create({**email("x@example.com"), "given_name": "x" * 41})
    with pytest.raises(Invalid, match="EMAIL1"):
        tenant.contacts.create(email("x" * 70 + "@example.com"))
    with pytest.raises(Invalid, match="source_type"):
        tenant.contacts.create({**email("x@example.com"), "source_type": "CARRIER_PIGEON"})


def test_tag_links_are_seen_from_both_sides(tenant: Tenant) -> None:
    contact = tenant.contacts.create(email("t@example.com"))
    tag = tenant.tags.create("Hot")
    assert tenant.tags.apply(contact.id, [tag.id, 999]) == {
        tag.id: "SUCCESS",
        999: "TAG_ID_NOT_FOUND",
    }
    assert tenant.tags.apply(contact.id, [tag.id]) == {tag.id: "DUPLICATE"}
    assert [t.id for t, _ in tenant.tags.of_contact(contact.id)] == [tag.id]
    assert [c.id for c, _ in tenant.tags.contacts_with(tag.id)] == [contact.id]
    tenant.contacts.delete(contact.id)
    assert tenant.tags.contacts_with(tag.id) == []


def test_sequences_and_api_goals(tenant: Tenant) -> None:
    contact = tenant.contacts.create(email("s@example.com"))
    campaign = tenant.campaigns.create("Welcome", ["Day 1"], [("Lead in", "leadconduit", "new")])
    sequence = campaign.sequences[0]
    assert tenant.campaigns.achieve_goal("leadconduit", "new", contact.id)[0]["success"] is True
    assert tenant.campaigns.sequences_of(contact.id) == [(campaign.id, sequence.id)]
    assert tenant.campaigns.add_to_sequence(campaign.id, sequence.id, [contact.id, 77]) == {
        contact.id: "ALREADY_IN_SEQUENCE",
        77: "CONTACT_DOES_NOT_EXIST",
    }


def test_concurrent_guide_creates_make_one_contact(tenant: Tenant) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def create() -> None:
        barrier.wait()
        try:
            tenant.contacts.create(email("race@example.com"), reject_duplicate_email=True)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=create) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 15 + ["created"]
    assert len(tenant.contacts.find_by_email("race@example.com")) == 1


def test_reset_forgets_data_but_keeps_settings(tenant: Tenant) -> None:
    tenant.settings = TenantSettings(profile="guide")
    tenant.contacts.create(email("z@example.com"))
    tenant.reset()
    assert tenant.contacts.list() == []
    assert tenant.settings.profile == "guide"
    assert tenant.contacts.create(email("z@example.com")).id == 1


def test_timestamps_keep_four_digit_years() -> None:
    from datetime import UTC, datetime

    from keapsim.clock import iso

    assert iso(datetime(901, 12, 18, 20, 27, 35, tzinfo=UTC)) == "0901-12-18T20:27:35.000Z"


def test_a_new_tenant_has_its_account_owner(tenant: Tenant) -> None:
    owner = tenant.users.account_owner()
    assert tenant.users.list() == [owner]
    assert (owner.id, owner.email_address, owner.admin, owner.status) == (
        1,
        "owner@t1.example.com",
        True,
        "Active",
    )
    assert (owner.given_name, owner.family_name) == ("Account", "Owner")
    # Other admins do not take the owner's place.
    tenant.users.create("boss@example.com", "Bea", admin=True, status="Active")
    assert tenant.users.account_owner() == owner


def test_reset_brings_the_same_owner_back(tenant: Tenant) -> None:
    before = tenant.users.account_owner()
    tenant.users.create("rep@example.com", "Rita")
    tenant.users.update(before.id, given_name="Olive")
    tenant.reset()
    owner = tenant.users.account_owner()
    assert tenant.users.list() == [owner]
    assert (owner.id, owner.email_address, owner.given_name) == (1, before.email_address, "Account")
    assert tenant.users.create("rep@example.com", "Rita").id == 2

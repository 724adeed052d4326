"""A contact bulk load keeps one object per repeated value (issue 18, RSS at a million
contacts): equal names share one string, and the email and primary-email indexes share each
equal (address, id) entry. What the store answers is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from keapsim.store import Tenant
from keapsim.store.base import Lookup, Query
from keapsim.store.models import Contact

MOMENT = datetime(2026, 1, 2, tzinfo=UTC)


def _contact(ident: int, given: str, email: str) -> Contact:
    return Contact(
        id=ident,
        date_created=MOMENT,
        last_updated=MOMENT,
        given_name="".join(given),  # a fresh string object per record
        family_name=f"Family{ident % 2}",
        email_addresses=[{"email": email, "field": "EMAIL1"}],
    )


def _loaded(records: list[Contact]) -> Tenant:
    tenant = Tenant("t", lambda: MOMENT)
    tenant.contacts.load(records)
    return tenant


def test_equal_names_become_one_string() -> None:
    tenant = _loaded([_contact(i, "Ada", f"a{i}@example.com") for i in range(1, 5)])
    contacts = tenant.contacts.select()
    assert len({id(c.given_name) for c in contacts}) == 1
    assert len({id(c.family_name) for c in contacts}) == 2
    assert [c.given_name for c in contacts] == ["Ada"] * 4


def test_email_indexes_share_equal_entries() -> None:
    tenant = _loaded([_contact(i, "Ada", f"a{i}@example.com") for i in range(1, 4)])
    indexes = tenant.contacts.table.indexes
    emails = list(indexes["email"]._entries)  # type: ignore[attr-defined]
    primaries = list(indexes["primary_email"]._entries)  # type: ignore[attr-defined]
    assert emails == primaries
    assert all(a is b for a, b in zip(emails, primaries, strict=True))
    # The last-update index shares nothing with them (its keys are times).
    assert indexes["last_updated"].share_entries is False  # type: ignore[attr-defined]


def test_lookups_after_a_compact_load_are_unchanged() -> None:
    records = [_contact(i, "Ada" if i % 2 else "Bo", f"p{i}@example.com") for i in range(1, 7)]
    tenant = _loaded(records)
    by_email = tenant.contacts.table.select(
        Query(lookups=[Lookup("email", "eq", "p3@example.com")])
    )
    assert [c.id for c in by_email] == [3]
    by_name = tenant.contacts.table.select(Query(lookups=[Lookup("given_name", "eq", "bo")]))
    assert [c.id for c in by_name] == [2, 4, 6]
    both = tenant.contacts.table.select(
        Query(lookups=[Lookup("given_name", "eq", "ada"), Lookup("email", "prefix", "p5")])
    )
    assert [c.id for c in both] == [5]
    # Later writes index as before: a new contact is found by its address.
    tenant.contacts.create(
        {"given_name": "Cy", "email_addresses": [{"email": "p9@example.com", "field": "EMAIL1"}]}
    )
    assert [c.given_name for c in tenant.contacts.find_by_email("p9@example.com")] == ["Cy"]

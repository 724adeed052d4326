"""Change events: every committed write, Keap's noun.verb keys, emitted after the lock."""

from __future__ import annotations

import threading

import pytest

from keapsim.clock import Clock
from keapsim.store import ChangeEvent, Invalid, Tenant


@pytest.fixture
def tenant() -> Tenant:
    return Tenant("t1", Clock().now)


@pytest.fixture
def events(tenant: Tenant) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    return seen


def keys(events: list[ChangeEvent]) -> list[tuple[str, int]]:
    return [(e.event_key, e.object_id) for e in events]


def email(address: str) -> dict[str, object]:
    return {"email_addresses": [{"email": address, "field": "EMAIL1"}]}


def test_contacts_raise_add_edit_delete(tenant: Tenant, events: list[ChangeEvent]) -> None:
    contact = tenant.contacts.create(email("a@example.com"))
    tenant.contacts.update(contact.id, {"given_name": "Ann"})
    tenant.contacts.upsert(email("a@example.com") | {"job_title": "CTO"}, "Email")
    tenant.contacts.delete(contact.id)
    assert keys(events) == [
        ("contact.add", contact.id),
        ("contact.edit", contact.id),
        ("contact.edit", contact.id),
        ("contact.delete", contact.id),
    ]
    assert {e.object_type for e in events} == {"contact"}
    assert events[0].time >= contact.date_created  # the simulated clock stamps events


def test_tags_and_links_raise_contact_group_events(
    tenant: Tenant, events: list[ChangeEvent]
) -> None:
    contact = tenant.contacts.create(email("a@example.com"))
    tag = tenant.tags.create("VIP")
    tenant.tags.apply(contact.id, [tag.id, tag.id, 999])  # a duplicate and a missing tag
    tenant.tags.remove(contact.id, [tag.id])
    tenant.tags.update(tag.id, name="Gold")
    tenant.tags.delete(tag.id)
    assert keys(events)[1:] == [
        ("contactGroup.add", tag.id),
        ("contactGroup.applied", tag.id),
        ("contactGroup.removed", tag.id),
        ("contactGroup.edit", tag.id),
        ("contactGroup.delete", tag.id),
    ]


def test_a_deleted_contact_takes_its_notes_and_their_events(
    tenant: Tenant, events: list[ChangeEvent]
) -> None:
    contact = tenant.contacts.create(email("a@example.com"))
    note = tenant.notes.create(contact.id, title="Call back")
    tenant.contacts.delete(contact.id)
    assert ("note.add", note.id) in keys(events)
    assert keys(events)[-2:] == [("note.delete", note.id), ("contact.delete", contact.id)]
    assert tenant.notes == {}


def test_a_refused_write_raises_nothing(tenant: Tenant, events: list[ChangeEvent]) -> None:
    with pytest.raises(Invalid):
        tenant.contacts.create({"given_name": "No way to reach"})
    with pytest.raises(Invalid):
        tenant.tags.create("")
    assert events == []


def test_events_come_after_the_lock_is_released(tenant: Tenant) -> None:
    """A subscriber may hand work to another thread that reads the store at once."""
    reads: list[int] = []

    def read_from_another_thread(event: ChangeEvent) -> None:
        reader = threading.Thread(target=lambda: reads.append(len(tenant.contacts.list())))
        reader.start()
        reader.join(timeout=5)
        assert not reader.is_alive(), "the writer still held the tenant lock"

    tenant.events.subscribe(read_from_another_thread)
    tenant.contacts.create(email("a@example.com"))
    assert reads == [1]


def test_unsubscribe_and_a_failing_subscriber(tenant: Tenant, events: list[ChangeEvent]) -> None:
    def broken(event: ChangeEvent) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = tenant.events.subscribe(broken)
    contact = tenant.contacts.create(email("a@example.com"))  # still succeeds
    unsubscribe()
    unsubscribe()  # idempotent
    tenant.contacts.delete(contact.id)
    assert keys(events) == [("contact.add", contact.id), ("contact.delete", contact.id)]


def test_every_registered_store_raises_events_generically(tenant: Tenant) -> None:
    """No store needs event code of its own: adding a record to any table raises <noun>.add."""
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    for name, store in tenant.stores.items():
        table = store.table
        assert table.noun, name
    category = tenant.tag_categories.create(name="Source")
    source_category = tenant.lead_source_categories.create(name="Paid")
    assert keys(seen) == [
        ("contactGroupCategory.add", category.id),
        ("leadsourceCategory.add", source_category.id),
    ]

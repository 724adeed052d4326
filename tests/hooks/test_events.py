"""The store's change events (keapsim.store.events): what a committed write emits, and that a
refused write emits nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keapsim.store import Invalid, NotFound, Tenant
from keapsim.store.events import ChangeEvent, EventBus

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
EMAIL = {"email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]}


@pytest.fixture
def tenant() -> Tenant:
    return Tenant("t1", lambda: NOW)


@pytest.fixture
def seen(tenant: Tenant) -> list[ChangeEvent]:
    events: list[ChangeEvent] = []
    tenant.events.subscribe(events.append)
    return events


def keys(events: list[ChangeEvent]) -> list[tuple[str, str, int]]:
    return [(e.event_key, e.object_type, e.object_id) for e in events]


def test_unsubscribe_stops_the_calls() -> None:
    bus = EventBus()
    first: list[ChangeEvent] = []
    second: list[ChangeEvent] = []
    stop_first = bus.subscribe(first.append)
    bus.subscribe(second.append)
    event = ChangeEvent("contact.add", "contact", 1, NOW)
    bus.emit(event)
    stop_first()
    bus.emit(event)
    assert first == [event]
    assert second == [event, event]


def test_contact_writes_emit_add_edit_delete(tenant: Tenant, seen: list[ChangeEvent]) -> None:
    contact = tenant.create_contact(EMAIL)
    tenant.update_contact(contact.id, {"given_name": "Ada"})
    tenant.upsert_contact(EMAIL, "Email")
    tenant.delete_contact(contact.id)
    assert keys(seen) == [
        ("contact.add", "contact", 1),
        ("contact.edit", "contact", 1),
        ("contact.edit", "contact", 1),
        ("contact.delete", "contact", 1),
    ]
    assert all(event.time == NOW for event in seen)


def test_tag_links_emit_applied_and_removed_once(tenant: Tenant, seen: list[ChangeEvent]) -> None:
    contact = tenant.create_contact(EMAIL)
    tag = tenant.create_tag("VIP")
    seen.clear()
    tenant.apply_tags(contact.id, [tag.id])
    tenant.apply_tags(contact.id, [tag.id, 999])  # already applied, and an unknown tag
    tenant.remove_tag(contact.id, tag.id)
    tenant.remove_tag(contact.id, tag.id)  # not applied any more: nothing changes
    assert keys(seen) == [
        ("contactGroup.applied", "contact", contact.id),
        ("contactGroup.removed", "contact", contact.id),
    ]


def test_refused_writes_emit_nothing(tenant: Tenant, seen: list[ChangeEvent]) -> None:
    with pytest.raises(Invalid):
        tenant.create_contact({"given_name": "No way to reach"})
    with pytest.raises(NotFound):
        tenant.update_contact(42, {"given_name": "Nobody"})
    with pytest.raises(NotFound):
        tenant.delete_contact(42)
    assert seen == []

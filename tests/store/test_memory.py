"""Memory layout: shared empty collections, bulk loads, resets that free records."""

from __future__ import annotations

import gc

import pytest

from keapsim.clock import Clock
from keapsim.store import Query, Tenant
from keapsim.store.memory import bulk_load
from keapsim.store.models import EMPTY_DICT, EMPTY_LIST, Contact


def email(address: str) -> dict[str, object]:
    return {"email_addresses": [{"email": address, "field": "EMAIL1"}]}


def test_contacts_share_their_empty_collections() -> None:
    tenant = Tenant("t1", Clock().now)
    first = tenant.contacts.create(email("a@example.com") | {"fax_numbers": []})
    second = tenant.contacts.create(email("b@example.com"))
    assert first.fax_numbers is second.fax_numbers is EMPTY_LIST
    assert first.custom_fields is EMPTY_DICT
    assert first.addresses == [] and first.custom_fields == {}  # still equal to plain ones
    for change in (lambda: EMPTY_LIST.append(1), lambda: EMPTY_DICT.update(a=1)):
        with pytest.raises(TypeError):
            change()
    updated = tenant.contacts.update(first.id, {"fax_numbers": [{"number": "1", "field": "FAX1"}]})
    assert updated.fax_numbers == [{"number": "1", "field": "FAX1"}] and EMPTY_LIST == []
    cleared = tenant.contacts.update(first.id, {"fax_numbers": []})
    assert cleared.fax_numbers is EMPTY_LIST


def test_loaded_contacts_share_empty_collections_too() -> None:
    tenant = Tenant("t1", Clock().now)
    made = tenant.contacts.create(email("a@example.com"))
    copy = Contact(**{name: getattr(made, name) for name in Contact.__dataclass_fields__})
    copy.addresses = []
    tenant.contacts.load([copy])
    assert tenant.contacts.get(made.id).addresses is EMPTY_LIST


def test_a_reset_clears_the_old_tables_at_once() -> None:
    """Whoever still holds the old store (a request in flight) no longer keeps the records
    alive: they are freed by reference counting, not left to a later full collection."""
    tenant = Tenant("t1", Clock().now)
    tenant.contacts.create(email("a@example.com"))
    old_contacts = tenant.contacts
    tenant.reset()
    assert len(old_contacts) == 0 and list(old_contacts.table.select(Query())) == []
    assert len(tenant.contacts) == 0 and [u.id for u in tenant.users.list()] == [1]


def test_a_bulk_load_pauses_the_collector_and_restores_it() -> None:
    assert gc.isenabled()
    with bulk_load():
        assert not gc.isenabled()
    assert gc.isenabled()

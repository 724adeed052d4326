"""Memory layout: shared empty collections, bulk loads, resets that free records."""

from __future__ import annotations

import copy
import gc
import json
import pickle
import sys

import pytest

from keapsim.clock import Clock
from keapsim.snapshots.codec import from_json, to_json
from keapsim.store import Query, Tenant, models
from keapsim.store.memory import bulk_load
from keapsim.store.models import EMPTY_DICT, EMPTY_LIST, Contact, Item, item_of


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


def test_contact_items_are_compact_read_only_mappings() -> None:
    tenant = Tenant("t1", Clock().now)
    made = tenant.contacts.create(
        email("a@example.com") | {"phone_numbers": [{"number": "555", "field": "PHONE1"}]}
    )
    item = made.email_addresses[0]
    assert isinstance(item, Item) and sys.getsizeof(item) < sys.getsizeof(dict(item)) / 3
    assert item["email"] == "a@example.com" and item.get("field") == "EMAIL1"
    assert item.get("type") is None and item.get("type", "x") == "x" and "type" not in item
    with pytest.raises(KeyError):
        item["type"]
    assert list(item) == ["email", "field"] and len(item) == 2
    assert dict(item) == {"email": "a@example.com", "field": "EMAIL1"} == item
    assert made.email_addresses == [{"email": "a@example.com", "field": "EMAIL1"}]
    assert item != {"email": "a@example.com"} and repr(item) == repr(dict(item))
    with pytest.raises(TypeError):
        item["email"] = "b@example.com"  # type: ignore[index]
    with pytest.raises(AttributeError):
        item.extra = 1  # type: ignore[attr-defined]
    # One class per key tuple: the phone's keys live on its class, not in the item.
    assert type(made.phone_numbers[0]) is not type(item)
    assert type(item_of({"email": "c@example.com", "field": "EMAIL2"})) is type(item)
    for twin in (copy.deepcopy(item), pickle.loads(pickle.dumps(item))):
        assert twin == item and type(twin) is type(item)
    assert json.dumps(to_json(made)["email_addresses"]) == json.dumps([dict(item)])


def test_items_round_trip_through_a_state_document() -> None:
    tenant = Tenant("t1", Clock().now)
    made = tenant.contacts.create(email("a@example.com"))
    restored = Tenant("t2", Clock().now)
    restored.contacts.load([from_json(Contact, json.loads(json.dumps(to_json(made))))])
    again = restored.contacts.get(made.id)
    assert isinstance(again.email_addresses[0], Item) and again == made


def test_item_kinds_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies may carry any keys: past the cap an item stays a plain dict, no new class."""
    monkeypatch.setattr(models, "_MAX_ITEM_KINDS", len(models._item_kinds))
    odd = item_of({"never_seen_key_1": 1})
    assert type(odd) is dict and odd == {"never_seen_key_1": 1}


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

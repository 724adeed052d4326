"""Stores built on first use (docs/design/store.md, "Stores built on first use"): a tenant
imports and builds a store the first time it is asked for it, and nothing a client can see
depends on when that was."""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from keapsim.clock import Clock
from keapsim.seed import seed_tenant
from keapsim.simulator import Simulator
from keapsim.snapshots.codec import to_json
from keapsim.snapshots.document import build_tenant, dump_tenant
from keapsim.store import ChangeEvent, Tenant
from keapsim.store.resource import RecordStore
from keapsim.store.tenant import COMPANIONS, SLOTS, STORE_NAMES, Slot

# The registry as it was when every store was built with the tenant (54 stores, this order:
# the order tenant.stores lists them, snapshots save them and cascades run in).
REGISTERED = (
    "contacts tag_categories tags campaigns notes users lead_source_categories lead_sources "
    "custom_field_tabs custom_field_groups custom_fields companies opportunity_stages "
    "opportunities stage_moves automation_categories lead_source_expenses "
    "lead_source_recurring_expenses reports webforms referrals wordpress_options tasks "
    "appointments email_statuses emails email_templates note_templates account files "
    "contact_link_types contact_links credit_cards user_groups product_categories products "
    "subscription_plans product_options product_interest_bundles product_interests merchants "
    "orders payments transactions shipping_methods payment_method_configs affiliate_programs "
    "affiliates affiliate_program_resources affiliate_redirects affiliate_commissions "
    "affiliate_payments discounts subscriptions"
).split()

FROZEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def person(address: str) -> dict[str, Any]:
    return {"given_name": "A", "email_addresses": [{"email": address, "field": "EMAIL1"}]}


def run_python(code: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


# -- the registry ----------------------------------------------------------------------------
def test_the_registry_is_the_same_54_stores_in_the_same_order() -> None:
    assert list(STORE_NAMES) == REGISTERED == list(Tenant.STORE_NAMES)
    assert list(Tenant.STORES) == REGISTERED


def test_every_entry_resolves_to_the_record_store_its_annotation_names() -> None:
    annotations = Tenant.__annotations__
    for slot in SLOTS:
        store_class = slot.store_class()
        assert isinstance(store_class, type) and issubclass(store_class, RecordStore), slot.name
        assert annotations[slot.name] == f"Slot[{store_class.__name__}]", slot.name
        assert Tenant.STORES[slot.name] is store_class
    assert set(COMPANIONS) <= set(STORE_NAMES)
    assert {c for cs in COMPANIONS.values() for c in cs} <= set(STORE_NAMES)


# -- imports ---------------------------------------------------------------------------------
@pytest.mark.slow  # a fresh interpreter
def test_a_store_module_is_imported_on_first_use_only() -> None:
    report = run_python(
        """
import json, sys
from datetime import datetime, timezone
import keapsim.store
from keapsim.store import Invalid, NotFound, Tenant, IdentityStore
def stores():
    return sorted(m for m in sys.modules if m.startswith("keapsim.store."))
at_import = stores()
tenant = Tenant("t", lambda: datetime.now(timezone.utc))
at_tenant = stores()
tenant.contacts
after_contacts = stores()
tenant.orders
print(json.dumps({"import": at_import, "tenant": at_tenant, "contacts": after_contacts,
                  "orders": stores(), "built": sorted(tenant._built)}))
"""
    )
    families = {"keapsim.store.contacts", "keapsim.store.orders", "keapsim.store.payments"}
    assert not families & set(report["import"])
    assert not families & set(report["tenant"])
    assert "keapsim.store.users" in report["tenant"]  # the account owner: built with the tenant
    assert "keapsim.store.contacts" in report["contacts"]
    assert not {"keapsim.store.orders", "keapsim.store.payments"} & set(report["contacts"])
    assert {"keapsim.store.orders", "keapsim.store.discounts"} <= set(report["orders"])
    # contacts needs no other store; orders attaches to contacts and custom fields and brings
    # the discounts (its discount source), which attach to the catalogue.
    assert "discounts" in report["built"] and "affiliates" not in report["built"]


# -- the same state whatever the order of first use ------------------------------------------
def frozen_tenant() -> Tenant:
    return Tenant("t", Clock(frozen_at=FROZEN).now)


@pytest.fixture
def deterministic_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """uuid4 and session keys are random: made from a counter that each tenant restarts."""
    counter: Iterator[int] = itertools.count()

    def restart() -> None:
        nonlocal counter
        counter = itertools.count()

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    monkeypatch.setattr("secrets.token_urlsafe", lambda n=None: f"key{next(counter)}")
    return restart


def workload(tenant: Tenant) -> list[tuple[str, int]]:
    """Seed the tenant through its stores, then delete records whose removal cascades across
    many stores; returns the change events of the deletes, in order."""
    seed_tenant(tenant, 12, faker_seed=7)
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    with_orders = {o.contact_id for o in tenant.orders.values()}
    with_affiliates = {a.contact_id for a in tenant.affiliates.values()}
    for contact_id in sorted(with_orders | with_affiliates)[:4] + [1, 2, 3]:
        if contact_id in tenant.contacts:
            tenant.contacts.delete(contact_id)
    for product in tenant.products.values()[:2]:
        with tenant.core.write():
            tenant.products.table.remove(product.id)  # cascades, whatever delete refuses
    for tag in tenant.tags.values()[:2]:
        tenant.tags.delete(tag.id)
    return [(e.event_key, e.object_id) for e in seen]


def state_of(tenant: Tenant) -> str:
    document = dump_tenant(Simulator(), tenant)
    return json.dumps(document, default=str, sort_keys=False)


def first_use_orders() -> dict[str, Callable[[Tenant], None]]:
    def each(names: list[str]) -> Callable[[Tenant], None]:
        return lambda tenant: [getattr(tenant, name) for name in names] and None

    shuffled = list(REGISTERED)
    random.Random(18).shuffle(shuffled)
    return {
        "lazily, as the workload goes": lambda tenant: None,
        "all at once (tenant.stores)": lambda tenant: tenant.stores and None,
        "reverse registry order": each(list(reversed(REGISTERED))),
        "shuffled": each(shuffled),
        "commerce first": each(["discounts", "subscriptions", "affiliate_commissions"]),
    }


def test_the_same_state_and_events_whatever_order_the_stores_were_first_used_in(
    deterministic_ids: Callable[[], None],
) -> None:
    outcomes: dict[str, tuple[list[tuple[str, int]], str]] = {}
    for label, touch in first_use_orders().items():
        deterministic_ids()
        tenant = frozen_tenant()
        touch(tenant)
        events = workload(tenant)
        outcomes[label] = (events, state_of(tenant))
    (reference_events, reference_state), *_ = outcomes.values()
    assert len(reference_events) > 20  # the deletes cascaded into several stores
    assert len({key for key, _ in reference_events}) > 5
    for label, (events, state) in outcomes.items():
        assert events == reference_events, label
        assert state == reference_state, label


def test_a_new_tenant_holds_only_its_owner_and_the_owners_creation_time() -> None:
    clock = Clock(frozen_at=FROZEN)
    tenant = Tenant("t", clock.now)
    clock.advance(3600)  # a store first used an hour later does not restamp the owner
    owner = tenant.users.account_owner()
    assert owner.id == 1 and owner.date_created.timestamp() == FROZEN
    assert sorted(tenant._built) == ["users"]
    assert all(len(store) == 0 for name, store in tenant.stores.items() if name != "users")


# -- derived state: stores that react to other stores ----------------------------------------
def test_a_cascade_added_late_runs_in_the_registry_place_of_its_store() -> None:
    """Notes come before tasks in the registry: a contact's notes go before its tasks, even
    when the tasks store was used first."""
    tenant = frozen_tenant()
    contact = tenant.contacts.create(person("a@example.com"))
    task = tenant.tasks.create(title="Call", contact_id=contact.id)
    note = tenant.notes.create(contact.id, title="Called")
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    tenant.contacts.delete(contact.id)
    assert [(e.event_key, e.object_id) for e in seen] == [
        ("note.delete", note.id),
        ("task.delete", task.id),
        ("contact.delete", contact.id),
    ]


def test_the_commission_ledger_still_earns_on_payments() -> None:
    """The ledger listens to change events once the tenant has an affiliate: still so when the
    affiliates (and the ledger) are built long after the orders."""
    tenant = frozen_tenant()
    seed_tenant(tenant, 5, faker_seed=3)
    assert tenant.affiliate_commissions.values(), "the seed credits affiliates with sales"
    assert tenant.built("affiliate_commissions") is tenant.affiliate_commissions


def test_orders_price_with_the_discounts_whenever_these_were_built() -> None:
    tenant = frozen_tenant()
    assert tenant.orders.discount_source is tenant.discounts  # built with the orders


# -- threads ---------------------------------------------------------------------------------
def first_use_from_threads(tenant: Tenant, threads: int) -> list[tuple[object, object]]:
    barrier = threading.Barrier(threads)
    got: list[tuple[object, object]] = []

    def touch() -> None:
        barrier.wait()
        # subscriptions builds the orders, discounts and catalogue too, under the same lock
        got.append((tenant.subscriptions, tenant.store("affiliate_commissions")))

    running = [threading.Thread(target=touch) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=30)
    return got


def test_threads_that_first_use_a_store_at_once_get_the_same_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A slow import: every thread is past the attribute read and waits for the tenant lock.
    store_class = Slot.store_class

    def slow_store_class(slot: Slot[Any]) -> Any:
        time.sleep(0.01)
        return store_class(slot)

    monkeypatch.setattr(Slot, "store_class", slow_store_class)
    for _ in range(3):
        tenant = frozen_tenant()
        got = first_use_from_threads(tenant, 8)
        assert len(got) == 8
        assert len({id(subscriptions) for subscriptions, _ in got}) == 1
        assert len({id(ledger) for _, ledger in got}) == 1
        assert got[0][0] is tenant.subscriptions is tenant.stores["subscriptions"]
        # every store was attached once: one cascade per store on the contacts' table
        owners = [getattr(c, "__self__", None) for c in tenant.contacts.table.on_remove]
        assert len(owners) == len(set(map(id, owners)))


# -- reset, discard, snapshots ---------------------------------------------------------------
def test_reset_forgets_built_stores_and_builds_them_again_on_first_use() -> None:
    tenant = frozen_tenant()
    tenant.contacts.create(person("a@example.com"))
    old_contacts, old_stores = tenant.contacts, tenant.stores
    tenant.reset()
    assert len(old_contacts) == 0  # freed at once
    assert sorted(tenant._built) == ["users"] and "contacts" not in vars(tenant)
    assert tenant.contacts is not old_contacts and len(tenant.contacts) == 0
    assert tenant.stores is not old_stores  # the change log tells a reset by it
    assert tenant.stores is tenant.stores
    assert [u.id for u in tenant.users.list()] == [1]


def test_a_snapshot_of_a_tenant_with_untouched_stores_round_trips() -> None:
    sim = Simulator()
    tenant = sim.tenant()
    contact = tenant.contacts.create(person("a@example.com"))
    document = dump_tenant(sim, tenant)
    assert set(REGISTERED) <= set(document)
    restored = build_tenant(sim, document).tenant
    assert restored.contacts[contact.id] == contact
    for name in REGISTERED:
        assert [to_json(r) for r in restored.store(name).values()] == document[name], name
    again = Tenant("t", Clock(frozen_at=FROZEN).now)
    again.discard()  # a tenant never used: nothing to free, nothing built
    assert sorted(again._built) == ["users"]


# -- readers that must not build stores ------------------------------------------------------
def test_catching_up_and_the_dashboard_counts_build_no_store() -> None:
    from keapsim.admin.records import store_rows
    from keapsim.store.due import catch_up

    tenant = frozen_tenant()
    tenant.contacts.create(person("a@example.com"))  # a write: catch_up looks again
    assert catch_up(tenant) == []
    rows = store_rows(tenant)
    assert [row["name"] for row in rows] == REGISTERED
    counted = {row["name"]: row["count"] for row in rows if row["count"]}
    assert counted == {"contacts": 1, "users": 1}
    assert sorted(tenant._built) == ["contacts", "users"]

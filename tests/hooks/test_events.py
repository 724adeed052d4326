"""The store's change events as REST hooks see them: every noun the store raises is either one
of Keap's (deliverable) or keapsim's own (never deliverable), and only keys in the catalogue can
be subscribed. The events themselves are tested with the store (tests/store/test_events.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from api_v1.helpers import V1
from support.hook_helpers import subscribe

from keapsim.hooks import EVENT_KEYS, HookReceiver
from keapsim.hooks.catalogue import KEAP_NOUNS, KEAPSIM_ONLY_NOUNS
from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.events import ChangeEvent

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_every_noun_the_store_raises_is_placed() -> None:
    tenant = Tenant("t1", lambda: NOW)
    nouns = {store.table.noun for store in tenant.stores.values()}
    assert not KEAP_NOUNS & KEAPSIM_ONLY_NOUNS
    assert nouns - KEAP_NOUNS - KEAPSIM_ONLY_NOUNS == set()


@pytest.mark.parametrize(
    "event_key",
    ["contactGroupCategory.add", "opportunityStage.edit", "customField.delete", "user.delete"],
)
def test_keys_outside_the_catalogue_cannot_be_subscribed(v1: V1, event_key: str) -> None:
    assert event_key not in EVENT_KEYS
    body = {"eventKey": event_key, "hookUrl": "http://127.0.0.1/"}
    assert "event_keys" in v1.error("POST", "/hooks", 400, json=body)


def test_keapsim_only_events_reach_no_receiver(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contactGroup.add", receiver.url)
    tenant = fast_sim.tenant()
    seen: list[ChangeEvent] = []
    tenant.events.subscribe(seen.append)
    category = tenant.tag_categories.create(name="Interests")
    tenant.tag_categories.update(category.id, name="Hobbies")
    assert [e.event_key for e in seen] == ["contactGroupCategory.add", "contactGroupCategory.edit"]
    assert fast_sim.hooks.pending() == []
    assert fast_sim.hooks.flush() == 0
    assert receiver.deliveries() == []


def test_refused_writes_deliver_nothing(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.edit", receiver.url)
    fast_v1.error("PATCH", "/contacts/42", 404, json={"given_name": "Nobody"})
    assert fast_sim.hooks.flush() == 0

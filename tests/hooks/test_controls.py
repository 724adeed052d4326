"""QA controls on outgoing deliveries (keapsim.hooks.faults): duplicate, out of order, delay,
drop — through Python and the admin API — so a receiver can be proven idempotent and
order-independent."""

from __future__ import annotations

import pytest
from api_v1.helpers import V1
from pydantic import ValidationError
from support.hook_helpers import admin_client, subscribe

from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator


@pytest.fixture
def add_and_edit(fast_v1: V1, receiver: HookReceiver) -> V1:
    subscribe(fast_v1, "contact.add", receiver.url)
    subscribe(fast_v1, "contact.edit", receiver.url)
    return fast_v1


def create_and_edit(api: V1) -> int:
    contact = api.contact("ada@example.com")
    api.patch(f"/contacts/{contact['id']}", json={"given_name": "Ada"})
    return contact["id"]


def test_duplicate_posts_the_same_delivery_twice(
    fast_sim: Simulator, add_and_edit: V1, receiver: HookReceiver
) -> None:
    rule = fast_sim.hooks.faults.add(effect="duplicate", event_key="contact.add", times=1)
    create_and_edit(add_and_edit)
    assert fast_sim.hooks.flush() == 3
    first, second = receiver.deliveries("contact.add")
    assert first.body == second.body
    assert len(receiver.deliveries("contact.edit")) == 1
    entries = fast_sim.journal.find(kind="hook.delivery", fault=rule.id)
    assert [(e.attempt, e.status) for e in entries] == [(1, 200), (1, 200)]
    assert rule.to_dict()["fired"] == 1


def test_reorder_delivers_the_edit_before_the_add(
    fast_sim: Simulator, add_and_edit: V1, receiver: HookReceiver
) -> None:
    fast_sim.hooks.faults.add(effect="reorder", event_key="contact.add")
    create_and_edit(add_and_edit)
    assert fast_sim.hooks.flush() == 2
    assert [d.event_key for d in receiver.deliveries()] == ["contact.edit", "contact.add"]


def test_a_reordered_delivery_alone_is_released_after_its_longest_hold(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    fast_sim.hooks.faults.add(effect="reorder", seconds=120)
    fast_v1.contact("ada@example.com")
    assert fast_sim.hooks.flush() == 0
    [held] = fast_sim.hooks.pending()
    assert held.summary()["held"] is True
    fast_sim.clock.advance(120)
    assert fast_sim.hooks.flush() == 1


def test_delay_postpones_on_the_simulator_clock(
    fast_sim: Simulator, add_and_edit: V1, receiver: HookReceiver
) -> None:
    fast_sim.hooks.faults.add(effect="delay", seconds=600, event_key="contact.add")
    create_and_edit(add_and_edit)
    assert fast_sim.hooks.flush() == 1
    assert [d.event_key for d in receiver.deliveries()] == ["contact.edit"]
    fast_sim.clock.advance(599)
    assert fast_sim.hooks.flush() == 0
    fast_sim.clock.advance(1)
    assert fast_sim.hooks.flush() == 1
    assert [d.event_key for d in receiver.deliveries()] == ["contact.edit", "contact.add"]


def test_drop_loses_the_delivery_without_a_retry(
    fast_sim: Simulator, add_and_edit: V1, receiver: HookReceiver
) -> None:
    rule = fast_sim.hooks.faults.add(effect="drop", event_key="contact.edit", times=1)
    create_and_edit(add_and_edit)
    assert fast_sim.hooks.flush() == 1
    assert [d.event_key for d in receiver.deliveries()] == ["contact.add"]
    assert fast_sim.hooks.pending() == []
    [dropped] = fast_sim.journal.find(fault=rule.id)
    assert dropped.status is None and "dropped" in dropped.error
    # The rule fired once: the next edit arrives.
    add_and_edit.patch("/contacts/1", json={"given_name": "Ada B."})
    fast_sim.hooks.flush()
    assert [d.event_key for d in receiver.deliveries()] == ["contact.add", "contact.edit"]


def test_rules_match_and_trigger_like_gateway_rules(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(fast_v1, "contact.add", receiver.url)
    rule = fast_sim.hooks.faults.add(
        effect="drop", subscription=hook["key"], hook_url="http://127.0.0.1/*", after=1, times=1
    )
    fast_sim.hooks.faults.add(effect="drop", tenant="someone-else")
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        fast_v1.contact(email)
        fast_sim.hooks.flush()
    assert receiver.object_ids() == [1, 3]
    assert (rule.matched, rule.fired, rule.exhausted) == (2, 1, True)  # exhausted: not counted


def test_a_bad_rule_names_its_fault() -> None:
    sim = Simulator()
    with pytest.raises(ValidationError, match="seconds"):
        sim.hooks.faults.add(effect="delay")
    with pytest.raises(ValidationError, match="effect"):
        sim.hooks.faults.add(effect="explode")
    with pytest.raises(ValidationError, match="unknown"):
        sim.hooks.faults.add(effect="drop", unknown=1)


def test_the_admin_api_manages_the_controls(
    fast_sim: Simulator, add_and_edit: V1, receiver: HookReceiver
) -> None:
    with admin_client(fast_sim) as admin:
        created = admin.post(
            "/_keapsim/hooks/faults", json={"effect": "duplicate", "event_key": "contact.*"}
        )
        assert created.status_code == 201
        rule_id = created.json()["id"]
        bad = admin.post("/_keapsim/hooks/faults", json={"effect": "delay"})
        assert bad.status_code == 400 and "seconds" in bad.json()["error"]
        assert admin.post("/_keapsim/hooks/faults", content=b"[").status_code == 400
        create_and_edit(add_and_edit)
        flushed = admin.post("/_keapsim/hooks/flush").json()
        assert flushed == {"posts": 4, "pending": 0}
        assert admin.get(f"/_keapsim/hooks/faults/{rule_id}").json()["fired"] == 2
        assert [r["id"] for r in admin.get("/_keapsim/hooks/faults").json()["faults"]] == [rule_id]
        assert admin.delete(f"/_keapsim/hooks/faults/{rule_id}").status_code == 204
        assert admin.delete(f"/_keapsim/hooks/faults/{rule_id}").status_code == 404
        assert admin.get(f"/_keapsim/hooks/faults/{rule_id}").status_code == 404
        admin.post("/_keapsim/hooks/faults", json={"effect": "drop"})
        assert admin.delete("/_keapsim/hooks/faults").status_code == 204
        assert fast_sim.hooks.faults.list() == []

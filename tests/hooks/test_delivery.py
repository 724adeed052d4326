"""Deliveries (keap-facts.md §3.7): Keap's payload, batching at 1,000 objects, the first attempt
30-60 s after the change, retries 30-60 s / 5 min / 30 min after each failure, Inactive after the
fourth failure or at once on 410, and verify reactivating. Time is the simulator's (frozen)
clock; nothing sleeps."""

from __future__ import annotations

import re

import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2
from support.hook_helpers import contact_body, set_hook_settings, subscribe

from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def attempt_times(sim: Simulator) -> list[float]:
    return [entry.time for entry in sim.journal.find(kind="hook.delivery")]


def test_v2_create_and_v1_edit_deliver_add_and_edit(
    sim: Simulator, v1: V1, v2: V2, receiver: HookReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    subscribe(v1, "contact.edit", receiver.url)
    created = v2.post("/contacts", 201, json=contact_body("ada@example.com"))
    contact_id = int(created["id"])
    v1.patch(f"/contacts/{contact_id}", json={"given_name": "Ada"})
    sim.clock.advance(60)
    assert sim.hooks.flush() == 2

    add, edit = receiver.deliveries()
    for delivery, key in ((add, "contact.add"), (edit, "contact.edit")):
        payload = delivery.json()
        assert set(payload) == {"event_key", "object_type", "object_keys"}
        assert (payload["event_key"], payload["object_type"]) == (key, "contact")
        [object_key] = payload["object_keys"]
        assert set(object_key) == {"id", "apiUrl", "timestamp"}
        assert object_key["id"] == contact_id
        assert object_key["apiUrl"] == f"{sim.base_url}/crm/rest/v1/contacts/{contact_id}"
        assert TIMESTAMP.match(object_key["timestamp"])
        assert delivery.headers["content-type"] == "application/json"
    # The apiUrl answers with the contact.
    assert v1.get(f"/contacts/{contact_id}")["given_name"] == "Ada"


def test_the_first_attempt_comes_30_to_60_seconds_after_the_change(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    v1.contact("ada@example.com")
    changed = sim.clock.time()
    [pending] = sim.hooks.pending()
    assert 30 <= pending.due - changed <= 60
    sim.clock.advance(29.9)
    assert sim.hooks.flush() == 0
    sim.clock.advance(pending.due - sim.clock.time())
    assert sim.hooks.flush() == 1
    assert receiver.object_ids("contact.add") == [1]


def test_tags_applied_wait_5_to_10_minutes(sim: Simulator, v1: V1, receiver: HookReceiver) -> None:
    subscribe(v1, "contactGroup.applied", receiver.url)
    subscribe(v1, "contactGroup.removed", receiver.url)
    contact = v1.contact("ada@example.com")
    v1.tag("Newsletter")
    tag = v1.tag("VIP")  # tag 2, contact 1: the delivered object is the tag
    v1.post(f"/contacts/{contact['id']}/tags", json={"tagIds": [tag["id"]]})
    v1.delete(f"/contacts/{contact['id']}/tags/{tag['id']}")
    changed = sim.clock.time()
    applied, removed = sorted(sim.hooks.pending(), key=lambda d: d.event_key)
    assert 300 <= applied.due - changed <= 600
    assert 30 <= removed.due - changed <= 60
    sim.clock.advance(600)
    sim.hooks.flush()
    assert receiver.object_ids("contactGroup.applied") == [tag["id"]]
    assert receiver.object_ids("contactGroup.removed") == [tag["id"]]


def test_changes_are_batched_at_most_1000_per_delivery(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    tenant = fast_sim.tenant()
    for number in range(1500):
        tenant.contacts.create(contact_body(f"lead{number}@example.com"))
    assert fast_sim.hooks.flush() == 2
    first, second = receiver.deliveries("contact.add")
    assert len(first.object_keys) == 1000 and len(second.object_keys) == 500
    assert receiver.object_ids() == list(range(1, 1501))


def test_delivery_timing_is_a_setting(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    fast_v1.contact("ada@example.com")
    assert fast_sim.hooks.flush() == 1  # immediate
    set_hook_settings(fast_sim, delay=5.0)
    fast_v1.contact("bob@example.com")
    assert fast_sim.hooks.flush() == 0
    fast_sim.clock.advance(5)
    assert fast_sim.hooks.flush() == 1


def test_a_failing_receiver_sees_keaps_retry_intervals_then_inactive(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    receiver.always(500)
    v1.contact("ada@example.com")
    changed = sim.clock.time()
    for _ in range(40):  # an hour in 90-second steps
        sim.clock.advance(90)
        sim.hooks.flush()
    first, second, third, fourth = attempt_times(sim)
    assert 30 <= first - changed <= 60 + 90
    assert 30 <= second - first <= 60 + 90
    assert 300 <= third - second <= 300 + 90
    assert 1800 <= fourth - third <= 1800 + 90
    entries = sim.journal.find(kind="hook.delivery")
    assert [e.attempt for e in entries] == [1, 2, 3, 4]
    assert {e.status for e in entries} == {500}
    assert v1.get(f"/hooks/{hook['key']}")["status"] == "Inactive"
    assert sim.hooks.pending() == []
    # Inactive: later changes are not delivered, nor kept for later.
    receiver.always(200)
    v1.contact("bob@example.com")
    sim.clock.advance(3600)
    assert sim.hooks.flush() == 0


def test_retries_fall_due_exactly_on_keaps_intervals(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    receiver.always(503)
    fast_v1.contact("ada@example.com")
    fast_sim.hooks.flush()
    [retry] = fast_sim.hooks.pending()
    assert retry.attempt == 2 and 30 <= retry.due - fast_sim.clock.time() <= 60
    fast_sim.clock.advance(retry.due - fast_sim.clock.time())
    fast_sim.hooks.flush()
    [retry] = fast_sim.hooks.pending()
    assert retry.attempt == 3 and retry.due - fast_sim.clock.time() == pytest.approx(300)
    fast_sim.clock.advance(300)
    fast_sim.hooks.flush()
    [retry] = fast_sim.hooks.pending()
    assert retry.attempt == 4 and retry.due - fast_sim.clock.time() == pytest.approx(1800)
    fast_sim.clock.advance(1799)
    assert fast_sim.hooks.flush() == 0
    fast_sim.clock.advance(1)
    assert fast_sim.hooks.flush() == 1
    assert fast_sim.hooks.pending() == []


def test_a_retry_that_succeeds_ends_the_attempts(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(fast_v1, "contact.add", receiver.url)
    receiver.time_out()  # no answer within the limit is a failure too
    receiver.reply(404)
    fast_v1.contact("ada@example.com")
    fast_sim.hooks.flush()
    fast_sim.clock.advance(60)
    fast_sim.hooks.flush()
    fast_sim.clock.advance(300)
    fast_sim.hooks.flush()
    statuses = [(e.attempt, e.status) for e in fast_sim.journal.find(kind="hook.delivery")]
    assert statuses == [(1, None), (2, 404), (3, 200)]
    assert fast_sim.hooks.pending() == []
    assert fast_v1.get(f"/hooks/{hook['key']}")["status"] == "Verified"


def test_410_deactivates_at_once_and_verify_reactivates(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(fast_v1, "contact.add", receiver.url)
    receiver.reply(410)
    fast_v1.contact("ada@example.com")
    assert fast_sim.hooks.flush() == 1
    assert fast_v1.get(f"/hooks/{hook['key']}")["status"] == "Inactive"
    assert fast_sim.hooks.pending() == []
    fast_v1.contact("bob@example.com")
    assert fast_sim.hooks.flush() == 0
    assert fast_v1.post(f"/hooks/{hook['key']}/verify")["status"] == "Verified"
    fast_v1.contact("cy@example.com")
    assert fast_sim.hooks.flush() == 1
    assert receiver.object_ids("contact.add") == [1, 3]


def test_redirects_are_not_followed_and_count_as_answers(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    receiver.reply(302)
    fast_v1.contact("ada@example.com")
    assert fast_sim.hooks.flush() == 1
    assert len(receiver.deliveries()) == 1
    assert fast_sim.hooks.pending() == []  # below 400: not a failure (Keap's rule)


def test_unverified_subscriptions_get_no_events(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    receiver.reply(200, echo=False)
    hook = subscribe(fast_v1, "contact.add", receiver.url)
    fast_v1.contact("ada@example.com")
    assert fast_sim.hooks.flush() == 0 and fast_sim.hooks.pending() == []
    fast_v1.post(f"/hooks/{hook['key']}/verify")
    assert fast_sim.hooks.flush() == 0  # nothing was kept from before the verification


def test_deleting_a_subscription_drops_what_waits_for_it(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    v1.contact("ada@example.com")
    assert len(sim.hooks.pending()) == 1
    v1.delete(f"/hooks/{hook['key']}")
    assert sim.hooks.pending() == []


def test_every_attempt_is_journaled(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.delete", receiver.url)
    contact = fast_v1.contact("ada@example.com")
    fast_v1.delete(f"/contacts/{contact['id']}")
    fast_sim.hooks.flush()
    [entry] = fast_sim.journal.find(kind="hook.delivery")
    assert entry.method == "POST" and entry.path == receiver.url
    assert entry.status == 200 and entry.attempt == 1
    assert entry.tenant == fast_sim.default_tenant.tenant_id
    assert '"event_key": "contact.delete"' in entry.request_body
    assert entry.latency_ms >= 0
    # Outgoing posts are not requests keapsim answered: cassettes leave them out.
    assert f"uri: {receiver.url}" not in fast_sim.journal.to_vcr()
    assert "uri: http://keapsim.local/crm/rest/v1/hooks" in fast_sim.journal.to_vcr()

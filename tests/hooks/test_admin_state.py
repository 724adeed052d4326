"""Hooks in the control plane: subscriptions survive snapshots, tenant reset and deletion clear
them, the admin API lists them, the tenant settings hold ``hooks.delay``, and the dashboard
shows subscriptions and every attempt."""

from __future__ import annotations

import json

from api_v1.helpers import V1
from support.hook_helpers import admin_client, make_simulator, subscribe

from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state


def test_subscriptions_survive_a_snapshot(sim: Simulator, v1: V1, receiver: HookReceiver) -> None:
    verified = subscribe(v1, "contact.add", receiver.url)
    receiver.reply(200, echo=False)
    waiting = subscribe(v1, "contact.edit", receiver.url)
    document = json.loads(json.dumps(dump_state(sim)))

    restored = make_simulator(receiver)
    load_state(restored, document)
    with restored.client() as client:
        api = V1(client)
        assert api.get("/hooks") == [verified, waiting]
        # The secret still awaiting delayed verification came along, and keys keep growing.
        secret = receiver.verifications[-1].secret
        path = f"/hooks/{waiting['key']}/delayedVerify"
        assert api.post(path, headers={"X-Hook-Secret": secret})["status"] == "Verified"
        assert subscribe(api, "contact.delete", receiver.url)["key"] == "3"
        # The restored subscription listens on the restored tenant's events.
        api.contact("ada@example.com")
    restored.clock.advance(60)
    assert restored.hooks.flush() == 1
    assert receiver.object_ids("contact.add") == [1]


def test_a_tenant_snapshot_replaces_only_its_hooks(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    tenant_id = sim.default_tenant.tenant_id
    document = dump_state(sim, tenant_id)
    other = sim.create_tenant()
    with sim.client(other) as client:
        subscribe(V1(client), "contact.edit", receiver.url)
    v1.delete("/hooks/1")
    load_state(sim, document, tenant_id)
    assert [h["eventKey"] for h in v1.get("/hooks")] == ["contact.add"]
    with sim.client(other) as client:
        assert [h["eventKey"] for h in V1(client).get("/hooks")] == ["contact.edit"]


def test_a_broken_hooks_section_is_refused_before_anything_changes(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    document = dump_state(sim)
    document["tenants"][0]["hooks"]["subscriptions"][0]["status"] = "Sleeping"
    with admin_client(sim) as admin:
        answer = admin.put("/_keapsim/state", json=document)
    assert answer.status_code == 400 and "Sleeping" in answer.json()["error"]
    assert len(v1.get("/hooks")) == 1


def test_reset_and_delete_clear_a_tenants_hooks(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    v1.contact("ada@example.com")
    sim.hooks.faults.add(effect="drop")
    with admin_client(sim) as admin:
        assert (
            admin.post(f"/_keapsim/tenants/{sim.default_tenant.tenant_id}/reset").status_code == 204
        )
    assert v1.get("/hooks") == [] and sim.hooks.pending() == []
    assert len(sim.hooks.faults.list()) == 1  # a tenant reset keeps the simulator's rules
    sim.reset()
    assert sim.hooks.faults.list() == []
    # A tenant deleted and made again under the same id starts without hooks.
    other = sim.create_tenant(tenant_id="again")
    with sim.client(other) as client:
        subscribe(V1(client), "contact.add", receiver.url)
    sim.delete_tenant("again")
    other = sim.create_tenant(tenant_id="again")
    with sim.client(other) as client:
        assert V1(client).get("/hooks") == []


def test_the_admin_api_lists_subscriptions_and_pending_deliveries(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    v1.contact("ada@example.com")
    tenant_id = sim.default_tenant.tenant_id
    with admin_client(sim) as admin:
        state = admin.get("/_keapsim/hooks").json()
        assert state["subscriptions"] == [{"tenant": tenant_id, **hook}]
        [pending] = state["pending"]
        assert (pending["event_key"], pending["objects"], pending["attempt"]) == (
            "contact.add",
            1,
            1,
        )
        assert state["next_due"] == pending["due"]
        assert state["dispatcher_running"] is False
        assert admin.get("/_keapsim/hooks", params={"tenant": "nobody"}).status_code == 404
        assert admin.post("/_keapsim/hooks/flush").json() == {"posts": 0, "pending": 1}
        entries = admin.get("/_keapsim/journal", params={"kind": "hook.*"}).json()["entries"]
        assert [(e["kind"], e["attempt"]) for e in entries] == [("hook.verify", 1)]


def test_hooks_delay_is_a_tenant_setting(sim: Simulator, v1: V1, receiver: HookReceiver) -> None:
    subscribe(v1, "contact.add", receiver.url)
    tenant_id = sim.default_tenant.tenant_id
    with admin_client(sim) as admin:
        settings = admin.get(f"/_keapsim/tenants/{tenant_id}/settings").json()
        assert settings["hooks"] == {"delay": "keap", "timeout": 30.0}
        changed = admin.patch(
            f"/_keapsim/tenants/{tenant_id}/settings", json={"hooks": {"delay": "immediate"}}
        )
        assert changed.json()["hooks"] == {"delay": "immediate", "timeout": 30.0}
        bad = admin.patch(
            f"/_keapsim/tenants/{tenant_id}/settings", json={"hooks": {"delay": "soon"}}
        )
        assert bad.status_code == 400 and "hooks.delay" in bad.json()["error"]
    v1.contact("ada@example.com")
    assert sim.hooks.flush() == 1


def test_the_dashboard_shows_subscriptions_and_attempts(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    subscribe(fast_v1, "contact.add", receiver.url)
    receiver.reply(500)
    fast_v1.contact("ada@example.com")
    fast_sim.hooks.flush()
    with admin_client(fast_sim) as admin:
        page = admin.get("/_keapsim/ui").text
        assert 'id="panel-hooks"' in page
        panel = admin.get("/_keapsim/ui/panels/hooks").text
        assert "contact.add" in panel and "Verified" in panel and receiver.url in panel
        journal = admin.get("/_keapsim/ui/panels/journal").text
        assert "hook.delivery attempt 1" in journal and "hook.verify attempt 1" in journal

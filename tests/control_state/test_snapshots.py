"""State documents: a full round trip, tenant-scoped snapshots, and refusals with clear
messages (future version, corrupt file, bad records)."""

from __future__ import annotations

import copy
import json
from datetime import datetime

import httpx
import pytest

from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator
from keapsim.snapshots import (
    FORMAT_VERSION,
    MIGRATIONS,
    SnapshotError,
    dump_state,
    dump_tenant,
    load_state,
    parse_document,
)
from keapsim.snapshots.document import CREDENTIAL_TABLES, LINK_TABLES, RECORD_TABLES
from keapsim.store import Tenant

from .helpers import comparable, contact_body, populate


def _reloaded(sim: Simulator) -> Simulator:
    """Save ``sim`` to JSON text and load that into a brand-new simulator."""
    text = json.dumps(dump_state(sim))
    fresh = Simulator(default_tenant=False)
    load_state(fresh, parse_document(text))
    return fresh


def test_round_trip_restores_state_ids_and_credentials() -> None:
    sim = Simulator()
    default = sim.default_tenant
    assert default is not None
    second = sim.create_tenant(name="Second", profile="guide", throttle=False)
    ids = populate(sim, default)
    populate(sim, second)
    sim.clock.advance(3600)

    restored = _reloaded(sim)

    assert comparable(dump_state(restored)) == comparable(dump_state(sim))
    assert restored.clock.offset == pytest.approx(3600)
    assert restored.default_tenant == default
    assert restored.tenant(second.tenant_id).settings.profile == "guide"
    assert restored.tenant(second.tenant_id).name == "Second"
    tenant = restored.tenant()
    assert isinstance(tenant.contacts.get(ids["ada"]).date_created, datetime)
    assert tenant.contacts.get(ids["ada"]).custom_fields == {ids["custom_field"]: "38"}
    assert [t.name for t, _ in tenant.tags.of_contact(ids["ada"])] == ["vip"]
    assert [c.id for c, _ in tenant.tags.contacts_with(ids["tag"])] == [ids["ada"]]
    assert tenant.campaigns.sequence_contacts(ids["campaign"], ids["sequence"]) == [
        ids["ada"],
        ids["grace"],
    ]

    # Old credentials work: the API key, and the access token as a bearer credential.
    with restored.client(default) as client:
        listed = client.get("/v1/contacts")
        assert listed.status_code == 200
        assert {c["id"] for c in listed.json()["contacts"]} == {ids["ada"], ids["grace"]}
        # Ids keep growing where they were.
        created = client.post("/v1/contacts", json=contact_body("new@example.com"))
        assert created.json()["id"] == ids["grace"] + 1
        # The email index is rebuilt: an upsert finds the restored contact.
        upsert = client.put(
            "/v1/contacts", json={**contact_body("ada@example.com"), "duplicate_option": "Email"}
        )
        assert upsert.json()["id"] == ids["ada"]
    with restored.client(second, auth="bearer") as client:
        assert len(client.get("/v1/contacts").json()["contacts"]) == 2
    # New tenants do not take a restored tenant's id.
    assert restored.create_tenant().tenant_id not in (default.tenant_id, second.tenant_id)


def test_the_document_is_versioned_json_with_iso_datetimes() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    document = json.loads(json.dumps(dump_state(sim)))
    assert document["format"] == "keapsim-state"
    assert document["format_version"] == FORMAT_VERSION == 1
    tenant = document["tenants"][0]
    contact = tenant["contacts"][0]
    assert datetime.fromisoformat(contact["date_created"]).tzinfo is not None
    assert tenant["next_ids"]["contact"] == 3
    assert {link["contact_id"] for link in tenant["sequence_members"]} == {1, 2}
    assert tenant["credentials"]["api_keys"][0]["key"] == sim.default_tenant.api_key


def test_the_account_owner_round_trips_and_stays_user_one() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    tenant = sim.tenant()
    tenant.users.update(tenant.users.account_owner().id, given_name="Olive")
    rep = tenant.users.create("rep@example.com", "Rita", status="Active")

    restored = _reloaded(sim).tenant()

    assert restored.users.list() == tenant.users.list()
    owner = restored.users.account_owner()
    assert (owner.id, owner.given_name, owner.admin, owner.status) == (1, "Olive", True, "Active")
    assert restored.users.create("new@example.com", "Nia").id == rep.id + 1


def test_a_document_without_users_gets_its_owner_back_without_an_id_clash() -> None:
    """A document saved before tenants had their owner: the restored tenant holds exactly the
    document's users (none), and the owner is added on first use with the next free id."""
    sim = Simulator()
    assert sim.default_tenant is not None
    document = json.loads(json.dumps(dump_state(sim)))
    document["tenants"][0]["users"] = []
    document["tenants"][0]["next_ids"] = {}
    fresh = Simulator(default_tenant=False)
    load_state(fresh, document)

    restored = fresh.tenant(sim.default_tenant.tenant_id)
    assert restored.users == {}
    owner = restored.users.account_owner()
    assert (owner.id, owner.admin, owner.status) == (1, True, "Active")
    assert restored.users.create("new@example.com", "Nia").id == 2


def test_snapshots_cover_every_table_of_a_tenant() -> None:
    """Every store registered on Tenant is saved: its records and its link tables."""
    tenant = Tenant("t1", datetime.now)
    assert set(RECORD_TABLES) == set(tenant.stores) == set(Tenant.STORES)
    extras = {extra.key for store in tenant.stores.values() for extra in store.extras()}
    assert extras == set(LINK_TABLES)
    dumped = dump_tenant(Simulator(), tenant)
    assert {*RECORD_TABLES, *LINK_TABLES} <= set(dumped)
    identity_tables = {
        name for name, value in vars(Simulator().identity).items() if isinstance(value, dict)
    }
    assert identity_tables == set(CREDENTIAL_TABLES)


def test_a_frozen_clock_comes_back_frozen_at_the_same_instant() -> None:
    sim = Simulator()
    sim.clock.freeze(1_700_000_000)
    sim.clock.advance(90)
    restored = _reloaded(sim)
    assert restored.clock.frozen
    assert restored.clock.time() == pytest.approx(1_700_000_090)


def test_loading_into_a_running_simulator_replaces_everything() -> None:
    source = Simulator()
    assert source.default_tenant is not None
    populate(source, source.default_tenant)
    target = Simulator()
    stale = target.default_tenant
    assert stale is not None
    target.clock.advance(7 * 86_400)

    load_state(target, dump_state(source))

    assert set(target.tenants) == set(source.tenants)
    assert target.clock.offset == pytest.approx(0)  # may move back: the state is replaced
    with target.client(stale) as client:
        assert client.get("/v1/contacts").status_code == 401  # the old key went with its state
    with target.client() as client:
        assert len(client.get("/v1/contacts").json()["contacts"]) == 2


def test_tenant_snapshot_restores_that_tenant_only() -> None:
    sim = Simulator()
    other = sim.create_tenant()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    populate(sim, other)
    snapshot = dump_state(sim, other.tenant_id)
    assert snapshot["scope"] == "tenant"
    assert [t["id"] for t in snapshot["tenants"]] == [other.tenant_id]

    sim.reset(other.tenant_id)
    sim.tenant().contacts.delete(1)
    sim.clock.advance(60)
    assert load_state(sim, snapshot) == [other.tenant_id]

    assert len(sim.tenant(other.tenant_id).contacts) == 2
    assert len(sim.tenant().contacts) == 1  # the other tenant keeps its change
    assert sim.clock.offset == pytest.approx(60)  # a tenant load leaves the shared clock
    with sim.client(other) as client:
        assert client.get("/v1/contacts/1").json()["given_name"] == "Ada"


def test_one_tenant_can_be_taken_from_a_whole_simulator_document() -> None:
    sim = Simulator()
    other = sim.create_tenant()
    populate(sim, other)
    whole = dump_state(sim)
    sim.reset(other.tenant_id)
    assert load_state(sim, whole, tenant_id=other.tenant_id) == [other.tenant_id]
    assert len(sim.tenant(other.tenant_id).contacts) == 2
    with pytest.raises(SnapshotError, match="no tenant 'ks999'"):
        load_state(sim, whole, tenant_id="ks999")


@pytest.mark.slow
def test_admin_api_get_and_put_state(own_server: SimulatorServer) -> None:
    sim = own_server.simulator
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    with httpx.Client(base_url=f"{own_server.url}/_keapsim", timeout=10) as http:
        saved = http.get("/state")
        assert saved.status_code == 200
        assert saved.json()["scope"] == "simulator"
        one = http.get("/state", params={"tenant": sim.default_tenant.tenant_id}).json()
        assert one["scope"] == "tenant"
        assert http.get("/state", params={"tenant": "nobody"}).status_code == 404

        sim.reset()
        loaded = http.put("/state", content=saved.content)
        assert loaded.status_code == 200, loaded.text
        assert loaded.json()["loaded"] == [sim.default_tenant.tenant_id]
        assert len(sim.tenant().contacts) == 2

        future = {**saved.json(), "format_version": FORMAT_VERSION + 1}
        refused = http.put("/state", json=future)
        assert refused.status_code == 400
        assert "newer than this keapsim reads" in refused.json()["error"]
        broken = http.put("/state", content=saved.content[: len(saved.content) // 2])
        assert broken.status_code == 400
        assert "invalid JSON" in broken.json()["error"]


def test_a_future_format_version_is_refused_clearly() -> None:
    document = dump_state(Simulator())
    document["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(SnapshotError) as caught:
        parse_document(json.dumps(document), "state.json")
    assert str(caught.value) == (
        f"state.json has format version {FORMAT_VERSION + 1}, newer than this keapsim reads "
        f"(up to {FORMAT_VERSION}); upgrade keapsim to load it"
    )


def test_an_old_version_is_migrated_through_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    current = dump_state(Simulator())
    old = copy.deepcopy(current)
    old["format_version"] = FORMAT_VERSION - 1
    for tenant in old["tenants"]:
        tenant["display_name"] = tenant.pop("name")  # pretend the old format named it so

    def rename_display_name(document: dict) -> dict:
        for tenant in document["tenants"]:
            tenant["name"] = tenant.pop("display_name")
        return document

    with pytest.raises(SnapshotError, match="no longer reads"):
        parse_document(json.dumps(old))
    monkeypatch.setitem(MIGRATIONS, FORMAT_VERSION - 1, rename_display_name)
    migrated = parse_document(json.dumps(old))
    assert migrated["format_version"] == FORMAT_VERSION
    assert migrated["tenants"] == current["tenants"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "keapsim-state", "format_version": 1, "tenants": [', "invalid JSON at line 1"),
        ("", "invalid JSON"),
        ('{"tenants": []}', "is not a keapsim state file"),
        ("[1, 2]", "is not a keapsim state file"),
        ('{"format": "keapsim-state", "format_version": "1"}', "no integer format_version"),
    ],
)
def test_a_corrupt_document_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        parse_document(text, "state.json")


def test_a_bad_record_is_refused_and_nothing_changes() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    before = dump_state(sim)
    broken = copy.deepcopy(before)
    broken["tenants"][0]["contacts"][1]["date_created"] = "yesterday"

    with pytest.raises(SnapshotError, match=r"Contact\.date_created"):
        load_state(sim, broken)
    assert comparable(dump_state(sim)) == comparable(before)


def test_a_tenant_load_refuses_credentials_held_by_another_tenant() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    document = dump_state(sim, sim.default_tenant.tenant_id)
    document["tenants"][0]["id"] = "copy"
    for table in document["tenants"][0]["credentials"].values():
        for record in table:
            record["tenant_id"] = "copy"
    with pytest.raises(SnapshotError, match="in use by tenant 'ks001'"):
        load_state(sim, document)
    assert "copy" not in sim.tenants

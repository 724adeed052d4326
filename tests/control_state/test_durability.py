"""``--durability log``: the change log (keapsim/snapshots/changelog.py), in-process.

A "crash" here is a simulator dropped without :meth:`ChangeLog.close`: what is on disk then is
what a ``kill -9`` leaves. Recovery builds a fresh simulator from the files and must hold the
same state (the SIGKILL loop against a real process is test_durability_sigkill.py).
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from keapsim.simulator import Simulator
from keapsim.snapshots import ChangeLog, SnapshotError, StateFile, dump_state
from keapsim.snapshots.log_format import GENERATION_KEY, read_log

from .helpers import comparable, contact_body, populate


def _logged_simulator(path: Path, **options: Any) -> tuple[Simulator, ChangeLog]:
    sim = Simulator(throttle=False)
    changelog = ChangeLog(sim, path, **options)
    changelog.load_if_exists()
    sim.wsgi_app = changelog.guard(sim.wsgi_app)
    changelog.start()
    return sim, changelog


def _recovered(path: Path) -> tuple[Simulator, ChangeLog]:
    """A new simulator from what is on disk (as ``keapsim serve`` after a crash)."""
    sim = Simulator()
    changelog = ChangeLog(sim, path)
    changelog.load_if_exists()
    return sim, changelog


def _state(sim: Simulator) -> dict[str, Any]:
    document = comparable(dump_state(sim))
    document["offset"] = sim.clock.offset
    return document


def _admin(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url=f"{sim.base_url}/_keapsim")


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[Simulator, ChangeLog, Path]]:
    path = tmp_path / "state.json"
    sim, changelog = _logged_simulator(path)
    try:
        yield sim, changelog, path
    finally:
        changelog.stop()  # no close: the files stay as a crash leaves them


def _refresh(sim: Simulator) -> dict[str, Any]:
    creds = sim.default_tenant
    assert creds is not None
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    with httpx.Client(transport=sim.transport(), base_url=sim.base_url) as client:
        answer = client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
            headers={"Authorization": f"Basic {basic}"},
        )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_every_kind_of_change_survives_a_crash(logged: tuple[Simulator, ChangeLog, Path]) -> None:
    sim, changelog, path = logged
    ids = populate(sim, sim.default_tenant)  # type: ignore[arg-type]
    changelog.commit()  # store writes made without a request: the background thread's job
    tokens = _refresh(sim)
    with sim.client() as api:
        assert api.delete(f"/v1/contacts/{ids['grace']}").status_code == 204
        assert api.delete(f"/v1/contacts/{ids['ada']}/tags/{ids['tag']}").status_code == 204
    with _admin(sim) as admin:
        created = admin.post("/tenants", json={"name": "Second"})
        assert created.status_code == 201, created.text
        second = created.json()["tenant_id"]
        patched = admin.patch(f"/tenants/{second}/settings", json={"profile": "guide"})
        assert patched.status_code == 200, patched.text
        assert admin.post("/clock/advance", json={"seconds": 3600}).status_code == 200
    assert path.with_name("state.json.log.1").exists()

    recovered, again = _recovered(path)
    assert again.replayed > 0
    assert _state(recovered) == _state(sim)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    with recovered.client(auth="none", headers=bearer) as api:
        assert api.get(f"/v1/contacts/{ids['ada']}").status_code == 200
        assert api.get(f"/v1/contacts/{ids['grace']}").status_code == 404


def test_ids_keep_growing_after_a_delete_and_a_crash(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, _changelog, path = logged
    with sim.client() as api:
        first = api.post("/v1/contacts", json=contact_body("a@example.com")).json()["id"]
        assert api.delete(f"/v1/contacts/{first}").status_code == 204
    recovered, _ = _recovered(path)
    with recovered.client() as api:
        again = api.post("/v1/contacts", json=contact_body("b@example.com")).json()["id"]
    assert again == first + 1


def test_a_tenant_reset_and_delete_are_logged(logged: tuple[Simulator, ChangeLog, Path]) -> None:
    sim, _changelog, path = logged
    with _admin(sim) as admin:
        other = admin.post("/tenants", json={}).json()["tenant_id"]
        gone = admin.post("/tenants", json={}).json()["tenant_id"]
        with sim.client() as api:
            api.post("/v1/contacts", json=contact_body("reset@example.com"))
        default = sim.tenant().id
        assert admin.post(f"/tenants/{default}/reset").status_code in (200, 204)
        assert admin.delete(f"/tenants/{gone}").status_code in (200, 204)
    recovered, _ = _recovered(path)
    assert sorted(recovered.tenants) == sorted([default, other])
    assert len(recovered.tenant().contacts) == 0
    assert _state(recovered) == _state(sim)


def test_a_half_written_last_line_is_ignored(logged: tuple[Simulator, ChangeLog, Path]) -> None:
    sim, _changelog, path = logged
    with sim.client() as api:
        kept = api.post("/v1/contacts", json=contact_body("kept@example.com")).json()["id"]
    expected = _state(sim)
    with path.with_name("state.json.log.1").open("ab") as log:
        log.write(b'{"op":"put","t":"ks001","s":"contacts","r":{"id":99,"giv')
    recovered, _ = _recovered(path)
    assert _state(recovered) == expected
    assert list(recovered.tenant().contacts) == [kept]


def test_a_corrupt_line_before_the_end_refuses_to_start(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, _changelog, path = logged
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("a@example.com"))
    log_path = path.with_name("state.json.log.1")
    lines = log_path.read_bytes().splitlines(keepends=True)
    log_path.write_bytes(lines[0] + b"garbage\n" + b"".join(lines[1:]))
    with pytest.raises(SnapshotError, match=r"state\.json\.log\.1: line 2 .*corrupt"):
        _recovered(path)


def test_a_checkpoint_compacts_the_log_into_the_snapshot(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, changelog, path = logged
    with sim.client() as api:
        for n in range(5):
            api.post("/v1/contacts", json=contact_body(f"c{n}@example.com"))
    assert changelog.log_bytes > 0
    changelog.checkpoint()
    assert [gen for gen, _ in changelog.log_files()] == [2]
    assert len(read_log(path.with_name("state.json.log.2"))) == 1  # the header alone
    snapshot = path.read_text()
    assert f'"{GENERATION_KEY}": 2' in snapshot
    recovered, again = _recovered(path)
    assert again.replayed == 1
    assert _state(recovered) == _state(sim)


def test_a_crash_in_mid_checkpoint_loses_nothing(
    logged: tuple[Simulator, ChangeLog, Path], tmp_path: Path
) -> None:
    """Killed after the new log was opened but before the snapshot's rename: the old snapshot
    and both logs are on disk; replaying both gives the whole state."""
    sim, changelog, path = logged
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("before@example.com"))
    old_snapshot = tmp_path / "old-snapshot"
    old_log = tmp_path / "old-log"
    shutil.copy(path, old_snapshot)
    shutil.copy(path.with_name("state.json.log.1"), old_log)
    changelog.checkpoint()
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("after@example.com"))
    shutil.copy(old_snapshot, path)  # as if the rename never happened
    shutil.copy(old_log, path.with_name("state.json.log.1"))
    recovered, _ = _recovered(path)
    assert _state(recovered) == _state(sim)


def test_a_restart_replays_then_removes_the_old_logs(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    sim, changelog = _logged_simulator(path)
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("a@example.com"))
    changelog.stop()
    restarted, again = _logged_simulator(path)
    try:
        assert _state(restarted) == _state(sim)
        assert [gen for gen, _ in again.log_files()] == [2]
    finally:
        again.close()
    assert again.log_files() == []  # close compacted everything into the snapshot
    final, last = _recovered(path)
    assert _state(final) == _state(sim)
    assert last.replayed == 0


def test_the_interval_mode_refuses_logs_it_would_not_replay(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    sim, changelog = _logged_simulator(path)
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("a@example.com"))
    changelog.stop()  # a crash: the log holds the contact
    with pytest.raises(
        SnapshotError, match=r"state\.json\.log\.1 holds changes .*--durability log"
    ):
        StateFile(Simulator(), path).load_if_exists()
    restarted, again = _logged_simulator(path)
    again.close()  # a clean stop leaves no log behind
    interval = Simulator()
    StateFile(interval, path).load_if_exists()
    assert _state(interval) == _state(sim)


def test_background_changes_are_logged_within_the_flush_interval(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    sim, changelog = _logged_simulator(path, flush_interval=0.05)
    try:
        sim.tenant().tags.create("made outside a request")
        log_path = path.with_name("state.json.log.1")
        for _ in range(100):
            if b"made outside a request" in log_path.read_bytes():
                break
            changelog._stopping.wait(0.05)
        recovered, _ = _recovered(path)
        assert [t.name for t in recovered.tenant().tags.values()] == ["made outside a request"]
    finally:
        changelog.close()


def test_the_log_compacts_in_the_background_once_it_outgrows_the_snapshot(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    sim, changelog = _logged_simulator(path, compact_bytes=1, flush_interval=0.05)
    try:
        with sim.client() as api:
            ident = api.post("/v1/contacts", json=contact_body("a@example.com")).json()["id"]
            for n in range(30):  # edits: the log grows, the snapshot does not
                api.patch(f"/v1/contacts/{ident}", json={"given_name": f"{n:03}" * 13})
        for _ in range(100):
            if min(gen for gen, _ in changelog.log_files()) > 1:
                break
            changelog._stopping.wait(0.05)
        assert min(gen for gen, _ in changelog.log_files()) > 1
        recovered, _ = _recovered(path)
        assert _state(recovered) == _state(sim)
    finally:
        changelog.close()


def test_a_log_that_cannot_be_written_answers_503(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, changelog, _path = logged

    def broken(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    changelog.writer._write = broken  # type: ignore[method-assign]
    with sim.client() as api:
        answer = api.post("/v1/contacts", json=contact_body("a@example.com"))
        assert answer.status_code == 503
        assert "change log" in answer.json()["message"]
        assert api.get("/v1/contacts").status_code == 200  # reads still answer


def test_stale_temp_files_are_removed_at_start(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    stale = tmp_path / ".state.json.k2j4x9.tmp"
    stale.write_text('{"credentials": "secret"}')
    changelog = ChangeLog(Simulator(), path)
    assert changelog.remove_stale_temp_files() == [stale]
    assert not stale.exists()


def test_a_first_start_without_files_keeps_the_simulator_as_built(tmp_path: Path) -> None:
    sim = Simulator(api_key="KeapAK-fixed")
    assert ChangeLog(sim, tmp_path / "state.json").load_if_exists() == []
    assert sim.default_tenant is not None and sim.default_tenant.api_key == "KeapAK-fixed"


def test_a_string_that_is_not_unicode_text_round_trips(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, changelog, path = logged
    sim.tenant().tags.create("half a pair \ud800")  # Python code can store one; the API cannot
    changelog.commit()
    recovered, _ = _recovered(path)
    assert [t.name for t in recovered.tenant().tags.values()] == ["half a pair \ud800"]


def test_every_link_table_has_a_change_counter() -> None:
    """Without ``Extra.version`` the log compares a link table's whole dump at every commit
    (correct, but O(links) per write): a new link table should declare one."""
    tenant = Simulator().tenant()
    unversioned = [e.key for s in tenant.stores.values() for e in s.extras() if e.version is None]
    assert unversioned == []


def test_two_tables_sharing_an_event_noun_are_both_logged(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    sim, changelog, path = logged
    tenant = sim.tenant()
    tenant.tag_categories.table.noun = tenant.tags.table.noun  # as a new store might by mistake
    changelog.tracker.marks[tenant.id].stores = {}  # the noun map is rebuilt when the stores change
    tenant.tags.create("a write, so that the log looks at the tenant")
    changelog.commit()
    tenant.tag_categories.create(name="shared noun")
    tenant.tags.create("shared noun too")
    changelog.commit()
    recovered, _ = _recovered(path)
    assert [c.name for c in recovered.tenant().tag_categories.values()] == ["shared noun"]
    names = [t.name for t in recovered.tenant().tags.values()]
    assert names == ["a write, so that the log looks at the tenant", "shared noun too"]


def test_a_reset_noticed_by_an_api_commit_is_logged_whole(
    logged: tuple[Simulator, ChangeLog, Path],
) -> None:
    """An API request's commit skips the scan for new tenants; a reset made meanwhile (its
    tables cleared without an event per record) is still logged, as the whole tenant."""
    sim, changelog, path = logged
    with sim.client() as api:
        api.post("/v1/contacts", json=contact_body("before-reset@example.com"))
    sim.tenant().reset()
    changelog.commit(structure=False)
    recovered, _ = _recovered(path)
    assert len(recovered.tenant().contacts) == 0
    assert _state(recovered) == _state(sim)

"""The state file: atomic saves (a killed or failed save keeps the previous file), load at
start, periodic saves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from keapsim.simulator import Simulator
from keapsim.snapshots import SnapshotError, StateFile, dump_state
from keapsim.snapshots import statefile as statefile_module

from .helpers import comparable, contact_body, populate


def _saved_simulator(path: Path) -> Simulator:
    sim = Simulator()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    StateFile(sim, path).save()
    return sim


def test_save_then_load_in_a_new_simulator(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    sim = _saved_simulator(path)
    fresh = Simulator(default_tenant=False)
    assert StateFile(fresh, path).load() == list(sim.tenants)
    assert comparable(dump_state(fresh)) == comparable(dump_state(sim))
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600  # it holds credentials


def test_load_if_exists_without_a_file_changes_nothing(tmp_path: Path) -> None:
    sim = Simulator()
    tenants = dict(sim.tenants)
    assert StateFile(sim, tmp_path / "missing.json").load_if_exists() == []
    assert sim.tenants == tenants


def test_a_save_failing_mid_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    sim = _saved_simulator(path)
    previous = path.read_bytes()
    sim.tenant().contacts.create(contact_body("after@example.com"))

    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of what it is given, then fails as a full disk would."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(
        statefile_module.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode))
    )
    with pytest.raises(OSError, match="No space left"):
        StateFile(sim, path).save()
    monkeypatch.undo()

    assert path.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    fresh = Simulator(default_tenant=False)
    StateFile(fresh, path).load()
    assert len(fresh.tenant().contacts) == 2  # the state of the last good save


KILLED_SAVE = textwrap.dedent("""
    import os, sys, time
    from keapsim.simulator import Simulator
    from keapsim.snapshots import StateFile
    from keapsim.snapshots import statefile

    sim = Simulator()
    tenant = sim.tenant()
    for n in range(300):
        tenant.contacts.create({"given_name": f"n{n}",
                               "email_addresses": [{"email": f"n{n}@example.com",
                                                    "field": "EMAIL1"}]})

    def stall(fd):
        # The temporary file is written but not yet renamed: tell the parent, wait to die.
        print("writing", flush=True)
        time.sleep(60)

    statefile.os.fsync = stall
    StateFile(sim, sys.argv[1]).save()
""")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_save_killed_mid_write_leaves_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _saved_simulator(path)
    previous = path.read_bytes()

    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        temporary = [p for p in tmp_path.iterdir() if p.name != "state.json"]
        assert len(temporary) == 1 and temporary[0].stat().st_size > len(previous)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL

    assert path.read_bytes() == previous
    fresh = Simulator(default_tenant=False)
    StateFile(fresh, path).load()
    assert len(fresh.tenant().contacts) == 2


def test_a_corrupt_state_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _saved_simulator(path)
    path.write_bytes(path.read_bytes()[:200])
    sim = Simulator()
    with pytest.raises(SnapshotError) as caught:
        StateFile(sim, path).load()
    assert str(path) in str(caught.value)
    assert "invalid JSON" in str(caught.value) and "truncated or corrupt" in str(caught.value)


@pytest.mark.slow
def test_autosave_writes_periodically_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    sim = Simulator()
    state = StateFile(sim, path)
    state.start_autosave(0.05)
    assert state.autosaving
    try:
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert json.loads(path.read_text())["tenants"][0]["contacts"] == []
        sim.tenant().contacts.create(contact_body("later@example.com"))
        while time.monotonic() < deadline:
            if json.loads(path.read_text())["tenants"][0]["contacts"]:
                break
            time.sleep(0.01)
        assert json.loads(path.read_text())["tenants"][0]["contacts"][0]["id"] == 1
    finally:
        state.stop()
    assert not state.autosaving
    with pytest.raises(ValueError):
        state.start_autosave(0)

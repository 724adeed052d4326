"""``keapsim serve --durability log`` under ``kill -9``: every acknowledged write survives.

Each round starts the server on the same files, runs a write load from client threads (each
records what the server acknowledged), kills the process with SIGKILL at a random moment, and
the next round first checks that everything acknowledged so far is there.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import contact_body

pytestmark = pytest.mark.slow  # `keapsim serve` runs as a process, killed and restarted

ROUNDS = 4
WRITERS = 3


@dataclass
class Acknowledged:
    """What the server answered with a success, across rounds."""

    contacts: set[int] = field(default_factory=set)
    tag_links: set[int] = field(default_factory=set)  # contacts the "acked" tag was applied to
    tokens: dict[str, str] = field(default_factory=dict)  # the last refreshed token pair
    errors: list[str] = field(default_factory=list)  # what a writer thread hit besides the kill
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for_more_contacts(self, than: int, seconds: float = 30.0) -> None:
        """Until a write of this round is acknowledged (a busy machine starts slowly)."""
        deadline = time.monotonic() + seconds
        while len(self.contacts) <= than and not self.errors and time.monotonic() < deadline:
            time.sleep(0.02)


def _serve(path: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    command = [sys.executable, "-m", "keapsim.cli", "serve", "--port", "0", "--json"]
    command += ["--throttle", "off", "--state-file", str(path), "--durability", "log"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(10)
        assert process.stderr is not None
        raise AssertionError(f"keapsim serve did not start: {process.stderr.read()}")
    return process, json.loads(line)


def _write_load(
    info: dict[str, Any], tag_id: int, acked: Acknowledged, stop: threading.Event
) -> None:
    """Create contacts, every other one tagged, until the server dies."""
    try:
        _create_and_tag(info, tag_id, acked, stop)
    except Exception as error:  # a thread's failure would otherwise only be printed
        with acked.lock:
            acked.errors.append(repr(error))


def _create_and_tag(
    info: dict[str, Any], tag_id: int, acked: Acknowledged, stop: threading.Event
) -> None:
    headers = {"X-Keap-API-Key": info["api_key"]}
    with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as api:
        number = 0
        while not stop.is_set():
            number += 1
            try:
                created = api.post("/v1/contacts", json=contact_body(f"w{number}@example.com"))
                assert created.status_code == 201, created.text
                contact_id = created.json()["id"]
                with acked.lock:
                    acked.contacts.add(contact_id)
                if number % 2:
                    applied = api.post(f"/v1/contacts/{contact_id}/tags", json={"tagIds": [tag_id]})
                    assert applied.status_code == 200, applied.text
                    with acked.lock:
                        acked.tag_links.add(contact_id)
            except httpx.TransportError:
                return  # killed: this request was never acknowledged


def _refresh(info: dict[str, Any], acked: Acknowledged) -> None:
    refresh_token = acked.tokens.get("refresh_token", info["refresh_token"])
    answer = httpx.post(
        info["token_url"],
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(info["client_id"], info["client_secret"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    acked.tokens = {k: answer.json()[k] for k in ("access_token", "refresh_token")}


def _check_everything_acknowledged_is_there(info: dict[str, Any], acked: Acknowledged) -> int:
    """Returns the tag's id (made in the first round)."""
    state = httpx.get(f"{info['admin_url']}/state", timeout=30).json()
    tenant = state["tenants"][0]
    contact_ids = {c["id"] for c in tenant["contacts"]}
    assert acked.contacts <= contact_ids, sorted(acked.contacts - contact_ids)[:10]
    tags = [t for t in tenant["tags"] if t["name"] == "acked"]
    if not tags:
        assert not acked.contacts, "the tag made before the first load is gone"
        return int(_make_tag(info))
    tagged = {link["contact_id"] for link in tenant["contact_tags"]}
    assert acked.tag_links <= tagged, sorted(acked.tag_links - tagged)[:10]
    if acked.tokens:
        bearer = {"Authorization": f"Bearer {acked.tokens['access_token']}"}
        answer = httpx.get(f"{info['base_url']}/v1/contacts", headers=bearer, timeout=10)
        assert answer.status_code == 200, answer.text
    return int(tags[0]["id"])


def _make_tag(info: dict[str, Any]) -> int:
    headers = {"X-Keap-API-Key": info["api_key"]}
    made = httpx.post(
        f"{info['base_url']}/v1/tags", json={"name": "acked"}, headers=headers, timeout=10
    )
    assert made.status_code == 200, made.text
    return int(made.json()["id"])


def test_every_acknowledged_write_survives_a_sigkill_loop(tmp_path: Path) -> None:
    seed = int(os.environ.get("KEAPSIM_SIGKILL_SEED", time.time_ns() % 10_000))
    chance = random.Random(seed)
    path = tmp_path / "state.json"
    acked = Acknowledged()
    for round_number in range(ROUNDS):
        process, info = _serve(path)
        try:
            tag_id = _check_everything_acknowledged_is_there(info, acked)
            _refresh(info, acked)
            stop = threading.Event()
            writers = [
                threading.Thread(target=_write_load, args=(info, tag_id, acked, stop))
                for _ in range(WRITERS)
            ]
            before = len(acked.contacts)
            for writer in writers:
                writer.start()
            acked.wait_for_more_contacts(than=before)
            time.sleep(chance.uniform(0.0, 0.8))
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            stop.set()
            for writer in writers:
                writer.join(10)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
        assert not acked.errors, f"round {round_number} (seed {seed}): {acked.errors}"
        progress = f"round {round_number} (seed {seed}) acknowledged nothing"
        assert len(acked.contacts) > before, progress
    process, info = _serve(path)
    try:
        _check_everything_acknowledged_is_there(info, acked)
        headers = {"X-Keap-API-Key": info["api_key"]}
        with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as api:
            fresh = api.post("/v1/contacts", json=contact_body("after@example.com"))
            assert fresh.status_code == 201, fresh.text
            assert fresh.json()["id"] > max(acked.contacts)  # ids are never handed out twice
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert "state saved to" in stderr
    assert not list(tmp_path.glob(".state.json.*.tmp"))
    assert not list(tmp_path.glob("state.json.log.*"))  # folded into the snapshot at the stop

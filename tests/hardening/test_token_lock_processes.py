"""Issue 15 item 11: processes sharing one token store refresh once between them (the
connector's ``fcntl`` lock on ``<store>.lock``), so none burns the refresh token of another."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from connector.client.auth import TokenSet, TokenStore
from keapsim import Simulator
from keapsim.server import SimulatorServer

pytestmark = pytest.mark.slow  # processes and a socket

PROCESSES = 4

# Each process waits for the same start instant, then asks for an access token: the stored one
# has expired, so every process wants to refresh at once.
WORKER = """
import sys, time, httpx
from connector.client.auth import OAuthAuth, TokenStore
store, token_url, client_id, secret, start = sys.argv[1:]
while time.time() < float(start):
    time.sleep(0.0005)
with httpx.Client(timeout=30) as http:
    auth = OAuthAuth(TokenStore(store), client_id=client_id, client_secret=secret,
                     token_url=token_url, http=http)
    print(auth.access_token())
"""


def test_processes_sharing_a_token_store_refresh_once(tmp_path: Path) -> None:
    sim = Simulator(throttle=False)
    creds = sim.default_tenant
    assert creds is not None
    store = TokenStore(tmp_path / "tokens.json")
    store.save(TokenSet(creds.access_token, creds.refresh_token, expires_at=time.time() - 60))
    with SimulatorServer(sim) as server:
        start = time.time() + 1.5  # after every interpreter has started
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    str(store.path),
                    f"{server.url}/token",
                    creds.client_id,
                    creds.client_secret,
                    str(start),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        results = [worker.communicate(timeout=60) for worker in workers]
    assert [w.returncode for w in workers] == [0] * PROCESSES, [err for _, err in results]
    tokens = {out.strip() for out, _ in results}
    assert len(tokens) == 1  # one refresh, whose access token every process then used
    assert sim.journal.count(method="POST", path="/token") == 1
    stored = json.loads(store.path.read_text())
    assert stored["access_token"] in tokens
    # The stored refresh token is the live one: it refreshes once more.
    assert sim.identity.refresh_tokens[stored["refresh_token"]].used is False
    assert asdict(store.load())["refresh_token"] == stored["refresh_token"]

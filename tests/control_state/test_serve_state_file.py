"""``keapsim serve --state-file``: state survives a restart of the server process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import contact_body

pytestmark = pytest.mark.slow  # `keapsim serve` runs as a process


def _serve(path: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keapsim.cli",
            "serve",
            "--port",
            "0",
            "--json",
            "--state-file",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(10)
        raise AssertionError(f"keapsim serve did not start: {process.stderr.read()}")
    return process, json.loads(line)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    return stderr


def test_state_survives_a_server_restart(tmp_path: Path) -> None:
    path = tmp_path / "keapsim-state.json"
    process, first = _serve(path)
    try:
        headers = {"X-Keap-API-Key": first["api_key"]}
        with httpx.Client(base_url=first["base_url"], headers=headers, timeout=10) as api:
            created = api.post("/v1/contacts", json=contact_body("kept@example.com"))
            assert created.status_code == 201
    finally:
        stderr = _stop(process)
    assert "state saved to" in stderr
    assert json.loads(path.read_text())["tenants"][0]["contacts"][0]["id"] == 1

    process, second = _serve(path)
    try:
        assert second["api_key"] == first["api_key"]
        assert second["access_token"] == first["access_token"]
        headers = {"Authorization": f"Bearer {first['access_token']}"}
        with httpx.Client(base_url=second["base_url"], headers=headers, timeout=10) as api:
            kept = api.get("/v1/contacts", params={"email": "kept@example.com"}).json()
            assert [c["id"] for c in kept["contacts"]] == [1]
            assert api.post("/v1/contacts", json=contact_body("next@example.com")).json()["id"] == 2
    finally:
        _stop(process)
    assert len(json.loads(path.read_text())["tenants"][0]["contacts"]) == 2

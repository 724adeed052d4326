"""Helpers for running the CLI in a subprocess against a keapsim server on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def write_flow(
    path: Path,
    url: str,
    creds: Any,
    *,
    api_version: str = "v1",
    rps: float = 300,
    burst: int = 50,
    on_error: str = "continue",
    auth: str = "oauth",
) -> Path:
    if auth == "oauth":
        credentials = {
            "type": "oauth",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "access_token": creds.access_token,
            "refresh_token": creds.refresh_token,
            "token_store": "tokens.json",
        }
    else:
        credentials = {"type": "api_key", "api_key": creds.api_key}
    flow = {
        "keap": {
            "base_url": f"{url}/crm/rest",
            "api_version": api_version,
            "credentials": credentials,
            "rate_limit": {"requests_per_second": rps, "burst": burst, "low_water": 0},
            # fast retries so injected fault bursts cost milliseconds, not seconds
            "retries": {"attempts": 6, "initial_delay": 0.02, "max_delay": 0.2},
            "timeouts": {"connect": 2, "read": 5, "write": 5, "pool": 5},
        },
        "on_error": on_error,
        "note": {"enabled": False},
    }
    path.write_text(yaml.safe_dump(flow), encoding="utf-8")
    return path


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e["PYTHONUNBUFFERED"] = "1"
    e.pop("KEAP_CONNECTOR_LOG", None)
    return e


def cli_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "connector.cli", *args]


def run_cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args(*args), cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_args(*args),
        cwd=cwd,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen[str], timeout: float = 30) -> int:
    """Wait until ``path`` has at least ``n`` lines (the process must still be running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(path.read_text().splitlines()) if path.exists() else 0
        if count >= n:
            return count
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"CLI ended early (rc {proc.returncode}):\n{out}")
        time.sleep(0.01)
    raise AssertionError(f"{path} did not reach {n} lines in {timeout} s")


def contact_emails(sim: Any, tenant_id: str) -> Counter[str]:
    """How many contacts the tenant holds per e-mail address (lower-cased)."""
    tenant = sim.tenant(tenant_id)
    out: Counter[str] = Counter()
    for contact in tenant.contacts.list():
        for e in contact.email_addresses:
            if e.get("email"):
                out[str(e["email"]).lower()] += 1
    return out


#: The contact writes of the connector: v1 upserts with PUT, v2 with POST ?duplicate_option=.
CONTACT_WRITES = {("PUT", "/crm/rest/v1/contacts"), ("POST", "/crm/rest/v2/contacts")}


def contact_writes(sim: Any, tenant_id: str) -> Counter[str]:
    """How many contact writes Keap accepted per e-mail address (lower-cased), counted from the
    simulator's request journal: the deliveries Keap saw, not what the connector recorded."""
    assert len(sim.journal) < sim.journal.maxlen, "the journal ring overflowed: counts would lie"
    out: Counter[str] = Counter()
    for entry in sim.journal.find(tenant=tenant_id, status=(200, 201)):
        if (entry.method, entry.path) not in CONTACT_WRITES:
            continue
        assert not entry.request_body_truncated
        for address in json.loads(entry.request_body).get("email_addresses") or []:
            out[str(address["email"]).lower()] += 1
    return out


def contact_ids_by_email(sim: Any, tenant_id: str) -> dict[str, str]:
    tenant = sim.tenant(tenant_id)
    out: dict[str, str] = {}
    for contact in tenant.contacts.list():
        for e in contact.email_addresses:
            if e.get("email"):
                out[str(e["email"]).lower()] = str(contact.id)
    return out


def cli_in_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in this process (click's runner) from ``cwd``: no interpreter start-up."""
    from click.testing import CliRunner

    from connector.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(list(args), res.exit_code, res.stdout, res.stderr)

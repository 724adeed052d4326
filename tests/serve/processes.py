"""Real processes for the ``slow`` serve tests: ``keapsim serve``, ``keap-connector serve`` and
``redis-server``, all on loopback ports, plus the keapsim admin API calls the tests make."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml
from support.serve_helpers import TOKEN

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: The connector's contact writes (v2 upserts), as the batch tests count them.
CONTACT_WRITE = ("POST", "/crm/rest/v2/contacts")


class Keapsim:
    """A ``keapsim serve`` process and its admin API."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.url = info["base_url"].removesuffix("/crm/rest")
        self.admin = httpx.Client(base_url=info["admin_url"], timeout=30)

    def tenant(self, **settings: Any) -> SimpleNamespace:
        response = self.admin.post("/tenants", json=settings)
        assert response.status_code == 201, response.text
        return SimpleNamespace(**response.json())

    def fault(self, **rule: Any) -> dict[str, Any]:
        response = self.admin.post("/faults", json=rule)
        assert response.status_code == 201, response.text
        return response.json()

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        body = self.admin.get("/journal", params=filters).json()
        assert body["count"] < body["maxlen"], "the journal ring overflowed: counts would lie"
        return body["entries"]

    def contact_writes(self, tenant_id: str) -> Counter[str]:
        """Contact writes Keap accepted per e-mail address, from the journal."""
        out: Counter[str] = Counter()
        for entry in self.journal(tenant=tenant_id, status="200,201"):
            if (entry["method"], entry["path"]) != CONTACT_WRITE:
                continue
            assert not entry.get("request_body_truncated")
            for address in json.loads(entry["request_body"]).get("email_addresses") or []:
                out[str(address["email"]).lower()] += 1
        return out

    def advance(self, seconds: float) -> None:
        assert self.admin.post("/clock/advance", json={"seconds": seconds}).status_code == 200


@contextmanager
def keapsim(*options: str) -> Iterator[Keapsim]:
    from support.serve_process import serve_process

    with serve_process(*options) as info:
        sim = Keapsim(info)
        try:
            yield sim
        finally:
            sim.admin.close()


def write_flow(
    path: Path,
    sim: Keapsim,
    tenant: Any,
    *,
    oauth: bool = False,
    rps: float = 400,
    burst: int = 100,
    serve: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    if oauth:
        credentials = {
            "type": "oauth",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
            "access_token": tenant.access_token,
            "refresh_token": tenant.refresh_token,
            "token_store": "tokens.json",
        }
    else:
        credentials = {"type": "api_key", "api_key": tenant.api_key}
    flow = {
        "keap": {
            "base_url": f"{sim.url}/crm/rest",
            "api_version": "v2",
            "credentials": credentials,
            "rate_limit": {"requests_per_second": rps, "burst": burst, "low_water": 0},
            "retries": {"attempts": 5, "initial_delay": 0.05, "max_delay": 0.5},
            "timeouts": {"connect": 2, "read": 10, "write": 10, "pool": 10},
        },
        "note": {"enabled": False},
        "serve": {"auth_tokens": [TOKEN], **(serve or {})},
        **extra,
    }
    path.write_text(yaml.safe_dump(flow), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("KEAP_CONNECTOR_LOG", None)
    env.pop("KEAP_CONNECTOR_QUEUE", None)
    return env


@dataclass
class ConnectorServe:
    process: subprocess.Popen[str]
    url: str
    stderr_path: Path

    def client(self, **kwargs: Any) -> httpx.Client:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        return httpx.Client(base_url=self.url, headers=AUTH, timeout=60, limits=limits, **kwargs)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_serve(cwd: Path, *args: str, name: str = "serve") -> ConnectorServe:
    """``keap-connector serve --port 0 --json ARGS`` in ``cwd``; returns once it listens."""
    stderr_path = cwd / f"{name}.stderr"
    process = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "serve", "--port", "0", "--json", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=stderr_path.open("w"),
        text=True,
    )
    assert process.stdout is not None
    line = _read_line(process, timeout=30)
    if not line:
        process.kill()
        raise AssertionError(f"serve did not start:\n{stderr_path.read_text()}")
    return ConnectorServe(process, json.loads(line)["url"], stderr_path)


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return got[0] if got else ""


@contextmanager
def serving(cwd: Path, *args: str, name: str = "serve") -> Iterator[ConnectorServe]:
    served = start_serve(cwd, *args, name=name)
    try:
        yield served
    finally:
        served.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> str:
    """redis-server's path; CI (``CI`` set) must have it, so there a missing one fails."""
    found = shutil.which("redis-server")
    if found is None:
        message = "redis-server is not installed (apt-get install redis-server; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A throwaway ``redis-server`` on a free loopback port; yields its ``redis://`` URL."""
    binary = redis_server_binary()
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_redis(url: str, process: subprocess.Popen[bytes]) -> None:
    import redis

    deadline = time.monotonic() + 10
    client = redis.Redis.from_url(url)
    while time.monotonic() < deadline:
        assert process.poll() is None, "redis-server exited at start"
        try:
            client.ping()
            return
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise AssertionError("redis-server did not answer in 10 s")


def metric_samples(text: str) -> dict[str, float]:
    """``name{labels}`` → value from Prometheus text."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return out

"""The ``real`` target's safety rules, exercised without the internet: ``KEAP_BASE_URL`` points
the real-target code path at a keapsim server on loopback, with credentials from the
environment exactly as a developer would give them for a Keap sandbox.

* without ``KEAP_SANDBOX=1`` only read-only scenarios run; write scenarios skip and say why;
* with it, write scenarios run too;
* OAuth-only credentials (no API key) still run the scenarios, with a bearer token;
* ``keapsim contracts verify --target real`` skips the cassettes that write, unless opted in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from contracts import CASSETTE_DIR
from contracts.cli import contracts_group

keapsim = pytest.importorskip("keapsim")
from keapsim import Simulator  # noqa: E402
from keapsim.config import Limits, TenantSettings, Window  # noqa: E402
from keapsim.server import SimulatorServer  # noqa: E402

pytestmark = pytest.mark.slow  # every test runs pytest as a process against a served simulator

ROOT = Path(__file__).resolve().parents[2]
#: Every scenario of these modules shares one tenant and one key here (as with a real
#: sandbox), so Keap's 10/s key limit would throttle back-to-back tests; the quota headers
#: must still be sent, hence generous limits rather than throttle=False.
GENEROUS = TenantSettings(
    limits=Limits(
        api_key=Window(per_second=10_000, per_minute=100_000, per_day=1_000_000),
        oauth_app=Window(per_minute=100_000, per_day=1_000_000),
    )
)

MODULES = ["contracts/test_contacts.py", "contracts/test_oauth.py"]
READONLY_PASSING = {
    "test_unknown_contact_id",
    "test_invalid_bearer_token",
    "test_missing_credentials",
    "test_quota_headers_on_every_response",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[SimulatorServer, object]]:
    sim = Simulator(default_tenant=False)
    tenant = sim.create_tenant(settings=GENEROUS)
    with SimulatorServer(sim, host="127.0.0.1", port=0) as server:
        yield server, tenant


def _env(server: SimulatorServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEAP", "KEAPSIM"))}
    return {**env, "KEAP_BASE_URL": server.url, **extra}


def _run_real(env: dict[str, str], tmp_path: Path, select: str = "") -> dict[str, str]:
    """Outcome per test name (``passed``/``skipped: <reason>``/``failed``) of a real run."""
    report = tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *MODULES, "--target", "real", "-q"]
        + ["-p", "no:schemathesis", f"--junitxml={report}"]
        + (["-k", select] if select else []),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    outcomes: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.attrib["name"].split("[")[0]
        skipped = case.find("skipped")
        outcome = "passed" if skipped is None else f"skipped: {skipped.attrib['message']}"
        outcomes.setdefault(name, outcome)
    return outcomes


def test_without_sandbox_opt_in_only_read_only_scenarios_run(sandbox, tmp_path: Path) -> None:
    server, tenant = sandbox
    before = len(server.simulator.tenant(tenant.tenant_id).contacts.list())
    outcomes = _run_real(_env(server, KEAP_API_KEY=tenant.api_key), tmp_path)
    assert {n for n, o in outcomes.items() if o == "passed"} == READONLY_PASSING, outcomes
    for name in ("test_create_get_list_update_delete", "test_v1_upsert_duplicate_option"):
        assert "KEAP_SANDBOX=1" in outcomes[name], outcomes[name]
    assert "cannot provide 'expired_token'" in outcomes["test_expired_token"]
    assert "cannot provide 'throttled'" in outcomes["test_throttled"]
    # nothing was written to the tenant
    assert len(server.simulator.tenant(tenant.tenant_id).contacts.list()) == before


def test_sandbox_opt_in_runs_the_write_scenarios(sandbox, tmp_path: Path) -> None:
    server, tenant = sandbox
    outcomes = _run_real(
        _env(server, KEAP_API_KEY=tenant.api_key, KEAP_SANDBOX="1"),
        tmp_path,
        "create_get_list_update_delete or missing_email_and_phone",
    )
    for name in ("test_create_get_list_update_delete", "test_missing_email_and_phone"):
        assert outcomes[name] == "passed", outcomes


def test_oauth_only_credentials_use_the_bearer_token(sandbox, tmp_path: Path) -> None:
    server, tenant = sandbox
    env = _env(
        server,
        KEAP_CLIENT_ID=tenant.client_id,
        KEAP_CLIENT_SECRET=tenant.client_secret,
        KEAP_ACCESS_TOKEN=tenant.access_token,
        KEAP_REFRESH_TOKEN="not-spent-without-KEAP_REFRESH_TOKEN_OUT",
        KEAP_SANDBOX="1",
    )
    outcomes = _run_real(env, tmp_path, "create_get_list_update_delete or refresh_rotates")
    assert outcomes["test_create_get_list_update_delete"] == "passed", outcomes
    assert "KEAP_REFRESH_TOKEN_OUT" in outcomes["test_refresh_rotates_tokens"]


def test_verify_real_skips_writing_cassettes_without_opt_in(
    sandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server, tenant = sandbox
    for var in [v for v in os.environ if v.startswith("KEAP")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("KEAP_BASE_URL", server.url)
    monkeypatch.setenv("KEAP_API_KEY", tenant.api_key)
    report = tmp_path / "drift.json"
    args = ["verify", "--target", "real", "--cassettes", str(CASSETTE_DIR / "scenarios")]
    args += ["--scenario", "contacts/*", "--json", str(report)]
    result = CliRunner().invoke(contracts_group, args)
    assert result.exit_code == 0, result.output
    status = {s["scenario"]: s["status"] for s in json.loads(report.read_text())["scenarios"]}
    # the one read-only cassette is verified; every cassette that writes is skipped
    assert status.pop("scenarios/contacts/unknown_contact_id") == "ok"
    assert status and set(status.values()) == {"skipped"}, status
    assert "KEAP_SANDBOX=1" in result.output

    # OAuth credentials only: the recorded X-Keap-API-Key calls are replayed with the bearer
    monkeypatch.delenv("KEAP_API_KEY")
    monkeypatch.setenv("KEAP_CLIENT_ID", tenant.client_id)
    monkeypatch.setenv("KEAP_CLIENT_SECRET", tenant.client_secret)
    monkeypatch.setenv("KEAP_ACCESS_TOKEN", tenant.access_token)
    args[args.index("contacts/*")] = "contacts/unknown_contact_id"
    result = CliRunner().invoke(contracts_group, args)
    assert result.exit_code == 0, result.output
    scenarios = json.loads(report.read_text())["scenarios"]
    assert [(s["scenario"], s["status"]) for s in scenarios] == [
        ("scenarios/contacts/unknown_contact_id", "ok")
    ]

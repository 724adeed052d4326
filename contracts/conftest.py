"""Target selection, recording and replay for the contract scenarios.

    pytest contracts                                   # in-process simulator (default)
    pytest contracts --target url                      # a keapsim server on loopback
    pytest contracts --target url --target-url URL     # any running server (KEAP_* creds)
    pytest contracts --target real                     # the real Keap API (KEAP_* creds)
    pytest contracts --target replay                   # no network: the scenario cassettes
    pytest contracts --target url --record             # (re)record cassettes, scrubbed

``KEAPSIM_CONTRACT_TARGET`` / ``KEAPSIM_CONTRACT_TARGET_URL`` work instead of the options.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts import CASSETTE_DIR
from contracts.recording import recording, replaying
from contracts.session import KeapSession
from contracts.targets import (
    TARGET_ENV,
    TARGET_NAMES,
    TARGET_URL_ENV,
    Target,
    TargetUnavailable,
    attach_simulator,
    real_target,
    sim_target,
    url_target,
)

SCENARIO_DIR = CASSETTE_DIR / "scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("keap contracts")
    group.addoption(
        "--target",
        choices=TARGET_NAMES,
        default=None,
        help=f"where contract scenarios send traffic (default: ${TARGET_ENV} or 'sim')",
    )
    group.addoption(
        "--target-url",
        default=None,
        help=f"server for --target url (default: ${TARGET_URL_ENV}, else a loopback keapsim)",
    )
    group.addoption(
        "--record",
        action="store_true",
        default=False,
        help="record scrubbed cassettes (with --target url or real); overwrites existing ones",
    )
    group.addoption(
        "--cassette-dir",
        default=None,
        help=f"scenario cassettes directory (default: {SCENARIO_DIR})",
    )
    group.addoption("--sim-profile", default="keap", help="simulator profile for sim targets")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract_readonly: scenario does not write to the tenant")
    config.addinivalue_line("markers", "real: talks to the real Keap API (needs credentials)")
    config.addinivalue_line(
        "markers", "scenario: a contract scenario (uses the `keap` fixture; follows --target)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The other tests under contracts/ run against the in-process simulator whatever the
    # target, so `pytest contracts --target replay -m scenario` replays the cassettes alone.
    for item in items:
        if "keap" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.scenario)


#: The ``user_properties`` entry under which a test keeps the known simulator bugs it hit.
KNOWN_BUGS_PROPERTY = "known_simulator_bugs"


@pytest.fixture
def known_bug_hits(request: pytest.FixtureRequest) -> dict[str, str]:
    """Known simulator bugs this test ran into (reason -> where), filled by the test; a test
    that passes with hits is reported as an xfail naming them (so nothing is hidden, and no
    other test has to run after it to report them)."""
    hits: dict[str, str] = {}
    request.node.user_properties.append((KNOWN_BUGS_PROPERTY, hits))
    return hits


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A passing call (or subtest) that hit known simulator bugs since the last report is an
    xfail naming them; the hits are then cleared, so the next subtest reports its own."""
    report = yield
    if report.when == "call" and report.passed:
        hits: dict[str, str] = {}
        for name, value in item.user_properties:
            if name == KNOWN_BUGS_PROPERTY and isinstance(value, dict):
                hits.update(value)
                value.clear()
        if hits:
            report.outcome = "skipped"
            report.wasxfail = "; ".join(f"{reason} [{where}]" for reason, where in hits.items())
    return report


def target_name(config: pytest.Config) -> str:
    name = config.getoption("--target", default=None) or os.environ.get(TARGET_ENV) or "sim"
    if name not in TARGET_NAMES:
        raise pytest.UsageError(f"unknown contract target {name!r}; choose from {TARGET_NAMES}")
    return name


def cassette_dir(config: pytest.Config) -> Path:
    raw = config.getoption("--cassette-dir", default=None)
    return Path(raw) if raw else SCENARIO_DIR


def scenario_id(node: pytest.Item) -> str:
    """``contacts/create_get_update`` for ``contracts/test_contacts.py::test_create_get_update``."""
    module = Path(str(node.fspath)).stem.removeprefix("test_")
    name = node.name.removeprefix("test_")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    return f"{module}/{name}"


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> str:
    name = target_name(pytestconfig)
    if pytestconfig.getoption("--record") and name not in {"url", "real"}:
        raise pytest.UsageError("--record needs --target url or --target real")
    return name


@pytest.fixture(scope="session")
def loopback_simulator(pytestconfig: pytest.Config) -> Iterator[Any]:
    """One keapsim served on 127.0.0.1 for the whole session (``--target url`` without URL)."""
    from keapsim import Simulator
    from keapsim.server import SimulatorServer

    sim = Simulator(profile=pytestconfig.getoption("--sim-profile"))
    server = SimulatorServer(sim, host="127.0.0.1", port=0).start()
    try:
        yield server
    finally:
        server.stop()


def _make_target(request: pytest.FixtureRequest, name: str) -> Target:
    config = request.config
    if name == "sim":
        return sim_target(profile=config.getoption("--sim-profile"))
    if name == "url":
        url = config.getoption("--target-url") or os.environ.get(TARGET_URL_ENV)
        if url:
            target = url_target(url)
            if not target.credentials.usable:
                target.close()
                pytest.skip(
                    "--target-url needs credentials in the environment: KEAP_API_KEY, or "
                    "KEAP_CLIENT_ID + KEAP_CLIENT_SECRET + KEAP_REFRESH_TOKEN"
                )
            return target
        server = request.getfixturevalue("loopback_simulator")
        sim = server.simulator
        tenant = sim.create_tenant()
        return attach_simulator(url_target(server.url), sim, tenant)
    if name == "real":
        try:
            return real_target()
        except TargetUnavailable as exc:
            pytest.skip(str(exc))
    raise pytest.UsageError(f"no live target for {name!r}")


@pytest.fixture
def keap(request: pytest.FixtureRequest, contract_target: str) -> Iterator[KeapSession]:
    """The client every scenario uses; its target comes from ``--target``."""
    config = request.config
    sid = scenario_id(request.node)
    path = cassette_dir(config) / f"{sid}.yaml"
    readonly = request.node.get_closest_marker("contract_readonly") is not None

    if contract_target == "replay":
        if not path.exists():
            # a failure, not a skip: CI replays every scenario, and a new scenario without a
            # cassette would otherwise pass unnoticed
            pytest.fail(
                f"no cassette for {sid} in {path.parent}; record it with "
                "`pytest contracts --target url --record`",
                pytrace=False,
            )
        with replaying(path) as session:
            yield session
        return

    target = _make_target(request, contract_target)
    if not readonly and not target.allow_writes:
        target.close()
        pytest.skip("write scenario: the real tenant must be marked as a sandbox (KEAP_SANDBOX=1)")
    try:
        if config.getoption("--record"):
            with recording(path, target, f"scenarios/{sid}") as session:
                yield session
        else:
            yield KeapSession(target)
    finally:
        target.close()

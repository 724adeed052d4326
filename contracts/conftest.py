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
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import vcr

from contracts import CASSETTE_DIR
from contracts.cassette import load_cassette
from contracts.scrub import Scrubber, ScrubConfig
from contracts.session import KeapSession
from contracts.targets import (
    TARGET_ENV,
    TARGET_NAMES,
    TARGET_URL_ENV,
    Credentials,
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


def _replay_target(path: Path) -> Target:
    cassette = load_cassette(path)
    first = urlsplit(cassette.exchanges[0].uri) if cassette.exchanges else None
    base = f"{first.scheme}://{first.netloc}" if first else "https://api.infusionsoft.com"
    creds = Credentials(
        api_key="SCRUBBED-API-KEY",
        client_id="SCRUBBED-CLIENT-ID",
        client_secret="SCRUBBED-CLIENT-SECRET",
        access_token="SCRUBBED-ACCESS-TOKEN",
        refresh_token="SCRUBBED-REFRESH-TOKEN",
        redirect_uri="SCRUBBED-REDIRECT-URI",
    )
    return Target("replay", base, creds, httpx.Client(base_url=base, timeout=5.0))


def _query_keys(r1: Any, r2: Any) -> None:
    k1 = sorted(k for k, _ in parse_qsl(urlsplit(r1.uri).query, keep_blank_values=True))
    k2 = sorted(k for k, _ in parse_qsl(urlsplit(r2.uri).query, keep_blank_values=True))
    assert k1 == k2, f"query keys {k1} != {k2}"


def contract_vcr(**kwargs: Any) -> vcr.VCR:
    """vcrpy configured for scenario cassettes: ids, tokens and personal data change between
    runs, so requests match on method, path and the *names* of query parameters, in order."""
    v = vcr.VCR(
        serializer="yaml",
        match_on=("method", "path", "query_keys"),
        decode_compressed_response=False,
        **kwargs,
    )
    v.register_matcher("query_keys", _query_keys)
    return v


def _make_target(request: pytest.FixtureRequest, name: str) -> Target:
    config = request.config
    if name == "sim":
        return sim_target(profile=config.getoption("--sim-profile"))
    if name == "url":
        url = config.getoption("--target-url") or os.environ.get(TARGET_URL_ENV)
        if url:
            return url_target(url)
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
            pytest.skip(f"no cassette for {sid} in {path.parent} (record with --record)")
        target = _replay_target(path)
        session = KeapSession(target, replay=True)
        with contract_vcr(record_mode="none").use_cassette(str(path), allow_playback_repeats=False):
            yield session
        target.close()
        return

    target = _make_target(request, contract_target)
    if not readonly and not target.allow_writes:
        target.close()
        pytest.skip("write scenario: the real tenant must be marked as a sandbox (KEAP_SANDBOX=1)")

    if not config.getoption("--record"):
        try:
            yield KeapSession(target)
        finally:
            target.close()
        return

    creds = target.credentials
    scrubber = Scrubber(
        ScrubConfig(
            api_key=creds.api_key,
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            access_token=creds.access_token,
            refresh_token=creds.refresh_token,
            redirect_uri=creds.redirect_uri,
            tenant_hosts=[h for h in [creds.tenant_host] if h],
        ),
        seed=sid,
    )
    session = KeapSession(target, scrubber=scrubber)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()  # re-recording overwrites
    recorder = contract_vcr(
        record_mode="all",
        before_record_request=scrubber.before_record_request,
        before_record_response=scrubber.before_record_response,
    )
    try:
        with recorder.use_cassette(str(path)):
            yield session
    finally:
        target.close()
    if path.exists():
        finish_recording(path, sid, session, contract_target)


def finish_recording(path: Path, sid: str, session: KeapSession, target: str) -> None:
    """Add provenance and per-exchange notes to a freshly recorded cassette."""
    cassette = load_cassette(path)
    against = "real Keap API" if target == "real" else "server at --target-url"
    if session.simulator is not None:
        against = "keapsim (loopback server); NOT the real Keap API"
    cassette.metadata.update(
        {
            "scenario": f"scenarios/{sid}",
            "reconstructed": False,
            "recorded": True,
            "recorded_against": against,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scrubbed": "secrets -> SCRUBBED-* placeholders; personal data -> Faker values",
        }
    )
    for index, notes in session.exchange_notes.items():
        if 1 <= index <= len(cassette.exchanges):
            cassette.exchanges[index - 1].notes.update(notes)
    cassette.save(path)

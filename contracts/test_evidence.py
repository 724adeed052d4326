"""The evidence cassettes (reconstructed from public sources) and the recorded scenario
cassettes, verified against the in-process simulator (profile ``keap``) by the comparison
engine. Any drift fails with the report lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts import CASSETTE_DIR, DIVERGENCES_FILE, EVIDENCE_DIR
from contracts.cassette import find_cassettes, load_cassette
from contracts.divergences import load_divergences
from contracts.report import VerifyReport
from contracts.targets import sim_target
from contracts.verify import scenario_name, verify_cassette

EVIDENCE = find_cassettes(EVIDENCE_DIR)
SCENARIOS = (
    find_cassettes(CASSETTE_DIR / "scenarios") if (CASSETTE_DIR / "scenarios").exists() else []
)


def _verify(path: Path) -> VerifyReport:
    cassette = load_cassette(path)
    cassette.name = str(cassette.metadata.get("scenario") or scenario_name(path, CASSETTE_DIR))
    target = sim_target(profile="keap")
    try:
        result = verify_cassette(cassette, target, load_divergences(DIVERGENCES_FILE))
    finally:
        target.close()
    return VerifyReport("sim", [result])


@pytest.mark.parametrize("path", EVIDENCE, ids=[p.stem for p in EVIDENCE])
def test_simulator_matches_evidence(path: Path) -> None:
    report = _verify(path)
    assert not report.failing, "\n".join(report.lines())
    assert not report.scenarios[0].skipped
    assert all(e.skipped is None for e in report.scenarios[0].exchanges), "exchange skipped"


@pytest.mark.parametrize(
    "path", SCENARIOS, ids=[str(p.relative_to(CASSETTE_DIR / "scenarios")) for p in SCENARIOS]
)
def test_simulator_matches_recorded_scenario(path: Path) -> None:
    report = _verify(path)
    assert not report.failing, "\n".join(report.lines())

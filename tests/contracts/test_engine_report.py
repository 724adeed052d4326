"""Divergence declarations, cassettes on disk, evidence cassettes and report rendering."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
import vcr
from rich.console import Console

from contracts import DIVERGENCES_FILE, EVIDENCE_DIR, PACKAGE_DIR
from contracts.cassette import Cassette, Exchange, find_cassettes, load_cassette
from contracts.compare import Drift
from contracts.divergences import (
    DivergenceError,
    apply_divergences,
    load_divergences,
    parse_divergences,
)
from contracts.evidence import build_all
from contracts.openapi_docs import FIXES, RUN_SETTINGS
from contracts.report import ExchangeResult, ScenarioResult, VerifyReport
from contracts.scrub import PLACEHOLDER_RE


def test_divergences_require_a_reason_and_match_precisely() -> None:
    with pytest.raises(DivergenceError, match="no reason"):
        parse_divergences({"divergences": [{"scenario": "x"}]})
    with pytest.raises(DivergenceError):
        parse_divergences({"divergences": "nope"})
    divs = parse_divergences(
        {
            "divergences": [
                {
                    "scenario": "evidence/*",
                    "exchange": "GET /crm/rest/v1/*",
                    "kind": "unexpected_header",
                    "path": "retry-after",
                    "targets": "sim",
                    "reason": "flagged extension",
                }
            ]
        }
    )
    drifts = [Drift("unexpected_header", "retry-after"), Drift("missing_field", "$.id")]
    apply_divergences(
        drifts,
        divs,
        scenario="evidence/a",
        index=1,
        label="GET /crm/rest/v1/contacts",
        target="sim",
    )
    assert drifts[0].declared == "flagged extension" and not drifts[0].failing
    assert drifts[1].declared is None and drifts[1].failing
    other = [Drift("unexpected_header", "retry-after")]
    apply_divergences(other, divs, scenario="evidence/a", index=1, label="GET /x", target="real")
    assert other[0].declared is None


def test_shipped_divergences_file_parses() -> None:
    for div in load_divergences(DIVERGENCES_FILE):
        assert div.reason


def test_cassette_round_trip_and_vcrpy_can_play_it(tmp_path: Path) -> None:
    c = Cassette(
        "demo",
        [
            Exchange(
                "GET",
                "https://api.infusionsoft.com/crm/rest/v1/contacts?limit=1",
                {"X-Keap-API-Key": ["SCRUBBED-API-KEY"]},
                status=401,
                reason="Unauthorized",
                response_headers={"content-type": ["application/json"]},
                response_body='{"fault":{"faultstring":"x","detail":{"errorcode":"y"}}}',
                notes={"source": "here"},
            )
        ],
        metadata={"reconstructed": True},
    )
    path = c.save(tmp_path / "demo.yaml")
    again = load_cassette(path)
    assert again.exchanges[0].notes == {"source": "here"}
    assert again.reconstructed and again.exchanges[0].status == 401
    with vcr.use_cassette(str(path), record_mode="none", match_on=["method", "path"]):
        r = httpx.get("https://api.infusionsoft.com/crm/rest/v1/contacts?limit=1")
    assert r.status_code == 401 and r.json()["fault"]["detail"]["errorcode"] == "y"


def test_evidence_cassettes_match_their_builder_and_are_marked() -> None:
    built = {c.name: c for c in build_all()}
    shipped = find_cassettes(EVIDENCE_DIR)
    assert len(shipped) == len(built) >= 10
    for path in shipped:
        cassette = load_cassette(path)
        assert cassette.name in built
        assert path.read_text(encoding="utf-8") == built[cassette.name].dumps(), (
            f"{path.name} differs from the contracts/evidence/ package: "
            "run `python -m contracts build-evidence`"
        )
        assert cassette.metadata["reconstructed"] is True
        assert cassette.metadata["recorded"] is False
        assert "NOT a recording" in cassette.metadata["warning"]
        assert cassette.metadata["sources"]
        for ex in cassette.exchanges:
            assert ex.notes.get("source") and ex.notes.get("note")
            for header, values in ex.request_headers.items():
                if header.lower() in {"authorization", "x-keap-api-key"}:
                    assert PLACEHOLDER_RE.search(values[0])


def test_evidence_contains_the_documented_bodies() -> None:
    by_name = {c.name: c for c in build_all()}
    tag = by_name["evidence/v1_tag_apply_refused_id"].exchanges[1]
    assert (tag.status, json.loads(tag.response_body)) == (200, {"1831": "TAG_ID_NOT_FOUND"})
    malformed = by_name["evidence/v1_malformed_json"].exchanges[0]
    assert len(malformed.response_body.encode()) == 61  # the byte count reported in #191
    assert malformed.header("content-type") == "application/json;charset=UTF-8"
    throttled = by_name["evidence/throttled_429"].exchanges[0]
    assert json.loads(throttled.response_body)["code"] == "429"
    assert throttled.header("x-keap-product-quota-expiry-time") == "1771459200000"


def _report() -> VerifyReport:
    ok = ScenarioResult("a/ok", exchanges=[ExchangeResult(1, "GET /x", 200, 200)])
    bad = ScenarioResult(
        "a/bad",
        reconstructed=True,
        exchanges=[
            ExchangeResult(
                1,
                "POST /crm/rest/v1/contacts",
                201,
                400,
                drifts=[
                    Drift("status_change", "status", 201, 400),
                    Drift("unexpected_header", "retry-after", declared="flagged extension"),
                ],
            )
        ],
    )
    skipped = ScenarioResult("a/skip", skipped="needs sandbox")
    return VerifyReport("sim", [ok, bad, skipped], unused_divergences=["x: y"])


def test_report_renderings() -> None:
    report = _report()
    assert report.failing
    assert report.counts()["failing_drifts"] == 1
    assert report.counts()["declared_divergences"] == 1
    assert "a/bad #1 POST /crm/rest/v1/contacts: status 201 -> 400" in report.lines()
    data = json.loads(report.to_json())
    assert data["failing"] is True and data["scenarios"][1]["status"] == "drift"
    md = report.to_markdown()
    assert "**DRIFT**" in md and "status 201 -> 400" in md and "**declared**" in md
    buf = io.StringIO()
    report.render(Console(file=buf, width=200, force_terminal=False))
    out = buf.getvalue()
    assert "status 201 -> 400" in out and "DRIFT" in out and "declared: flagged extension" in out


def test_docs_list_every_schemathesis_exclusion() -> None:
    """The contract pages of the documentation site must not drift from the one place the
    exclusions are declared."""
    pages = sorted((PACKAGE_DIR.parent / "docs" / "contracts").glob("*.md"))
    readme = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    for fix in FIXES:
        assert f"**{fix.id}**" in readme, f"docs/contracts/ does not list {fix.id}"
    for name in RUN_SETTINGS:
        assert f"simulator {name}" in readme
    for target in ("`sim`", "`url`", "`real`", "`replay`"):
        assert target in readme

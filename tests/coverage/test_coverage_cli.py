"""``keapsim coverage``: text, --json, --missing, --markdown, filters, exit status."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from werkzeug.routing import Map

from keapsim.app import shared_app
from keapsim.cli import main
from keapsim.coverage import CoverageReport, Exclusion, build_report, exclusions
from keapsim.coverage import cli as coverage_cli

# Every operation is served, so the listing of what is missing is tested on a report of an app
# whose v2 order routes were taken away.
UNSERVED_PREFIX = "/crm/rest/v2/orders"


def _report_without_v2_orders() -> CoverageReport:
    rules = shared_app().flask_app.url_map.iter_rules()
    kept = [rule.empty() for rule in rules if not rule.rule.startswith(UNSERVED_PREFIX)]
    return build_report(Map(kept))


@pytest.fixture
def v2_orders_unserved(monkeypatch: pytest.MonkeyPatch) -> CoverageReport:
    report = _report_without_v2_orders()
    monkeypatch.setattr(coverage_cli, "build_report", lambda: report)
    return report


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["coverage", *args])
    return result.exit_code, result.stdout, result.stderr


def test_text_shows_each_family_and_the_totals() -> None:
    report = build_report()
    code, out, _ = _run()
    assert code == 0
    assert "Keap REST API v1 (2025-11-05-v1.json)" in out
    assert "Keap REST API v2 (swagger.yml)" in out
    contacts = next(f for f in report.families() if (f.document, f.family) == ("v1", "Contact"))
    line = next(x for x in out.splitlines() if x.strip().startswith("Contact ") and "crm" in x)
    assert line.split()[-3:] == [
        str(contacts.implemented),
        str(contacts.total),
        f"{contacts.tally.percent:.1f}",
    ]
    all_line = next(x for x in out.splitlines() if x.strip().startswith("all  "))
    assert all_line.split()[1:3] == [str(report.overall.implemented), "540"]
    for label in ("v1 CRM", "v1 commerce", "v2 CRM", "v2 commerce", "all CRM", "all commerce"):
        assert f"  {label} " in out
    assert "Not implemented" not in out


def test_every_operation_is_served_and_missing_says_so() -> None:
    code, out, _ = _run("--missing")
    assert code == 0
    assert "Not implemented (0):" in out
    assert not [x for x in out.split("Not implemented")[1].splitlines() if x.startswith("    ")]


def test_missing_lists_every_operation_not_served(v2_orders_unserved: CoverageReport) -> None:
    report = v2_orders_unserved
    assert report.missing(), "the fixture's app serves every operation"
    code, out, _ = _run("--missing")
    assert code == 0
    assert f"Not implemented ({len(report.missing())}):" in out
    first = report.missing()[0].operation
    assert f"    {first.method:<7}{first.path}  {first.operation_id}" in out
    listed = [x for x in out.split("Not implemented")[1].splitlines() if x.startswith("    ")]
    assert len(listed) == len(report.missing())


def test_json_is_the_whole_report_and_missing_narrows_the_operations(
    v2_orders_unserved: CoverageReport,
) -> None:
    code, out, _ = _run("--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"]["total"] == 540
    assert len(data["operations"]) == 540
    assert [d["file"] for d in data["documents"]] == ["2025-11-05-v1.json", "swagger.yml"]
    assert set(data["areas"]) == {"crm", "commerce"}
    assert sum(f["total"] for f in data["families"]) == 540
    served = [o for o in data["operations"] if o["implemented"]]
    assert all(o["route"].startswith("/crm/rest/") for o in served)
    _, out, _ = _run("--json", "--missing")
    missing = json.loads(out)["operations"]
    assert missing and not any(o["implemented"] for o in missing)
    assert {o["path"].split("/")[2] for o in missing} == {"orders"}
    assert len(missing) + len(served) == 540


def test_filters_restrict_to_one_document_and_area() -> None:
    code, out, _ = _run("--json", "--document", "v2", "--area", "commerce")
    assert code == 0
    data = json.loads(out)
    assert {(o["document"], o["area"]) for o in data["operations"]} == {("v2", "commerce")}
    assert data["total"]["total"] == 181
    assert [d["document"] for d in data["documents"]] == ["v2"]


def test_markdown_is_the_docs_page() -> None:
    code, out, _ = _run("--markdown")
    assert code == 0
    assert out.startswith("# Coverage of Keap's official documents\n")
    assert "| all | " in out


def test_json_and_markdown_together_are_refused() -> None:
    code, _, err = _run("--json", "--markdown")
    assert code == 2
    assert "choose one of --json and --markdown" in err


def test_inconsistent_exclusions_exit_1_and_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        exclusions, "EXCLUSIONS", (Exclusion("v2", "GET", "/v2/contacts", "served anyway"),)
    )
    code, _, err = _run()
    assert code == 1
    assert "problem: v2 GET /v2/contacts (listContacts) is served by" in err

"""keapsim.coverage: the operations counted, how routes match them, the tallies, the exclusions."""

from __future__ import annotations

from flask import Flask

from keapsim.coverage import (
    EXCLUSIONS,
    Exclusion,
    build_report,
    official_operations,
)
from keapsim.coverage.families import COMMERCE_FAMILIES
from keapsim.coverage.operations import DOCUMENTS, OLDER_V2, older_v2_only
from keapsim.coverage.render import render_markdown, render_text


def _noop() -> str:
    return ""


def _app(*rules: tuple[str, list[str]]) -> Flask:
    app = Flask("coverage-test")
    for index, (rule, methods) in enumerate(rules):
        app.add_url_rule(rule, f"endpoint{index}", _noop, methods=methods)
    return app


def test_the_540_operations_of_issue_12_are_counted() -> None:
    operations = official_operations()
    by_document = {d.key: sum(op.document == d.key for op in operations) for d in DOCUMENTS}
    assert by_document == {"v1": 141, "v2": 399}
    assert len({op.key for op in operations}) == 540
    assert all(op.path.startswith(f"/{op.document}/") for op in operations)


def test_the_older_v2_document_adds_no_operation() -> None:
    # 2025-11-05-v2.json is a subset of swagger.yml: counting swagger.yml loses nothing.
    assert older_v2_only() == []
    marked = [op for op in official_operations() if op.also_in == (OLDER_V2.file_name,)]
    assert len(marked) == 256
    assert {op.document for op in marked} == {"v2"}


def test_every_commerce_family_is_a_tag_of_its_document() -> None:
    families = {(op.document, op.family) for op in official_operations()}
    for document, names in COMMERCE_FAMILIES.items():
        assert {(document, name) for name in names} <= families
    areas = {(op.document, op.family): op.area for op in official_operations()}
    assert areas[("v1", "E-Commerce")] == "commerce"
    assert areas[("v2", "Subscriptions")] == "commerce"
    assert areas[("v2", "Company")] == "crm"
    assert areas[("v1", "REST Hooks")] == "crm"


def test_a_rule_serves_an_operation_when_path_and_method_match() -> None:
    app = _app(
        ("/crm/rest/v2/contacts/<contact_id>", ["GET"]),
        ("/crm/rest/v2/contacts:merge", ["POST"]),
        ("/crm/rest/v1/contacts/<int:id>", ["GET", "PATCH"]),
        ("/crm/rest/v2/files/<file_id>", ["GET"]),
    )
    report = build_report(app.url_map, exclusions=())
    served = {
        (s.operation.document, s.operation.method, s.operation.path) for s in report.implemented()
    }
    assert served == {
        ("v2", "GET", "/v2/contacts/{contact_id}"),
        ("v2", "POST", "/v2/contacts:merge"),
        ("v1", "GET", "/v1/contacts/{id}"),
        # The document names the placeholder contactId here; only its position matters.
        ("v1", "PATCH", "/v1/contacts/{contactId}"),
        ("v2", "GET", "/v2/files/{file_id}"),
    }
    # A variable segment never stands for a literal action: GET /v2/files/{id}:data is missing.
    missing = {(s.operation.method, s.operation.path) for s in report.missing()}
    assert ("GET", "/v2/files/{file_id}:data") in missing
    assert ("PATCH", "/v2/contacts/{contact_id}") in missing
    route = next(s.route for s in report.implemented() if s.operation.path == "/v2/contacts:merge")
    assert route is not None and route.rule == "/crm/rest/v2/contacts:merge"


def test_routes_no_document_describes_are_listed() -> None:
    app = _app(
        ("/crm/rest/v2/contacts", ["GET"]),
        ("/crm/rest/v2/keapsim-only", ["GET"]),
        ("/_keapsim/clock", ["GET"]),
    )
    report = build_report(app.url_map, exclusions=())
    assert [(r.method, r.rule) for r in report.undocumented_routes] == [
        ("GET", "/crm/rest/v2/keapsim-only")
    ]
    assert report.tally().implemented == 1


def test_tallies_per_document_area_and_family() -> None:
    app = _app(("/crm/rest/v2/companies", ["GET", "POST"]), ("/crm/rest/v2/orders", ["GET"]))
    report = build_report(app.url_map, exclusions=())
    assert report.tally("v2", "crm").implemented == 2
    assert report.tally("v2", "commerce").implemented == 1
    assert report.tally("v1").implemented == 0
    assert report.overall.total == 540
    company = next(f for f in report.families() if (f.document, f.family) == ("v2", "Company"))
    assert (company.implemented, company.total, company.area) == (2, 22, "crm")
    only = report.only("v2", "commerce")
    assert only.overall == report.tally("v2", "commerce")
    assert {f.area for f in only.families()} == {"commerce"}
    # Families come CRM first, then commerce, per document in document order.
    order = [(f.document, f.area) for f in report.families()]
    assert order == sorted(order, key=lambda pair: (pair[0], pair[1] != "crm"))


def test_an_excluded_operation_counts_as_missing_and_shows_its_reason() -> None:
    app = _app(("/crm/rest/v2/emails", ["GET"]))
    reason = "keapsim never sends mail"
    report = build_report(
        app.url_map, exclusions=(Exclusion("v2", "POST", "/v2/emails:send", reason),)
    )
    assert report.problems == ()
    (excluded,) = report.excluded()
    assert excluded.exclusion == reason and not excluded.implemented
    family = next(f for f in report.families() if (f.document, f.family) == ("v2", "Email"))
    assert (family.implemented, family.excluded) == (1, 1)
    assert f"left out: {reason}" in render_text(report, missing=True)
    assert f"| v2 | POST | `/v2/emails:send` | {reason} |" in render_markdown(report)
    listed = {o["path"]: o for o in report.to_dict(missing_only=True)["operations"]}
    assert listed["/v2/emails:send"]["excluded"] == reason


def test_exclusions_that_do_not_fit_are_problems() -> None:
    app = _app(("/crm/rest/v2/emails", ["GET"]))
    report = build_report(
        app.url_map,
        exclusions=(
            Exclusion("v2", "GET", "/v2/emails", "served anyway"),
            Exclusion("v2", "GET", "/v2/nothing-here", "no such operation"),
            Exclusion("v2", "POST", "/v2/emails", "first"),
            Exclusion("v2", "POST", "/v2/emails", "second"),
            Exclusion("v2", "DELETE", "/v2/emails/{id}", "  "),
        ),
    )
    problems = "\n".join(report.problems)
    assert "GET /v2/emails (listEmails) is served by /crm/rest/v2/emails" in problems
    assert "/v2/nothing-here names no operation" in problems
    assert "POST /v2/emails is listed twice" in problems
    assert "DELETE /v2/emails/{id} gives no reason" in problems
    # The served-but-excluded operation does not count: the exclusion wins until removed.
    assert report.overall.implemented == 0


def test_the_projects_exclusions_are_consistent() -> None:
    report = build_report()
    assert report.problems == ()
    assert len(report.excluded()) == len(EXCLUSIONS)


KEAPSIM_OWN_API_ROUTES = {"/crm/rest/<any(v1, v2):version>/openapi.json"}


def test_the_shared_app_serves_what_the_issue_counted_at_its_start() -> None:
    # Issue 12 counted 77 (v1 37, v2 40) before this wave; the baseline test guards the count
    # per family from here on.
    report = build_report()
    assert report.tally("v1").implemented >= 37
    assert report.tally("v2").implemented >= 40


def test_every_api_route_is_an_operation_of_the_documents() -> None:
    # A route under /crm/rest that matches no documented operation is usually a typo in its
    # path (it would never count); keapsim's own routes are named here.
    unexpected = [
        f"{r.method} {r.rule}"
        for r in build_report().undocumented_routes
        if r.rule not in KEAPSIM_OWN_API_ROUTES
    ]
    assert unexpected == [], (
        "routes matching no operation of the official documents (typo in the path? or "
        f"keapsim's own: add to KEAPSIM_OWN_API_ROUTES): {unexpected}"
    )

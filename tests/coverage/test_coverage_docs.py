"""docs/coverage.md is the output of ``keapsim coverage --markdown`` for the current code."""

from __future__ import annotations

from pathlib import Path

from keapsim.coverage import build_report
from keapsim.coverage.render import MARKDOWN_COMMAND, render_markdown

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"


def test_the_committed_coverage_page_is_current() -> None:
    expected = render_markdown(build_report())
    assert DOCS_PAGE.read_text(encoding="utf-8") == expected, (
        f"docs/coverage.md is not current: run `{MARKDOWN_COMMAND}` and commit it"
    )

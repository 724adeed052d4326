"""Suite-wide hooks for the project's own tests under ``tests/`` (not the user-facing pytest
plugin): every implemented operation must have a test (tests/support/operation_hits.py), and a
missing Chromium is said in one visible line."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.operation_hits import OperationHits, add_option

TESTS_DIR = Path(__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    add_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("keapsim-operation-hits"):
        config.pluginmanager.register(OperationHits(config, TESTS_DIR), "keapsim-operation-hits")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in one visible line when the browser tests did not run because Chromium is missing:
    a bare "4 skipped" in the closing line hides it (``.ci/run`` installs Chromium)."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "browser" in getattr(report, "keywords", {}) and "chromium" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} browser test(s) skipped: /usr/bin/chromium is missing "
            "(apt-get install -y chromium; .ci/run installs it)",
            yellow=True,
            bold=True,
        )

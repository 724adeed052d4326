"""Suite-wide hooks for the tests under ``tests/``."""

from __future__ import annotations

import pytest


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

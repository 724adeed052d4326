"""Every operation keapsim implements must have a test: this plugin records which API routes
the project's own tests get a 2xx answer from, and fails the session when an implemented
operation (``keapsim coverage``) got none.

Only the project's suite loads it (``tests/conftest.py`` registers it); the user-facing pytest
plugin (:mod:`keapsim.pytest_plugin`) knows nothing of it.

Recording: a receiver on keapsim's ``answered`` signal (:mod:`keapsim.app`, sent for every
answer, whether the API route was answered directly or by Flask) keeps the ``(method, rule)`` of
each 2xx answer in a set, while a test under ``tests/`` runs (the contract suites in ``contracts/``
fuzz every route and are not tests of an operation's behaviour). Per request that is a flag
test, a status compare and a set insert.

Merging: under xdist every worker hands its set to the controller through ``workeroutput``; the
controller merges them as workers finish and checks at ``pytest_sessionfinish``. Without ``-n``
the one process records and checks.

When it checks: only when the session ran the whole of ``tests/`` (no ``-k``, ``-m``,
``--deselect``, ``--ignore``, node ids, or a subset of its directories) and everything passed,
since a partial run proves nothing about the rest. ``--operation-tests=on`` checks anyway
(expect every operation outside the selection to be listed); ``off`` never checks.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from keapsim.app import answered, shared_app
from keapsim.context import request

HITS_KEY = "keapsim_operation_hits"
OPTION = "operation_tests"


def add_option(parser: pytest.Parser) -> None:
    parser.addoption(
        "--operation-tests",
        dest=OPTION,
        choices=("auto", "on", "off"),
        default="auto",
        help="Fail when an implemented Keap operation never answered 2xx to a test under "
        "tests/ (auto: only when the whole of tests/ ran and passed).",
    )


class OperationHits:
    """The pytest plugin object (one per process)."""

    def __init__(self, config: pytest.Config, tests_dir: Path) -> None:
        self.config = config
        self.tests_dir = tests_dir
        self.hits: set[tuple[str, str]] = set()
        self.recording = False
        self.checked: int | None = None  # how many implemented operations were checked
        self.unexercised: list[str] = []
        answered.connect(self._on_answered, sender=shared_app(), weak=False)

    # -- recording ----------------------------------------------------------------------------
    def _on_answered(self, sender: object, response: Any, **_: object) -> None:
        if not self.recording or not 200 <= response.status_code < 300:
            return
        rule = request.url_rule
        if rule is not None:
            self.hits.add((request.method, rule.rule))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.recording = item.path.is_relative_to(self.tests_dir)
        try:
            return (yield)
        finally:
            self.recording = False

    def pytest_unconfigure(self) -> None:
        answered.disconnect(self._on_answered)

    # -- merging (xdist) ----------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None) or {}
        self.hits.update((method, rule) for method, rule in output.get(HITS_KEY, ()))

    # -- checking -----------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand the hits to the controller
            workeroutput[HITS_KEY] = [list(hit) for hit in sorted(self.hits)]
            return
        if not self._should_check(exitstatus):
            return
        from keapsim.coverage import build_report

        implemented = build_report().implemented()
        self.checked = len(implemented)
        self.unexercised = sorted(
            f"{s.operation.document} {s.operation.label()}  [route {s.route.rule}]"
            for s in implemented
            if s.route is not None and (s.operation.method, s.route.rule) not in self.hits
        )
        if self.unexercised:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _should_check(self, exitstatus: int) -> bool:
        mode = self.config.getoption(OPTION, "auto")
        if mode != "auto":
            return mode == "on"
        return exitstatus == pytest.ExitCode.OK and self._ran_whole_suite()

    def _ran_whole_suite(self) -> bool:
        option = self.config.option
        narrowed = (
            option.keyword,
            option.markexpr,
            getattr(option, "deselect", None),
            getattr(option, "ignore", None),
            getattr(option, "ignore_glob", None),
            getattr(option, "collectonly", False),
            getattr(option, "lf", False),
        )
        if any(narrowed):
            return False
        base = self.config.invocation_params.dir
        paths = []
        for arg in self.config.args:
            if "::" in arg:
                return False
            paths.append((base / arg).resolve())
        return any(self.tests_dir.is_relative_to(path) for path in paths)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.checked is None:
            return
        if not self.unexercised:
            terminalreporter.write_line(
                f"keapsim: each of the {self.checked} implemented operations answered 2xx to a test"
            )
            return
        terminalreporter.write_sep("=", "implemented operations without a test", red=True)
        terminalreporter.write_line(
            f"{len(self.unexercised)} of the {self.checked} operations keapsim serves never "
            "answered 2xx to a test under tests/ (add a test that calls each; see "
            "tests/support/operation_hits.py):"
        )
        for line in self.unexercised:
            terminalreporter.write_line(f"  {line}")

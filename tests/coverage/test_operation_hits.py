"""tests/support/operation_hits.py, run as the project's suite runs it: a small suite in a
subprocess, with and without xdist, whose tests exercise two operations with a 2xx answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keapsim.coverage import build_report

TESTS_DIR = Path(__file__).resolve().parents[1]

CONFTEST = f"""
import sys
from pathlib import Path

sys.path.insert(0, {str(TESTS_DIR)!r})
from support.operation_hits import OperationHits, add_option


def pytest_addoption(parser):
    add_option(parser)


def pytest_configure(config):
    config.pluginmanager.register(OperationHits(config, Path(__file__).parent), "hits")
"""

TEST_V1 = """
from keapsim.simulator import Simulator


def test_v1_list_contacts():
    with Simulator(throttle=False).client() as client:
        assert client.get("/v1/contacts").status_code == 200
        # A 4xx answer does not count as a test of the operation.
        assert client.get("/v1/contacts/999").status_code == 404
"""

TEST_V2 = """
from keapsim.simulator import Simulator


def test_v2_list_tags():
    with Simulator(throttle=False).client() as client:
        assert client.get("/v2/tags").status_code == 200
"""

HEADING = "implemented operations without a test"


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suite")
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_hits_v1.py").write_text(TEST_V1)
    (root / "test_hits_v2.py").write_text(TEST_V2)
    return root


# Plugins the small suite does not use; schemathesis and hypothesis alone cost ~2 s per process.
UNUSED_PLUGINS = ("cacheprovider", "schemathesis", "hypothesispytest", "anyio", "faker")


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    disabled = [part for name in UNUSED_PLUGINS for part in ("-p", f"no:{name}")]
    command = [sys.executable, "-m", "pytest", "-q", *disabled, *args, str(root)]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)


def _expected_unexercised() -> list[str]:
    exercised = {("v1", "GET", "/v1/contacts"), ("v2", "GET", "/v2/tags")}
    return [
        f"{s.operation.document} {s.operation.label()}"
        for s in build_report().implemented()
        if (s.operation.document, s.operation.method, s.operation.path) not in exercised
    ]


def _listed(output: str) -> list[str]:
    section = output.split(HEADING, 1)[1]
    return [line.strip().split("  [route")[0] for line in section.splitlines() if "[route" in line]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_whole_run_fails_listing_operations_no_test_answered(
    suite: Path, workers: list[str]
) -> None:
    result = _pytest(suite, *workers)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "2 passed" in output
    assert sorted(_listed(output)) == sorted(_expected_unexercised())
    implemented = len(build_report().implemented())
    assert f"{implemented - 2} of the {implemented} operations" in output


def test_a_partial_run_does_not_check(suite: Path) -> None:
    result = _pytest(suite, "-k", "v1_list")
    assert result.returncode == 0, result.stdout + result.stderr
    assert HEADING not in result.stdout

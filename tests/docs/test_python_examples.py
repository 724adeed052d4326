"""Every Python block of the README and the documentation site runs here.

A block that defines ``test_*`` functions is a user's test file: it is saved to a temporary
directory and run by pytest in a subprocess, where the installed keapsim plugin provides the
fixtures, and every test in it must pass. Any other block is executed as a script in a temporary
working directory. A block that must not run says so (``<!-- docs-test: skip REASON -->``), and
this module checks that the reason is given; see ``blocks.py`` for the directives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from keapsim import Simulator
from keapsim.server import SimulatorServer

from .blocks import ROOT, Block, all_blocks

PYTHON_BLOCKS = [block for block in all_blocks() if block.is_python]
RUNNABLE = [block for block in PYTHON_BLOCKS if not block.has("skip")]


def _chain(block: Block) -> list[Block]:
    """The block, preceded by the blocks it continues (``<!-- docs-test: continue -->``)."""
    page = [b for b in RUNNABLE if b.path == block.path]
    chain = [block]
    while chain[0].has("continue"):
        earlier = [b for b in page if b.line < chain[0].line]
        assert earlier, f"{chain[0].name} continues nothing"
        chain.insert(0, earlier[-1])
    return chain


def _run_as_pytest_file(block: Block, directory: Path) -> None:
    test_file = directory / "test_docs_example.py"
    # Padded so that the file's line numbers are the Markdown file's (setup goes above).
    setup = block.directive("setup") or ""
    padding = max(block.line - setup.count("\n") - 1, 1)
    test_file.write_text(setup + "\n" * padding + block.code, encoding="utf-8")
    # The user's view: a directory of their own and keapsim's plugin, the module its pytest11
    # entry point names. Only that plugin is loaded: autoloading every installed one
    # (schemathesis, Playwright, ...) costs seconds per example.
    (plugin,) = entry_points(group="pytest11", name="keapsim")
    command = [sys.executable, "-m", "pytest", "-q", "-p", plugin.value, str(test_file)]
    completed = subprocess.run(
        [*command, "-p", "no:cacheprovider"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    expected = f"{block.test_count} passed"
    if completed.returncode != 0 or expected not in completed.stdout:
        pytest.fail(
            f"{block.name}: the example's tests did not all pass "
            f"(test_docs_example.py line N is {block.path.name} line N)\n"
            f"{completed.stdout}\n{completed.stderr}",
            pytrace=False,
        )


def _run_as_script(chain: list[Block]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    if any(block.has("server") for block in chain):
        # ``<!-- docs-test: server -->``: the block talks to a real server over a socket.
        with SimulatorServer(Simulator(base_url="http://127.0.0.1")) as server:
            server.simulator.base_url = server.url
            namespace["server"] = server
            _execute(chain, namespace)
    else:
        _execute(chain, namespace)


def _execute(chain: list[Block], namespace: dict[str, object]) -> None:
    for block in chain:
        setup = block.directive("setup")
        if setup:
            exec(compile(setup, f"{block.name} (setup)", "exec"), namespace)
        # Padded so that a traceback names the Markdown file and its own line numbers.
        padded = "\n" * block.line + block.code
        exec(compile(padded, str(block.path.relative_to(ROOT)), "exec"), namespace)


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.name for block in RUNNABLE])
def test_python_example_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if block.is_pytest_file:
        _run_as_pytest_file(block, tmp_path)
    else:
        _run_as_script(_chain(block))


def test_every_skipped_python_example_says_why() -> None:
    skipped = [block for block in PYTHON_BLOCKS if block.has("skip")]
    assert all(block.directive("skip") for block in skipped), [
        block.name for block in skipped if not block.directive("skip")
    ]


def test_the_docs_have_python_examples_to_run() -> None:
    # Guards the harness itself: a parser that found no blocks would make every check vacuous.
    assert len(RUNNABLE) >= 8
    assert any(block.is_pytest_file for block in RUNNABLE)

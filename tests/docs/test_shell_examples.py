"""The shell examples marked ``<!-- docs-test: shell -->`` run against a real ``keapsim serve``.

Each page (or each walkthrough spread over several pages, ``SESSIONS``) is one terminal session:
one ``keapsim serve`` process, started with the page's own ``serve`` block when it has one, and
the marked blocks in page order, each a ``bash -euo pipefail`` script that starts in the
directory and with the exported variables the previous block left, as a reader's terminal
would. ``127.0.0.1:8400`` in a block becomes the test server's address, ``/tmp/keap-demo`` a
temporary directory; ``curl`` fails on an HTTP error unless the block says what output to
``expect``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .blocks import ROOT, Block, all_blocks, markdown_files

DOCUMENTED_ADDRESS = "127.0.0.1:8400"
DEMO_DIRECTORY = "/tmp/keap-demo"
DEFAULT_SERVE = "keapsim serve --seed-data 50 --api-key demo-key"

#: Walkthroughs that go on from one page to the next share one session.
SESSIONS = {
    "connector walkthrough": [
        "docs/connector/batch.md",
        "docs/connector/report.md",
        "docs/connector/resume.md",
    ],
}
#: Sessions that take a minute (the walkthrough delivers its 50 leads three times, at Keap's
#: 10 requests a second): left out of the quick loop, ``pytest -m "not slow"``.
SLOW_SESSIONS = {"connector walkthrough"}

BIN = str(Path(sys.executable).parent)


@dataclass
class Step:
    block: Block
    kind: str  # "run", "serve" or "file"
    option: str = ""

    @property
    def expected_exit(self) -> int:
        return int(self.option.split()[1]) if self.option.startswith("exit ") else 0

    @property
    def expected_output(self) -> str | None:
        return self.option[len("expect ") :] if self.option.startswith("expect ") else None


def _steps(block: Block) -> list[Step]:
    if block.has("file"):
        return [Step(block, "file", block.directive("file") or "")]
    option = block.directive("shell")
    if option is None:
        return []
    return [Step(block, "serve" if option == "serve" else "run", option)]


def _sessions() -> dict[str, list[Step]]:
    grouped = {page for pages in SESSIONS.values() for page in pages}
    sessions: dict[str, list[Step]] = {}
    for name, pages in SESSIONS.items():
        sessions[name] = [
            step
            for page in pages
            for block in all_blocks()
            if block.name.startswith(page + ":")
            for step in _steps(block)
        ]
    for path in markdown_files():
        page = str(path.relative_to(ROOT))
        if page in grouped:
            continue
        steps = [step for block in all_blocks() if block.path == path for step in _steps(block)]
        if steps:
            sessions[page] = steps
    return sessions


SESSION_STEPS = _sessions()


def _serve_options(command: str) -> list[str]:
    """The options of a documented ``keapsim serve`` line, less the port (the test picks one)."""
    words = shlex.split(command.strip())
    assert words[:2] == ["keapsim", "serve"], command
    options, skip = [], False
    for word in words[2:]:
        if skip:
            skip = False
        elif word == "--port":
            skip = True
        elif not word.startswith("--port="):
            options.append(word)
    return options


@contextmanager
def _server(options: list[str]) -> Iterator[dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "keapsim.cli", "serve", *options, "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.poll() is not None else "no output"
        yield json.loads(line)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def _prelude(state: Path, fail_on_http_error: bool) -> str:
    lines = [
        "set -euo pipefail",
        f'cd "$(cat {state}/cwd)"',
        f"[ -f {state}/env ] && . {state}/env",
        f"trap 'pwd > {state}/cwd; export -p > {state}/env' EXIT",
    ]
    if fail_on_http_error:
        lines.append('curl() { command curl --fail-with-body "$@"; }')
    return "\n".join(lines) + "\n"


def _localise(text: str, address: str, demo: Path) -> str:
    return text.replace(DOCUMENTED_ADDRESS, address).replace(DEMO_DIRECTORY, str(demo))


def _run_step(step: Step, state: Path, env: dict[str, str], address: str, demo: Path) -> None:
    code = _localise(step.block.code, address, demo)
    if step.kind == "file":
        cwd = Path((state / "cwd").read_text().strip())
        (cwd / step.option).write_text(code, encoding="utf-8")
        return
    setup = step.block.directive("setup") or ""
    script = _prelude(state, step.expected_output is None) + setup + "\n" + code
    completed = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    report = (
        f"{step.block.name}: exit {completed.returncode}\n--- stdout\n{completed.stdout}"
        f"\n--- stderr\n{completed.stderr}"
    )
    if completed.returncode != step.expected_exit:
        pytest.fail(f"expected exit {step.expected_exit}: {report}", pytrace=False)
    expected = step.expected_output
    if expected is not None and _localise(expected, address, demo) not in completed.stdout:
        pytest.fail(f"expected {expected!r} in the output: {report}", pytrace=False)


def _params() -> list[object]:
    return [
        pytest.param(name, marks=[pytest.mark.slow] if name in SLOW_SESSIONS else [], id=name)
        for name in SESSION_STEPS
    ]


@pytest.mark.parametrize("session", _params())
def test_shell_examples_run_against_keapsim_serve(session: str, tmp_path: Path) -> None:
    steps = SESSION_STEPS[session]
    serve = [step for step in steps if step.kind == "serve"]
    options = _serve_options(serve[0].block.code if serve else DEFAULT_SERVE)
    state, demo = tmp_path / "state", tmp_path / "keap-demo"
    state.mkdir()
    (state / "cwd").write_text(str(ROOT))
    with _server(options) as info:
        address = re.sub(r"^https?://", "", info["base_url"]).split("/")[0]
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),
            "KEAPSIM_CLIENT_ID": info["client_id"],
            "KEAPSIM_CLIENT_SECRET": info["client_secret"],
        }
        for step in steps:
            if step.kind != "serve":
                _run_step(step, state, env, address, demo)


def test_the_docs_have_shell_examples_to_run() -> None:
    # Guards the harness: a parser that found no marked blocks would make the test vacuous.
    assert "README.md" in SESSION_STEPS and "connector walkthrough" in SESSION_STEPS

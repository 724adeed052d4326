"""How fast keapsim starts (issue 18, "a quicker start"): three figures from one run.

- ``import keapsim.cli``: seconds to import the command line module (what every ``keapsim``
  command pays before it does anything), and which heavy libraries that import drags in;
- cold start to first answer: from spawning ``keapsim serve`` to the first HTTP answer on its
  port, next to a ~20-line Flask app under the same server (the reference) started the same way;
- pytest plugin overhead: a one-test pytest session with keapsim's plugin loaded minus the same
  session with ``-p no:keapsim`` (what keapsim costs projects that install it but do not use
  its fixtures in that session).

Each figure is the best (minimum) of ``--rounds`` runs: on a shared machine noise only ever
adds time. The runs of the two sides of a comparison are interleaved, so that a busy moment
hurts both alike. The plugin's cost is also measured directly (importing it in a fresh
interpreter that has pytest loaded), since a whole pytest session varies by more than 0.05 s
between two runs here. Targets: cold start <= 0.2 s, plugin overhead <= 0.05 s.

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed from their
environment) after one warm-up round, as an installed keapsim runs: compiling keapsim's
sources on every start would add tens of milliseconds that no user pays twice.

    python bench/bench_startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from loadgen import KEY, free_port, serve_command

CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

COLD_START_TARGET = 0.2
PLUGIN_OVERHEAD_TARGET = 0.05
# Libraries the serve path need not load before its first request (or at all).
HEAVY = ("flask", "pydantic", "yaml", "httpx", "httpx._main", "rich", "click", "faker")

IMPORT_PROBE = """
import json, sys, time
%s
start = time.perf_counter()
import %s
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "loaded": [m for m in %r if m in sys.modules]}))
"""

FLASK_REFERENCE = '''
"""The reference: a minimal Flask JSON API under waitress (the shape of a hand-written stub)."""
import sys
import threading

from flask import Flask, jsonify, request
from waitress import serve

app = Flask("reference")
contacts: dict[int, dict] = {}
lock = threading.Lock()


@app.get("/crm/rest/v1/contacts")
def list_contacts():
    with lock:
        return jsonify({"contacts": list(contacts.values())[:10], "count": len(contacts)})


@app.post("/crm/rest/v1/contacts")
def create_contact():
    with lock:
        record = {"id": len(contacts) + 1, **(request.get_json() or {})}
        contacts[record["id"]] = record
    return jsonify(record), 201


serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=4, _quiet=True)
'''


def best_of(rounds: int, *measures: Callable[[], float]) -> list[float]:
    """Each measure's minimum over ``rounds``, the measures interleaved round by round."""
    samples: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for sample, measure in zip(samples, measures, strict=True):
            sample.append(measure())
    return [min(s) for s in samples]


# -- import keapsim.cli ------------------------------------------------------------------------
def import_time(module: str, preload: str = "") -> tuple[float, list[str]]:
    """Seconds to import ``module`` in a fresh interpreter (after ``preload``), and which of
    the :data:`HEAVY` libraries are loaded then."""
    probe = IMPORT_PROBE % (preload, module, HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=CHILD_ENV
    )
    result = json.loads(out.stdout)
    return result["seconds"], result["loaded"]


def interpreter_floor() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=CHILD_ENV)
    return time.perf_counter() - start


# -- cold start to first answer ---------------------------------------------------------------
def first_answer(command: list[str], port: int, path: str, timeout: float = 20.0) -> float:
    """Seconds from spawning ``command`` until ``GET path`` on ``port`` is answered."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV
    )
    try:
        while time.perf_counter() - start < timeout:
            if _answers(port, path):
                return time.perf_counter() - start
            if process.poll() is not None:
                raise RuntimeError(f"{command[:4]} exited with {process.returncode}")
            time.sleep(0.002)
        raise RuntimeError(f"no answer on port {port} within {timeout} s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path, headers={"X-Keap-API-Key": KEY})
        status = connection.getresponse().status
        connection.close()
    except (TimeoutError, ConnectionError, http.client.HTTPException):
        return False
    return status == 200


def keapsim_cold_start() -> float:
    port = free_port()
    return first_answer(serve_command(port), port, "/crm/rest/v1/contacts")


def reference_cold_start(script: Path) -> float:
    port = free_port()
    return first_answer([sys.executable, str(script), str(port)], port, "/crm/rest/v1/contacts")


# -- pytest plugin overhead -------------------------------------------------------------------
def pytest_session(project: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, str(project)],
        cwd=project,
        env=CHILD_ENV,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - start


def make_project(root: Path) -> Path:
    """A project with one trivial test that does not use keapsim (its own ini: no addopts)."""
    project = root / "unrelated_project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_unrelated.py").write_text("def test_nothing_to_do_with_keap():\n    pass\n")
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rounds = args.rounds
    load_before = os.getloadavg()

    keapsim_cold_start()  # warm-up: writes the bytecode caches of the whole serve path
    floor, import_seconds, plugin_import = best_of(
        rounds,
        interpreter_floor,
        lambda: import_time("keapsim.cli")[0],
        lambda: import_time("keapsim.pytest_plugin", preload="import pytest")[0],
    )
    loaded = import_time("keapsim.cli")[1]
    plugin_loaded = import_time("keapsim.pytest_plugin", preload="import pytest")[1]
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "flask_reference.py"
        reference.write_text(textwrap.dedent(FLASK_REFERENCE))
        reference_cold_start(reference)  # warm-up
        keapsim_start, reference_start = best_of(
            rounds, keapsim_cold_start, lambda: reference_cold_start(reference)
        )
        project = make_project(Path(tmp))
        with_plugin, without_plugin = best_of(
            rounds,
            lambda: pytest_session(project),
            lambda: pytest_session(project, "-p", "no:keapsim"),
        )
    overhead = with_plugin - without_plugin

    load_after = os.getloadavg()
    print(f"rounds: {rounds} (best of each)")
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    print(f"python -c pass                      {floor:.3f} s")
    print(f"import keapsim.cli                  {import_seconds:.3f} s  (in-process)")
    print(f"  heavy libraries it loads          {', '.join(loaded) or 'none'}")
    print(
        f"cold start to first answer: keapsim {keapsim_start:.3f} s, "
        f"Flask reference {reference_start:.3f} s, ratio {keapsim_start / reference_start:.2f}x"
        f"  (target <= {COLD_START_TARGET} s: {_verdict(keapsim_start <= COLD_START_TARGET)})"
    )
    print(
        f"pytest session: with plugin {with_plugin:.3f} s, -p no:keapsim {without_plugin:.3f} s,"
        f" difference {overhead:+.3f} s"
    )
    print(
        f"import keapsim.pytest_plugin       {plugin_import:.3f} s  (after pytest; loads "
        f"{', '.join(plugin_loaded) or 'none of the heavy libraries'})  (target <= "
        f"{PLUGIN_OVERHEAD_TARGET} s: {_verdict(plugin_import <= PLUGIN_OVERHEAD_TARGET)})"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()

"""Optional dependencies: a missing one is reported with the extra that installs it, and the
version is written in one place. (``.ci/wheel-smoke`` checks the same from a built wheel in a
fresh virtual environment.)"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import keapsim

ROOT = Path(__file__).resolve().parents[2]


def _import_without(module: str, missing: str) -> subprocess.CompletedProcess[str]:
    """Import ``module`` in a fresh interpreter in which ``missing`` cannot be imported."""
    code = f"import sys; sys.modules[{missing!r}] = None; import {module}"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


@pytest.mark.parametrize(
    ("module", "missing", "extra"),
    [
        ("keapsim.specs.validate", "jsonschema", "validate"),
        ("keapsim.specs.validate", "openapi_schema_validator", "validate"),
        ("contracts.recording", "vcr", "contracts"),
    ],
)
def test_a_missing_optional_dependency_names_its_extra(
    module: str, missing: str, extra: str
) -> None:
    completed = _import_without(module, missing)
    assert completed.returncode == 1
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith("keapsim.extras.MissingExtra: ")
    assert f"pip install 'keapsim[{extra}]'" in last_line and repr(missing) in last_line


def test_the_base_install_needs_no_optional_dependency_to_serve() -> None:
    for missing in ("jsonschema", "openapi_schema_validator", "vcr", "schemathesis", "pytest"):
        completed = _import_without("keapsim.cli, keapsim.app, connector.cli", missing)
        assert completed.returncode == 0, completed.stderr


def test_the_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert keapsim.__version__ == version("keapsim") == project["version"]
    assert f'"{project["version"]}"' not in (ROOT / "keapsim" / "__init__.py").read_text()
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT")

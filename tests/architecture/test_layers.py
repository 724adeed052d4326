"""The layer contract (pyproject's ``[tool.importlinter]``, docs/design/layers.md) holds, a
wrong import breaks it, and no package has an import cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("keapsim", "connector", "contracts")

pytestmark = pytest.mark.slow  # runs lint-imports in a subprocess


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages in ``project`` (which holds their pyproject.toml)."""
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    return subprocess.run(
        [*command, "--no-cache"],
        cwd=project,
        # The copy in ``project`` must shadow the installed (editable) packages.
        env={"PYTHONPATH": str(project), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _not_source(_directory: str, names: list[str]) -> list[str]:
    # Keeps folders (no dot in their names here) and Python files.
    return [n for n in names if n == "__pycache__" or ("." in n and not n.endswith(".py"))]


def copy_sources(destination: Path) -> Path:
    """The three packages' Python files and the project file, nothing else."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=_not_source)
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_the_layer_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_store_module_importing_the_flask_app_breaks_the_layers(tmp_path: Path) -> None:
    project = copy_sources(tmp_path)
    errors = project / "keapsim" / "store" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom keapsim.app import shared_app  # wrong\n")

    result = lint_imports(project)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "keapsim layers, top to bottom BROKEN" in result.stdout
    assert "keapsim.store.errors -> keapsim.app" in result.stdout


def test_the_connector_importing_keapsim_breaks_its_independence(tmp_path: Path) -> None:
    project = copy_sources(tmp_path)
    mapping = project / "connector" / "mapping.py"
    mapping.write_text(mapping.read_text() + "\nimport keapsim.store.regions  # wrong\n")

    result = lint_imports(project)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "never imports keapsim (it must work against the real Keap) BROKEN" in result.stdout
    assert "connector.mapping -> keapsim.store.regions" in result.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package: str) -> None:
    """Runtime imports only (``if TYPE_CHECKING:`` imports never execute), function-level
    imports included: a cycle hidden inside a function is still a cycle."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    try:
        TopologicalSorter(imports).prepare()
    except CycleError as err:
        pytest.fail(f"import cycle in {package}: {' -> '.join(err.args[1])}")

"""The README is the entry page: short, with the two commands a fresh machine needs, and the
test command is exactly what CI runs."""

from __future__ import annotations

from .blocks import ROOT, read_blocks

README = ROOT / "README.md"


def _commands() -> list[str]:
    return [block.code.strip() for block in read_blocks(README) if block.lang == "bash"]


def test_the_readme_stays_an_entry_page() -> None:
    assert len(README.read_bytes()) <= 8 * 1024


def test_ci_runs_the_readmes_test_command() -> None:
    test_command = next(command for command in _commands() if "&& pytest" in command)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # CI installs quietly; otherwise the line is the README's, character for character.
    assert test_command.replace("pip install -e", "pip install -q -e") in ci.splitlines()
    assert "mkdocs build --strict" in test_command


def test_one_command_installs_and_starts_the_simulator_with_seeded_data() -> None:
    assert any(
        "pip install ." in command and "keapsim serve --seed-data" in command
        for command in _commands()
    )

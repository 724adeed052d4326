"""The number of implemented operations never goes down, family by family.

``baseline.json`` holds each family's implemented count. A count below it fails (an operation
lost its route). A count above it also fails, asking for the file to be updated, so the next
loss is measured from the new level::

    KEAPSIM_UPDATE_BASELINE=1 pytest tests/coverage/test_coverage_baseline.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keapsim.coverage import build_report

BASELINE = Path(__file__).with_name("baseline.json")
UPDATE_COMMAND = "KEAPSIM_UPDATE_BASELINE=1 pytest tests/coverage/test_coverage_baseline.py"


def _current() -> dict[str, int]:
    return {f"{f.document} {f.family}": f.implemented for f in build_report().families()}


def _baseline() -> dict[str, int]:
    return json.loads(BASELINE.read_text())["implemented"]


def _write_baseline(counts: dict[str, int]) -> None:
    document = json.loads(BASELINE.read_text())
    document["implemented"] = counts
    BASELINE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def test_no_family_lost_implemented_operations() -> None:
    current, baseline = _current(), _baseline()
    dropped = {
        family: f"{count} -> {current.get(family, 0)}"
        for family, count in baseline.items()
        if current.get(family, 0) < count
    }
    assert not dropped, f"implemented operations went down (baseline -> now): {dropped}"


def test_the_baseline_records_the_current_counts() -> None:
    current, baseline = _current(), _baseline()
    if os.environ.get("KEAPSIM_UPDATE_BASELINE") == "1":
        _write_baseline(current)
        baseline = _baseline()
    risen = {
        family: f"{baseline.get(family, 0)} -> {count}"
        for family, count in current.items()
        if count > baseline.get(family, 0)
    }
    assert not risen, (
        f"coverage rose (baseline -> now): {risen}. Record it in {BASELINE.name} with "
        f"`{UPDATE_COMMAND}` and commit the file."
    )

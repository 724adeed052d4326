"""Contract suites for keapsim: scenarios, cassettes, scrubbing and drift verification."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CASSETTE_DIR = PACKAGE_DIR / "cassettes"
EVIDENCE_DIR = CASSETTE_DIR / "evidence"
DIVERGENCES_FILE = PACKAGE_DIR / "divergences.yaml"

__all__ = ["CASSETTE_DIR", "DIVERGENCES_FILE", "EVIDENCE_DIR", "PACKAGE_DIR"]

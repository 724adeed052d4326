"""Fixtures for the connector suite: a fresh in-process simulator and connectors onto it."""

from __future__ import annotations

import sys
from pathlib import Path

# Make the repository importable when the project is not pip-installed (plain `pytest`).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

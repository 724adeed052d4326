"""v2 notes."""

from __future__ import annotations

from . import blueprint  # noqa: F401

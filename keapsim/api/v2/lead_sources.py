"""v2 lead_sources."""

from __future__ import annotations

from . import blueprint  # noqa: F401

"""Admin API: ui (issue 4)."""

from __future__ import annotations

from . import blueprint  # noqa: F401

"""Admin API: clock (issue 3)."""

from __future__ import annotations

from . import blueprint  # noqa: F401

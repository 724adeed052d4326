"""v2 campaigns."""

from __future__ import annotations

from . import blueprint  # noqa: F401

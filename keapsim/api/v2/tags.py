"""v2 tags."""

from __future__ import annotations

from . import blueprint  # noqa: F401

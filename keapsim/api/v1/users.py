"""v1 users."""

from __future__ import annotations

from . import blueprint  # noqa: F401

"""v2 contacts."""

from __future__ import annotations

from . import blueprint  # noqa: F401

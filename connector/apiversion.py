"""Keap's two REST API versions (a leaf module: config and the contact model both need it)."""

from __future__ import annotations

from enum import StrEnum


class ApiVersion(StrEnum):
    V1 = "v1"
    V2 = "v2"

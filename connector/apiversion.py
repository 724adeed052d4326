"""Keap's two REST API versions (a leaf module: config and the contact model both need it)."""

from __future__ import annotations

from enum import StrEnum


class ApiVersion(StrEnum):
    V1 = "v1"
    V2 = "v2"


def wire_id(version: ApiVersion, value: int) -> int | str:
    """An id as ``version`` writes it in a request body."""
    # v2 ids are strings on the wire, v1 ids are integers.
    return str(value) if version is ApiVersion.V2 else value

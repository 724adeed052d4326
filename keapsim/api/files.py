"""What v1 and v2 file adapters share: decoding uploaded content, filters on the file box."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from ..store.files import StoredFile
from .common import BadInput

# v1 spells the file-box enums in PascalCase ("WebForm"), v2 in upper snake case ("WEB_FORM");
# the store keeps v2's. Only RESAMPLED_IMAGE does not follow the rule.
_V1_SPECIAL = {"RESAMPLED_IMAGE": "ReSampledImage"}


def to_v1_enum(value: str) -> str:
    return _V1_SPECIAL.get(value) or "".join(p.capitalize() for p in value.split("_"))


def from_v1_enum(value: str) -> str:
    for special, spelled in _V1_SPECIAL.items():
        if value == spelled:
            return special
    out = ""
    for char in value:
        out += f"_{char}" if char.isupper() and out else char.upper()
    return out


def decode_base64(text: str, field: str) -> bytes:
    """v1's ``file_data``: base64 (the v1 document: "Upload a base64 encoded file")."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(f"{field} must be base64-encoded file content", field=field) from None


def name_matches(pattern: str) -> Callable[[StoredFile], bool]:
    """v1's ``name`` filter: "with '*' preceding or following to indicate LIKE queries"."""
    wanted = pattern.casefold()
    starts, ends = wanted.endswith("*"), wanted.startswith("*")
    core = wanted.strip("*")
    if starts and ends:
        return lambda f: core in f.file_name.casefold()
    if starts:
        return lambda f: f.file_name.casefold().startswith(core)
    if ends:
        return lambda f: f.file_name.casefold().endswith(core)
    return lambda f: f.file_name.casefold() == core

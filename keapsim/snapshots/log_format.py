"""The change log's file format: ``F.log.<generation>``, JSON lines next to the snapshot ``F``.

The first line, ``begin``, names the format and its version; every other line is one change,
as the changed thing's state (the operations are applied by :mod:`.log_replay`; the design is
``docs/design/persistence.md``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import orjson

from .document import SnapshotError

log = logging.getLogger("keapsim.snapshots")

LOG_FORMAT = "keapsim-change-log"
LOG_VERSION = 1
GENERATION_KEY = "log_generation"
"""The snapshot's key naming the first log generation that continues it."""


def log_path(snapshot: Path, generation: int) -> Path:
    """The log of ``generation`` next to the snapshot at ``snapshot``."""
    return snapshot.with_name(f"{snapshot.name}.log.{generation}")


def header_line(generation: int) -> dict[str, Any]:
    """A log's first line."""
    return {"op": "begin", "format": LOG_FORMAT, "version": LOG_VERSION, "gen": generation}


def encode_line(line: dict[str, Any]) -> bytes:
    """One line of the log, newline included."""
    # orjson: a tenth of json's time on the request path. JSON escapes control characters, so
    # no line holds a raw newline. A lone surrogate is not UTF-8: such a line is written as
    # ASCII JSON, which round-trips any Python string.
    try:
        return orjson.dumps(line) + b"\n"
    except TypeError:
        return json.dumps(line, separators=(",", ":")).encode("ascii") + b"\n"


def read_log(path: Path) -> list[dict[str, Any]]:
    """The lines of one log file. A last line without its newline was being appended when the
    process died, so its group was never acknowledged: it is ignored. Any other line that is
    not a JSON object makes the log corrupt (:class:`SnapshotError` naming file and line)."""
    chunks = path.read_bytes().split(b"\n")
    torn = chunks.pop()  # b"" when the file ends with a newline
    if torn:
        log.warning("%s: ignoring a half-written last line (%d bytes)", path, len(torn))
    lines = [_parse_line(path, number, chunk) for number, chunk in enumerate(chunks, start=1)]
    if lines and lines[0]["op"] == "begin":
        _check_version(path, lines[0])
    return lines


def _parse_line(path: Path, number: int, chunk: bytes) -> dict[str, Any]:
    try:
        line = json.loads(chunk)
    except ValueError:
        line = None
    if not isinstance(line, dict) or not isinstance(line.get("op"), str):
        raise SnapshotError(
            f"{path}: line {number} is not a change-log entry; the log is corrupt (move it "
            "away to start from the snapshot alone)"
        )
    return line


def _check_version(path: Path, header: dict[str, Any]) -> None:
    version = header.get("version")
    if not isinstance(version, int) or version > LOG_VERSION:
        raise SnapshotError(
            f"{path} has change-log version {version!r}, newer than this keapsim reads "
            f"(up to {LOG_VERSION}); upgrade keapsim to load it"
        )

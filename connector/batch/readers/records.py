"""What reading a lead file gives: its records, the file as a whole, and each lead's key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

InputFormat = Literal["csv", "jsonl"]

#: One parsed line before it gets its key: (line, lead or None, raw text, problem or None).
RawRecord = tuple[int, dict[str, Any] | None, str, str | None]


class InputFileError(Exception):
    """The input file as a whole cannot be read (the message names the file and line)."""


@dataclass(frozen=True)
class InputRecord:
    """One lead of the input file, or one line that could not be read as a lead."""

    line: int
    lead: dict[str, Any] | None
    raw: str
    error: str | None = None
    key: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.lead is not None


@dataclass
class LeadFile:
    """A parsed input file: its format, CSV header (if any) and records in file order."""

    path: Path
    format: InputFormat
    records: list[InputRecord]
    header: list[str] | None = None
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    #: CSV only: the field separator found in the header row
    delimiter: str = ","

    def columns(self) -> list[str]:
        """The CSV header, or every key any JSON line has (in first-seen order)."""
        if self.header is not None:
            return list(self.header)
        seen: dict[str, None] = {}
        for rec in self.records:
            for key in rec.lead or {}:
                seen.setdefault(key, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[InputRecord]:
        return iter(self.records)


def lead_key(lead: dict[str, Any] | None, raw: str) -> str:
    """A stable content hash of a lead (independent of its line number and key order)."""
    if lead is not None:
        payload = json.dumps(lead, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        payload = "raw:" + raw.strip()
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

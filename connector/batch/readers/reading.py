"""Reading a whole lead file: its bytes, its lines, its format, its records with keys."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from connector.batch.readers.csv_format import read_csv
from connector.batch.readers.decoding import split_lines
from connector.batch.readers.jsonl_format import read_jsonl
from connector.batch.readers.records import (
    InputFileError,
    InputFormat,
    InputRecord,
    LeadFile,
    RawRecord,
    lead_key,
)

_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json", ".jsonlines"}


def detect_format(path: Path, head: bytes) -> InputFormat:
    """Guess the format from the file name, else from the first non-blank character."""
    if path.suffix.lower() == ".csv":
        return "csv"
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return "jsonl"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped.startswith(b"{") else "csv"


def read_leads(
    path: str | Path, fmt: InputFormat | Literal["auto"] = "auto", encoding: str = "utf-8"
) -> LeadFile:
    """Read a whole lead file. Bad lines become records with ``error`` set."""
    path = Path(path)
    data = _read_bytes(path)
    try:
        lines = split_lines(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputFileError(f"{path}: cannot decode as {encoding}: {exc}") from exc
    kind: InputFormat = detect_format(path, data[:4096]) if fmt == "auto" else fmt
    header: list[str] | None = None
    delimiter = ","
    if kind == "csv":
        header, raw_records, delimiter = read_csv(path, lines)
    else:
        raw_records = read_jsonl(path, lines)
    return LeadFile(
        path=path,
        format=kind,
        records=_keyed(raw_records),
        header=header,
        encoding=encoding,
        delimiter=delimiter,
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"{path}: no such file") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc.strerror}") from exc


def _keyed(raw_records: list[RawRecord]) -> list[InputRecord]:
    seen: dict[str, int] = {}
    records: list[InputRecord] = []
    for line, lead, raw, error in raw_records:
        base = lead_key(lead, raw)
        seen[base] = seen.get(base, 0) + 1
        # Identical rows get distinct keys by occurrence so each is accounted for once.
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        records.append(InputRecord(line=line, lead=lead, raw=raw, error=error, key=key))
    return records

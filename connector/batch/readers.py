"""Input readers for batch delivery: CSV with a header row, or JSON lines.

A reader never stops at a bad line. Each record carries its 1-based physical line number;
a line that cannot be decoded or parsed becomes an :class:`InputRecord` with ``error`` set,
so the rest of the batch still runs. Only problems with the file as a whole (missing file,
no header row, empty file) raise :class:`InputFileError`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

InputFormat = Literal["csv", "jsonl"]

_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json", ".jsonlines"}
_EMAILISH = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NUMERIC = re.compile(r"^[+\-\d().\s]+$")


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


def detect_format(path: Path, head: bytes) -> InputFormat:
    """Guess the format from the file name, else from the first non-blank character."""
    if path.suffix.lower() == ".csv":
        return "csv"
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return "jsonl"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped.startswith(b"{") else "csv"


def lead_key(lead: dict[str, Any] | None, raw: str) -> str:
    """A stable content hash of a lead (independent of its line number and key order)."""
    if lead is not None:
        payload = json.dumps(lead, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        payload = "raw:" + raw.strip()
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _split_lines(data: bytes, encoding: str) -> list[tuple[str, str | None]]:
    """Split raw bytes into decoded physical lines, each with a decode error or ``None``.

    Lines are decoded one at a time so that one badly encoded line does not spoil the file.
    """
    if encoding.lower().replace("_", "-") in {"utf-16", "utf-16-le", "utf-16-be", "utf-32"}:
        text = data.decode(encoding)
        return [(line, None) for line in text.splitlines(keepends=True)]
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        text = data.decode("utf-16")
        return [(line, None) for line in text.splitlines(keepends=True)]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[tuple[str, str | None]] = []
    for raw in data.splitlines(keepends=True):
        try:
            out.append((raw.decode(encoding), None))
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1]
            msg = (
                f"not valid {encoding} text (byte 0x{bad.hex()} at column {exc.start + 1}); "
                f"save the file as UTF-8 or pass --encoding"
            )
            out.append((raw.decode(encoding, errors="replace"), msg))
    return out


def _check_header(header: list[str], path: Path, line: int) -> list[str]:
    names = [h.strip() for h in header]
    problem = None
    if not any(names):
        problem = "the header row is empty"
    elif any(not n for n in names):
        problem = f"the header row has an empty column name (column {names.index('') + 1})"
    elif len(set(n.lower() for n in names)) != len(names):
        dupes = sorted({n for n in names if [m.lower() for m in names].count(n.lower()) > 1})
        problem = f"the header row repeats column names: {', '.join(dupes)}"
    else:
        for n in names:
            if _EMAILISH.fullmatch(n) or _NUMERIC.fullmatch(n):
                problem = (
                    f"the first row looks like data, not a header ({n!r}); "
                    "add a header row naming the columns (e.g. first_name,last_name,email)"
                )
                break
    if problem:
        raise InputFileError(f"{path}: line {line}: missing or invalid header: {problem}")
    return names


def _assemble_csv_records(
    lines: list[tuple[str, str | None]],
) -> Iterator[tuple[int, int, str, str | None]]:
    """Group physical lines into CSV records: (first line, last line, text, problem).

    A record ends when its quotes balance. A quote left open until the end of the file marks
    only its first line as broken; reading resumes on the next line.
    """
    i = 0
    n = len(lines)
    while i < n:
        j = i
        quotes = 0
        while j < n:
            quotes += lines[j][0].count('"')
            if quotes % 2 == 0:
                break
            j += 1
        if j >= n:  # unterminated quote: blame the first line only
            yield i + 1, i + 1, lines[i][0], "broken CSV line: a quoted field is never closed"
            i += 1
            continue
        text = "".join(t for t, _ in lines[i : j + 1])
        problem = next((e for _, e in lines[i : j + 1] if e), None)
        yield i + 1, j + 1, text, problem
        i = j + 1


#: Separators a CSV export may use; the one found most often in the header row wins.
DELIMITERS = (",", ";", "\t", "|")


def detect_delimiter(header: str) -> str:
    """The separator of a header row: the candidate seen most often outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the earlier (comma first)
    return best if counts[best] else ","


def _parse_csv_row(text: str, delimiter: str = ",") -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    if len(rows) != 1:
        raise csv.Error(f"expected one record, found {len(rows)}")
    return rows[0]


def _read_csv(
    path: Path, lines: list[tuple[str, str | None]]
) -> tuple[list[str], list[tuple[int, dict[str, Any] | None, str, str | None]], str]:
    records: list[tuple[int, dict[str, Any] | None, str, str | None]] = []
    header: list[str] | None = None
    header_line = 0
    delimiter = ","
    for start, _end, text, problem in _assemble_csv_records(lines):
        if not text.strip():
            continue
        if header is None:
            if problem:
                raise InputFileError(f"{path}: line {start}: header row: {problem}")
            delimiter = detect_delimiter(text)
            try:
                row = _parse_csv_row(text, delimiter)
            except csv.Error as exc:
                raise InputFileError(f"{path}: line {start}: broken header row: {exc}") from exc
            header = _check_header(row, path, start)
            header_line = start
            continue
        if problem:
            records.append((start, None, text, problem))
            continue
        try:
            row = _parse_csv_row(text, delimiter)
        except csv.Error as exc:
            records.append((start, None, text, f"broken CSV line: {exc}"))
            continue
        if len(row) != len(header):
            msg = (
                f"expected {len(header)} fields as in the header (line {header_line}), "
                f"found {len(row)}"
            )
            records.append((start, None, text, msg))
            continue
        records.append((start, dict(zip(header, row, strict=True)), text, None))
    if header is None:
        raise InputFileError(f"{path}: line 1: the file is empty (no header row)")
    return header, records, delimiter


def _read_jsonl(
    lines: list[tuple[str, str | None]],
) -> list[tuple[int, dict[str, Any] | None, str, str | None]]:
    records: list[tuple[int, dict[str, Any] | None, str, str | None]] = []
    for idx, (text, problem) in enumerate(lines, start=1):
        if not text.strip():
            continue
        if problem:
            records.append((idx, None, text, problem))
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            records.append((idx, None, text, f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(value, dict):
            kind = type(value).__name__
            records.append((idx, None, text, f"expected a JSON object per line, found {kind}"))
            continue
        records.append((idx, value, text, None))
    return records


def read_leads(
    path: str | Path, fmt: InputFormat | Literal["auto"] = "auto", encoding: str = "utf-8"
) -> LeadFile:
    """Read a whole lead file. Bad lines become records with ``error`` set."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"{path}: no such file") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        lines = _split_lines(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputFileError(f"{path}: cannot decode as {encoding}: {exc}") from exc
    kind: InputFormat = detect_format(path, data[:4096]) if fmt == "auto" else fmt
    header: list[str] | None = None
    delimiter = ","
    if kind == "csv":
        header, raw_records, delimiter = _read_csv(path, lines)
    else:
        first = next((t.strip() for t, _ in lines if t.strip()), "")
        if first.startswith("["):
            raise InputFileError(
                f"{path}: line 1: this is a JSON array; expected JSON lines (one object per "
                "line). Convert it with: jq -c '.[]' FILE > leads.jsonl"
            )
        raw_records = _read_jsonl(lines)
        if not raw_records:
            raise InputFileError(f"{path}: line 1: the file has no leads")
    seen: dict[str, int] = {}
    records: list[InputRecord] = []
    for line, lead, raw, error in raw_records:
        base = lead_key(lead, raw)
        seen[base] = seen.get(base, 0) + 1
        # Identical rows get distinct keys by occurrence so each is accounted for once.
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        records.append(InputRecord(line=line, lead=lead, raw=raw, error=error, key=key))
    return LeadFile(
        path=path,
        format=kind,
        records=records,
        header=header,
        encoding=encoding,
        delimiter=delimiter,
    )

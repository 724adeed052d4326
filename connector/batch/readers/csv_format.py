"""CSV lead files: a header row naming the columns, a record per line (quoted fields may span
lines), the separator found in the header."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from connector.batch.readers.records import InputFileError, RawRecord

_EMAILISH = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NUMERIC = re.compile(r"^[+\-\d().\s]+$")


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


def read_csv(
    path: Path, lines: list[tuple[str, str | None]]
) -> tuple[list[str], list[RawRecord], str]:
    """The header, a raw record per non-blank CSV record, and the separator."""
    records: list[RawRecord] = []
    header: list[str] | None = None
    header_line = 0
    delimiter = ","
    for start, _end, text, problem in _assemble_csv_records(lines):
        if not text.strip():
            continue
        if header is None:
            header, delimiter = _read_header(path, start, text, problem)
            header_line = start
            continue
        records.append(_csv_record(start, text, problem, header, header_line, delimiter))
    if header is None:
        raise InputFileError(f"{path}: line 1: the file is empty (no header row)")
    return header, records, delimiter


def _read_header(path: Path, start: int, text: str, problem: str | None) -> tuple[list[str], str]:
    if problem:
        raise InputFileError(f"{path}: line {start}: header row: {problem}")
    delimiter = detect_delimiter(text)
    try:
        row = _parse_csv_row(text, delimiter)
    except csv.Error as exc:
        raise InputFileError(f"{path}: line {start}: broken header row: {exc}") from exc
    return _check_header(row, path, start), delimiter


def _csv_record(
    start: int,
    text: str,
    problem: str | None,
    header: list[str],
    header_line: int,
    delimiter: str,
) -> RawRecord:
    if problem:
        return (start, None, text, problem)
    try:
        row = _parse_csv_row(text, delimiter)
    except csv.Error as exc:
        return (start, None, text, f"broken CSV line: {exc}")
    if len(row) != len(header):
        msg = (
            f"expected {len(header)} fields as in the header (line {header_line}), found {len(row)}"
        )
        return (start, None, text, msg)
    return (start, dict(zip(header, row, strict=True)), text, None)

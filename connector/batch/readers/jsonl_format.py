"""JSON-lines lead files: one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path

from connector.batch.readers.records import InputFileError, RawRecord


def read_jsonl(path: Path, lines: list[tuple[str, str | None]]) -> list[RawRecord]:
    """A raw record per non-blank line; a JSON array or a file without leads is refused."""
    first = next((t.strip() for t, _ in lines if t.strip()), "")
    if first.startswith("["):
        raise InputFileError(
            f"{path}: line 1: this is a JSON array; expected JSON lines (one object per "
            "line). Convert it with: jq -c '.[]' FILE > leads.jsonl"
        )
    raw_records = _read_jsonl(lines)
    if not raw_records:
        raise InputFileError(f"{path}: line 1: the file has no leads")
    return raw_records


def _read_jsonl(lines: list[tuple[str, str | None]]) -> list[RawRecord]:
    records: list[RawRecord] = []
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

"""Lead files (CSV) for the batch tests."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["first_name", "last_name", "email", "phone_1", "city"]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def lead(i: int, email: str | None = None) -> dict[str, str]:
    return {
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "email": email if email is not None else f"lead{i}@example.com",
        "phone_1": "",
        "city": "Phoenix",
    }

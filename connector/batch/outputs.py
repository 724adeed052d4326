"""Where a batch writes: the results, the dead letters and the failures, beside the input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def _default_paths(source: Path, fmt: str) -> tuple[Path, Path]:
    stem = source.with_suffix("")
    ext = ".csv" if fmt == "csv" else ".jsonl"
    return Path(f"{stem}.results.jsonl"), Path(f"{stem}.dead-letter{ext}")


def _default_failures_path(source: Path, fmt: str) -> Path:
    ext = ".csv" if fmt == "csv" else ".jsonl"
    return Path(f"{source.with_suffix('')}.failures{ext}")


@dataclass(frozen=True)
class BatchOutputs:
    """Where a batch writes: results, dead letter, and failures (None: not written)."""

    results: Path
    dead_letter: Path
    failures: Path | None

    @classmethod
    def choose(
        cls,
        input_path: Path,
        source_format: str,
        results: Path | None,
        dead_letter: Path | None,
        failures: Path | None | bool,
    ) -> BatchOutputs:
        """The paths given, else the defaults next to the input (failures: True = default)."""
        default_results, default_dead = _default_paths(input_path, source_format)
        failures_path = failures if isinstance(failures, Path) else None
        if failures is True:
            failures_path = _default_failures_path(input_path, source_format)
        return cls(results or default_results, dead_letter or default_dead, failures_path)

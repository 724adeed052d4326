"""Known, intended divergences: declared per scenario, with a reason, shown in every report.

``contracts/divergences.yaml``::

    divergences:
      - scenario: "evidence/throttled_*"   # fnmatch pattern on the scenario name
        exchange: 1                         # optional: 1-based index or "METHOD /path*" pattern
        kind: unexpected_header             # optional: a Drift kind (or "*")
        path: "retry-after"                 # optional: fnmatch pattern on the drift path
        targets: [sim]                      # optional: which targets it applies to
        reason: "why this is intended"      # required
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.compare import Drift


@dataclass
class Divergence:
    scenario: str
    reason: str
    exchange: int | str | None = None
    kind: str = "*"
    path: str = "*"
    targets: list[str] = field(default_factory=list)
    used: int = 0

    def matches(self, *, scenario: str, index: int, label: str, target: str, drift: Drift) -> bool:
        if not fnmatch.fnmatchcase(scenario, self.scenario):
            return False
        if self.targets and target not in self.targets:
            return False
        if isinstance(self.exchange, int) and self.exchange != index:
            return False
        if isinstance(self.exchange, str) and not fnmatch.fnmatchcase(label, self.exchange):
            return False
        if self.kind not in ("*", drift.kind):
            return False
        return fnmatch.fnmatchcase(drift.path, self.path)

    def describe(self) -> str:
        where = self.scenario + (f" #{self.exchange}" if self.exchange is not None else "")
        return f"{where} {self.kind} {self.path}: {self.reason}"


class DivergenceError(ValueError):
    """The divergences file is malformed."""


def parse_divergences(data: Any, *, source: str = "<divergences>") -> list[Divergence]:
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("divergences", []), list):
        raise DivergenceError(f"{source}: expected a mapping with a 'divergences' list")
    out: list[Divergence] = []
    for i, item in enumerate(data.get("divergences") or [], 1):
        if not isinstance(item, dict):
            raise DivergenceError(f"{source}: entry {i} is not a mapping")
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise DivergenceError(f"{source}: entry {i} has no reason")
        if "scenario" not in item:
            raise DivergenceError(f"{source}: entry {i} has no scenario")
        targets = item.get("targets") or []
        if isinstance(targets, str):
            targets = [targets]
        out.append(
            Divergence(
                scenario=str(item["scenario"]),
                reason=reason,
                exchange=item.get("exchange"),
                kind=str(item.get("kind") or "*"),
                path=str(item.get("path") or "*"),
                targets=[str(t) for t in targets],
            )
        )
    return out


def load_divergences(path: Path | str | None) -> list[Divergence]:
    if path is None:
        return []
    p = Path(path)
    if not p.exists():
        return []
    return parse_divergences(yaml.safe_load(p.read_text(encoding="utf-8")), source=str(p))


def apply_divergences(
    drifts: list[Drift],
    divergences: list[Divergence],
    *,
    scenario: str,
    index: int,
    label: str,
    target: str,
) -> list[Drift]:
    """Mark drifts covered by a declaration (``drift.declared = reason``); returns ``drifts``."""
    for drift in drifts:
        for div in divergences:
            if div.matches(scenario=scenario, index=index, label=label, target=target, drift=drift):
                drift.declared = div.reason
                div.used += 1
                break
    return drifts

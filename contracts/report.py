"""Drift report model and its three renderings: terminal (rich), JSON and Markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from contracts.compare import Drift


@dataclass
class ExchangeResult:
    index: int
    label: str
    expected_status: int
    actual_status: int | None = None
    drifts: list[Drift] = field(default_factory=list)
    skipped: str | None = None
    note: str | None = None

    @property
    def failing(self) -> bool:
        return any(d.failing for d in self.drifts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "exchange": self.label,
            "expected_status": self.expected_status,
            "actual_status": self.actual_status,
            "skipped": self.skipped,
            "note": self.note,
            "failing": self.failing,
            "drifts": [d.to_dict() for d in self.drifts],
        }


@dataclass
class ScenarioResult:
    name: str
    path: str = ""
    reconstructed: bool = False
    sources: list[str] = field(default_factory=list)
    provenance: str = ""
    exchanges: list[ExchangeResult] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None

    @property
    def failing(self) -> bool:
        return self.error is not None or any(e.failing for e in self.exchanges)

    @property
    def kind(self) -> str:
        """``reconstructed``, ``recorded from keapsim``, ``recorded from Keap``..."""
        return self.provenance or ("reconstructed" if self.reconstructed else "recorded")

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.skipped:
            return "skipped"
        if self.failing:
            return "drift"
        if any(d.declared for e in self.exchanges for d in e.drifts):
            return "ok (declared divergences)"
        return "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "cassette": self.path,
            "reconstructed": self.reconstructed,
            "provenance": self.kind,
            "sources": self.sources,
            "status": self.status,
            "failing": self.failing,
            "skipped": self.skipped,
            "error": self.error,
            "exchanges": [e.to_dict() for e in self.exchanges],
        }


@dataclass
class VerifyReport:
    target: str
    scenarios: list[ScenarioResult] = field(default_factory=list)
    unused_divergences: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return any(s.failing for s in self.scenarios)

    def counts(self) -> dict[str, int]:
        out = {"scenarios": len(self.scenarios), "ok": 0, "drift": 0, "skipped": 0, "error": 0}
        for s in self.scenarios:
            key = s.status.split(" ")[0]
            out[key] = out.get(key, 0) + 1
        out["failing_drifts"] = sum(
            1 for s in self.scenarios for e in s.exchanges for d in e.drifts if d.failing
        )
        out["declared_divergences"] = sum(
            1 for s in self.scenarios for e in s.exchanges for d in e.drifts if d.declared
        )
        return out

    def lines(self) -> list[str]:
        """One plain line per drift: ``scenario #n METHOD /path: message``."""
        out = []
        for s in self.scenarios:
            if s.error:
                out.append(f"{s.name}: ERROR {s.error}")
            for e in s.exchanges:
                for d in e.drifts:
                    tag = f" [declared: {d.declared}]" if d.declared else ""
                    sev = "" if d.severity == "error" else f" ({d.severity})"
                    out.append(f"{s.name} #{e.index} {e.label}: {d.line()}{sev}{tag}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "failing": self.failing,
            "counts": self.counts(),
            "scenarios": [s.to_dict() for s in self.scenarios],
            "unused_divergences": self.unused_divergences,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_markdown(self) -> str:
        c = self.counts()
        md = [
            f"# Contract drift report (target: `{self.target}`)",
            "",
            f"**{'DRIFT' if self.failing else 'OK'}**: {c['scenarios']} scenarios, "
            f"{c['ok']} ok, {c['drift']} drifting, {c['skipped']} skipped, {c['error']} errors; "
            f"{c['failing_drifts']} failing drifts, "
            f"{c['declared_divergences']} declared divergences.",
            "",
            "| Scenario | Status | Evidence | Exchanges |",
            "|---|---|---|---|",
        ]
        for s in self.scenarios:
            md.append(f"| `{s.name}` | {s.status} | {s.kind} | {len(s.exchanges)} |")
        details = [
            s for s in self.scenarios if s.error or s.skipped or any(e.drifts for e in s.exchanges)
        ]
        if details:
            md += ["", "## Details", ""]
        for s in details:
            md.append(f"### `{s.name}` ({s.status})")
            if s.error:
                md.append(f"- error: {s.error}")
            if s.skipped:
                md.append(f"- skipped: {s.skipped}")
            for e in s.exchanges:
                if e.skipped:
                    md.append(f"- #{e.index} `{e.label}`: skipped ({e.skipped})")
                for d in e.drifts:
                    flag = "declared" if d.declared else d.severity
                    reason = f": {d.declared}" if d.declared else ""
                    md.append(f"- #{e.index} `{e.label}`: **{flag}** {d.line()}{reason}")
            md.append("")
        if self.unused_divergences:
            md += ["## Declared divergences not observed", ""]
            md += [f"- {u}" for u in self.unused_divergences]
        return "\n".join(md) + "\n"

    def write(self, json_path: Path | None = None, markdown_path: Path | None = None) -> None:
        if json_path:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(self.to_json(), encoding="utf-8")
        if markdown_path:
            markdown_path.parent.mkdir(parents=True, exist_ok=True)
            markdown_path.write_text(self.to_markdown(), encoding="utf-8")

    def render(self, console: Console | None = None, *, verbose: bool = False) -> None:
        console = console or Console()
        table = Table(title=f"Contract verification against [bold]{self.target}[/bold]")
        # the scenario name goes last so that, in a narrow terminal, only it folds
        table.add_column("Status", no_wrap=True)
        table.add_column("Exch.", justify="right", no_wrap=True)
        table.add_column("Evidence", no_wrap=True)
        table.add_column("Scenario", overflow="fold")
        for s in self.scenarios:
            style = {"ok": "green", "drift": "red", "error": "red", "skipped": "yellow"}.get(
                s.status.split(" ")[0], "white"
            )
            table.add_row(Text(s.status, style=style), str(len(s.exchanges)), s.kind, s.name)
        console.print(table)
        for s in self.scenarios:
            interesting = [
                e
                for e in s.exchanges
                if any(verbose or d.severity != "info" for d in e.drifts) or (verbose and e.skipped)
            ]
            if not (s.error or s.skipped or interesting):
                continue
            _say(console, f"{s.name}", "bold")
            if s.error:
                _say(console, f"  error: {s.error}", "red")
            if s.skipped:
                _say(console, f"  skipped: {s.skipped}", "yellow")
            for e in interesting:
                if e.skipped:
                    console.print(
                        Text(f"  #{e.index} {e.label}: skipped ({e.skipped})", style="yellow")
                    )
                for d in e.drifts:
                    if d.severity == "info" and not verbose:
                        continue
                    if d.declared:
                        style, tag = "cyan", f"  [declared: {d.declared}]"
                    else:
                        style, tag = ("red" if d.severity == "error" else "yellow"), ""
                    _say(console, f"  #{e.index} {e.label}: {d.line()}{tag}", style)
        for u in self.unused_divergences:
            _say(console, f"declared divergence not observed: {u}", "dim")
        c = self.counts()
        verdict = Text(
            "DRIFT" if self.failing else "OK", style="bold red" if self.failing else "bold green"
        )
        console.print(
            verdict,
            f"{c['scenarios']} scenarios, {c['failing_drifts']} failing drifts, "
            f"{c['declared_divergences']} declared divergences, {c['skipped']} skipped",
        )


def _say(console: Console, text: str, style: str) -> None:
    console.print(Text(text, style=style), soft_wrap=True)

"""How ``keap-connector deliver`` shows a batch on the terminal: the live progress bar and the
summary printed at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from connector.batch.ledger import LeadResult
from connector.batch.state import BatchStats, BatchSummary

OUTCOMES = ("success", "failure", "error", "skip", "not_delivered")
OUTCOME_STYLE = {
    "success": "green",
    "failure": "yellow",
    "error": "red",
    "skip": "cyan",
    "not_delivered": "magenta",
}


def counts_text(stats: BatchStats) -> str:
    """The running counts per outcome (not_delivered only once there are some)."""
    parts = []
    for outcome in OUTCOMES:
        n = stats.counts.get(outcome, 0)
        if n or outcome != "not_delivered":
            parts.append(f"[{OUTCOME_STYLE[outcome]}]{outcome} {n}[/]")
    if stats.already_delivered:
        parts.append(f"[dim](resumed: {stats.already_delivered} already delivered)[/]")
    return "  ".join(parts)


class DeliveryProgress:
    """The live bar of a batch (none when ``enabled`` is false): its hooks are the runner's
    ``on_start`` and ``on_result``."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        if enabled:
            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("[dim]{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )

    def on_start(self, stats: BatchStats) -> None:
        if self.bar is not None:
            self.task = self.bar.add_task("delivering", total=stats.total, counts="", rate="")

    def on_result(self, _res: LeadResult | None, stats: BatchStats) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(
                self.task,
                completed=stats.finished,
                counts=counts_text(stats),
                rate=f"{stats.rate:.1f} leads/s",
            )

    @contextlib.contextmanager
    def showing(self) -> Iterator[None]:
        """The bar on screen while the batch runs."""
        if self.bar is None:
            yield
            return
        with self.bar:
            yield


def print_summary(console: Console, summary: BatchSummary) -> None:
    """The table of outcomes, then what the run did about earlier runs, where its files are,
    and how it ended."""
    console.print(_summary_table(summary))
    _print_resume_notes(console, summary)
    _print_output_files(console, summary)
    console.print(f"Took {summary.elapsed:.1f} s.")
    _print_ending(console, summary)


def _summary_table(summary: BatchSummary) -> Table:
    table = Table(title="Delivery summary", show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("leads", justify="right")
    for outcome in OUTCOMES:
        n = summary.counts.get(outcome, 0)
        if n or outcome != "not_delivered":
            table.add_row(f"[{OUTCOME_STYLE[outcome]}]{outcome}[/]", str(n))
    table.add_row("[bold]total[/]", f"[bold]{summary.total}[/]")
    return table


def _print_resume_notes(console: Console, summary: BatchSummary) -> None:
    if summary.already_delivered:
        console.print(
            f"Resumed: {summary.already_delivered} lead(s) were already delivered and were "
            "not sent again."
        )
    if summary.in_doubt_reconciled:
        console.print(
            f"Found {summary.in_doubt_reconciled} lead(s) that were in flight when the previous "
            "run stopped already in Keap: recorded as delivered, not sent again."
        )
    if summary.in_doubt_redelivered:
        console.print(
            f"Re-sent {summary.in_doubt_redelivered} lead(s) that were in flight when the "
            "previous run stopped (not found in Keap, or matched by an upsert)."
        )


def _print_output_files(console: Console, summary: BatchSummary) -> None:
    console.print(f"Results:     {summary.results_path}")
    if summary.dead_letter_count:
        console.print(
            f"Dead letter: {summary.dead_letter_path} ({summary.dead_letter_count} lead(s) "
            "ended in error; deliver that file again later to retry them)"
        )
    if summary.failures_count and summary.failures_path is not None:
        console.print(
            f"Failures:    {summary.failures_path} ({summary.failures_count} lead(s) Keap or "
            "the flow refused; the results file names the failed step. Fix and deliver again)"
        )


def _print_ending(console: Console, summary: BatchSummary) -> None:
    """Why the run stopped early, or its first error."""
    if summary.stopped:
        style = "yellow" if summary.interrupted else "bold red"
        console.print(f"[{style}]{summary.stopped}[/]")
        if summary.counts.get("not_delivered"):
            console.print(
                f"{summary.counts['not_delivered']} lead(s) were not sent. Run the same command "
                "with --resume to deliver them; delivered leads are not sent twice."
            )
    elif summary.first_error is not None:
        fe = summary.first_error
        console.print(f"[red]First error: line {fe.line}: {fe.reason}[/]")

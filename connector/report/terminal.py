"""The delivery report as a terminal table (``keap-connector report``'s default format)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from connector.report.report import Report, ReportRow, period_label

_COLUMNS = [
    ("total", "right"),
    ("success", "right"),
    ("failure", "right"),
    ("error", "right"),
    ("skip", "right"),
    ("success %", "right"),
    ("avg ms", "right"),
    ("p95 ms", "right"),
    ("dup %", "right"),
]


def print_report(console: Console, report: Report) -> None:
    """The table by period with its total, then the alerts and the targets."""
    console.print(_report_table(report))
    if report.alerts:
        console.print("[bold red]Alerts[/]")
        for alert in report.alerts:
            console.print(f"  [red]! {alert}[/]")
    else:
        console.print("[green]No alerts.[/]")
    _print_targets(console, report)


def _report_table(report: Report) -> Table:
    table = Table(
        title=f"Deliveries by {report.group_by}",
        caption="success rate excludes skips; ! marks a value past the alert threshold",
    )
    table.add_column(period_label(report.group_by), justify="left")
    for name, justify in _COLUMNS:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in [*report.rows, report.total]:
        table.add_row(
            *_row_cells(report, row),
            end_section=row is report.rows[-1] if report.rows else False,
        )
    return table


def _row_cells(report: Report, row: ReportRow) -> list[str]:
    t = report.thresholds
    sr, avg, dup = row.success_rate, row.avg_response_ms, row.duplicate_pct
    return [
        f"[bold]{row.period}[/]" if row is report.total else row.period,
        str(row.total),
        str(row.successes),
        str(row.failures),
        str(row.errors),
        str(row.skips),
        _flagged(sr, sr is not None and sr < t.min_success_rate),
        _flagged(avg, avg is not None and avg > t.max_avg_response_ms),
        _flagged(row.p95_response_ms, False),
        _flagged(dup, dup is not None and dup > t.max_duplicate_pct),
    ]


def _flagged(value: float | None, bad: bool) -> str:
    """A figure, marked when it is past its alert threshold."""
    if value is None:
        return "-"
    return f"[bold red]{value:g} ![/]" if bad else f"{value:g}"


def _print_targets(console: Console, report: Report) -> None:
    if not report.target_status:
        return
    console.print("[bold]Targets[/] (overall)")
    for t in report.target_status:
        word = {None: "[dim]no data[/]", True: "[green]met[/]", False: "[red]missed[/]"}
        value = "-" if t["value"] is None else f"{t['value']:g}"
        console.print(f"  {t['name']} {t['target']}: {word[t['met']]} ({value})")

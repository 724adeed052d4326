"""``keap-connector report``: summarise the delivery log (table, CSV, JSON, HTML page)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from connector.cli_support import fail, log_db_option, make_console
from connector.report.html import render_html
from connector.report.log import DeliveryLog, default_log_path
from connector.report.report import (
    GROUP_CHOICES,
    Report,
    Targets,
    Thresholds,
    report_from_log,
    to_csv,
    to_json,
)
from connector.report.terminal import print_report


def _monitoring(
    config_path: str | None, flags: dict[str, float | None]
) -> tuple[Thresholds, Targets]:
    """Thresholds and targets: the flow's ``monitoring:`` section, then the report flags."""
    from connector.config import Monitoring, read_monitoring

    monitoring = read_monitoring(config_path) if config_path else Monitoring()
    alerts = {k: v for k, v in monitoring.alerts.model_dump().items() if v is not None}
    targets = monitoring.targets.model_dump()
    for key, value in flags.items():
        if value is None:
            continue
        if key.startswith("target_"):
            targets[key.removeprefix("target_")] = value
        else:
            alerts[key] = value
    return Thresholds(**alerts), Targets(**targets)


@click.command()
@click.option(
    "--since",
    default="30d",
    show_default=True,
    help="30d, 12h, 2w, 90m, a date (2026-11-01) or all.",
)
@click.option("--group-by", type=click.Choice(GROUP_CHOICES), default="day", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML page with charts.",
)
@log_db_option
@click.option("--fail-on-alert", is_flag=True, help="Exit 1 when a threshold is crossed.")
@click.option(
    "--config",
    "-c",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False, exists=True),
    help="Read thresholds and targets from this flow's monitoring: section.",
)
@click.option("--min-success-rate", type=float, default=None, help="Alert below this %.")
@click.option("--max-response-ms", type=float, default=None, help="Alert above this average.")
@click.option("--max-duplicate-pct", type=float, default=None, help="Alert above this %.")
@click.option("--target-success-rate", type=float, default=None, help="Target success %.")
@click.option("--target-response-ms", type=float, default=None, help="Target average ms.")
def report(
    since: str,
    group_by: str,
    fmt: str,
    html_path: Path | None,
    log_db: str | None,
    fail_on_alert: bool,
    config_path: str | None,
    min_success_rate: float | None,
    max_response_ms: float | None,
    max_duplicate_pct: float | None,
    target_success_rate: float | None,
    target_response_ms: float | None,
) -> None:
    """Summarise the delivery log: counts, success rate, response times, duplicates, alerts."""
    path = Path(log_db) if log_db else default_log_path()
    if not path.exists():
        fail(f"no delivery log at {path} (deliver some leads first, or pass --log-db)")
    flags = {
        "min_success_rate": min_success_rate,
        "max_avg_response_ms": max_response_ms,
        "max_duplicate_pct": max_duplicate_pct,
        "target_min_success_rate": target_success_rate,
        "target_max_avg_response_ms": target_response_ms,
    }
    rep = _build_report(path, config_path, flags, since=since, group_by=group_by)
    _emit_report(rep, fmt, html_path)
    sys.exit(1 if fail_on_alert and rep.alerts else 0)


def _build_report(
    path: Path,
    config_path: str | None,
    flags: dict[str, float | None],
    *,
    since: str,
    group_by: str,
) -> Report:
    """The report of the log at ``path``; a bad threshold or period exits 2."""
    try:
        thresholds, targets = _monitoring(config_path, flags)
    except ValueError as exc:
        fail(str(exc))
    with DeliveryLog(path) as log:
        try:
            return report_from_log(
                log, since=since, group_by=group_by, thresholds=thresholds, targets=targets
            )
        except ValueError as exc:
            fail(str(exc))


def _emit_report(rep: Report, fmt: str, html_path: Path | None) -> None:
    """The report on stdout in ``fmt``, and as an HTML page when asked."""
    if fmt == "csv":
        click.echo(to_csv(rep), nl=False)
    elif fmt == "json":
        click.echo(to_json(rep))
    else:
        print_report(make_console(), rep)
    if html_path is not None:
        html_path.write_text(render_html(rep), encoding="utf-8")
        make_console(stderr=fmt != "table").print(f"HTML report written to {html_path}")

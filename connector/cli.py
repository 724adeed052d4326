"""``keap-connector``: deliver lead files, check a flow against Keap, report on deliveries.

The commands are thin: batch logic lives in :mod:`connector.batch` (``deliver``'s body in
:mod:`connector.batch.file_run`), the delivery log and the report in :mod:`connector.report`.
``deliver``, ``test-connection`` and ``send-test-lead`` are here; ``auth`` is
:mod:`connector.client.auth_command`, ``report`` :mod:`connector.report.command`, ``serve``
:mod:`connector.serve.command`; what they share is :mod:`connector.cli_support`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from connector.batch.file_run import (
    MAX_INVALID_LINES_SHOWN,
    batch_options,
    check_columns,
    failures_wanted,
    run_deliver,
)
from connector.batch.state import BatchOptions, BatchSummary
from connector.batch.timing import MeteredConnector, WaitMeter
from connector.cli_support import config_option, fail, log_db_option, make_console
from connector.client.auth_command import auth as auth_command
from connector.report import DeliveryLog, default_log_path
from connector.report.command import report as report_command
from connector.serve.command import serve as serve_command

#: Public names of this module before the batch's parts moved to connector.batch.file_run.
__all__ = ["MAX_INVALID_LINES_SHOWN", "check_columns", "load_connector", "main", "run_deliver"]


def load_connector(config_path: str) -> Any:
    """Build the connector for a flow file (tests replace this to deliver to a fake).

    The connector sleeps through a :class:`WaitMeter`, and ``deliver`` is wrapped so that each
    result carries ``waited``: the report's response time then excludes our own pacing.
    """
    from connector import Connector  # imported late: keeps `report` usable without a flow

    meter = WaitMeter()
    return MeteredConnector(Connector.from_file(config_path, sleep=meter.sleep), meter)


def _open_connector(config_path: str) -> Any:
    try:
        connector = load_connector(config_path)
    except Exception as exc:  # config problems are shown, not traced
        fail(str(exc))
    for note in getattr(getattr(connector, "config", None), "load_notes", []):
        make_console(stderr=True).print(f"[yellow]note: {note}[/]", markup=False)
    return connector


def _open_log(path: str | None, disabled: bool = False) -> DeliveryLog | None:
    if disabled:
        return None
    return DeliveryLog(path or default_log_path())


def _close(connector: Any, log: DeliveryLog | None = None) -> None:
    """Close the delivery log, then the connector's HTTP client when it has one."""
    if log is not None:
        log.close()
    close = getattr(connector, "close", None)
    if callable(close):
        close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="keapsim", prog_name="keap-connector")
def main() -> None:
    """Deliver leads to Keap and report on the deliveries."""


# -- deliver -------------------------------------------------------------------------------------
@main.command()
@config_option
@click.argument("input_path", metavar="LEADS", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Results file, one JSON line per lead [default: LEADS.results.jsonl].",
)
@click.option(
    "--dead-letter",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Leads that ended in error, in the input's format [default: LEADS.dead-letter.*].",
)
@click.option(
    "--failures",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Leads that ended in failure, in the input's format [default: LEADS.failures.*].",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted batch; skip delivered leads.")
@click.option("--overwrite", is_flag=True, help="Start over even if a results file exists.")
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Leads delivered concurrently (HTTP requests follow keap.rate_limit).",
)
@click.option(
    "--max-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Also cap the leads started per second.",
)
@click.option(
    "--on-error",
    type=click.Choice(["continue", "stop"]),
    default=None,
    help="Override the flow's on_error.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "jsonl"]),
    default="auto",
    show_default=True,
)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--strict-input", is_flag=True, help="Send nothing if any input line is invalid.")
@log_db_option
@click.option("--no-log", is_flag=True, help="Do not write the delivery log.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def deliver(
    config_path: str,
    input_path: Path,
    results: Path | None,
    dead_letter: Path | None,
    failures: Path | None,
    resume: bool,
    overwrite: bool,
    workers: int,
    max_rate: float | None,
    on_error: str | None,
    fmt: str,
    encoding: str,
    strict_input: bool,
    log_db: str | None,
    no_log: bool,
    no_progress: bool,
) -> None:
    """Deliver every lead of LEADS (CSV with a header row, or JSON lines) to Keap."""
    if not input_path.exists():
        fail(f"{input_path}: no such file")
    connector = _open_connector(config_path)
    config = getattr(connector, "config", None)
    options = batch_options(
        config, workers=workers, max_rate=max_rate, on_error=on_error, resume=resume
    )
    log = _open_log(log_db, no_log)
    summary = _deliver_then_close(
        connector,
        log,
        input_path,
        config=config,
        options=options,
        failures=failures,
        results=results,
        dead_letter=dead_letter,
        fmt=fmt,
        encoding=encoding,
        overwrite=overwrite,
        strict_input=strict_input,
        progress=not no_progress,
    )
    sys.exit(summary.exit_code)


def _deliver_then_close(
    connector: Any,
    log: DeliveryLog | None,
    input_path: Path,
    *,
    config: Any,
    options: BatchOptions,
    failures: Path | None,
    **run_args: Any,
) -> BatchSummary:
    """Run the batch through the connector's delivery functions; close connector and log after."""
    try:
        return run_deliver(
            connector.deliver,
            input_path,
            options=options,
            log=log,
            deliver_in_doubt=getattr(connector, "deliver_in_doubt", None),
            config=config,
            failures=failures or failures_wanted(config),
            **run_args,
        )
    finally:
        _close(connector, log)


# -- test-connection -----------------------------------------------------------------------------
@main.command("test-connection")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def test_connection(config_path: str, as_json: bool) -> None:
    """Check the credential and what the flow refers to (tags, sequences, custom fields...)."""
    from connector.batch.preflight import check_flow, print_preflight

    connector = _open_connector(config_path)
    try:
        findings = check_flow(connector)
    finally:
        _close(connector)
    if as_json:
        click.echo(findings.to_json())
    else:
        print_preflight(make_console(), findings)
    sys.exit(0 if findings.ok else 1)


# -- send-test-lead ------------------------------------------------------------------------------
@main.command("send-test-lead")
@config_option
@click.option("--email", default=None, help="Use this e-mail instead of the test lead's.")
@click.option(
    "--lead",
    "lead_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Send this lead (a JSON object) instead of the built-in test lead.",
)
@click.option("--log-db", default=None, help="Delivery log to record the attempt in.")
@click.option("--no-log", is_flag=True)
def send_test_lead(
    config_path: str, email: str | None, lead_path: Path | None, log_db: str | None, no_log: bool
) -> None:
    """Send a test lead, then read back the contact, its tags and its sequences from Keap."""
    from connector.batch.preflight import TEST_LEAD, print_test_lead, send_test

    lead = _read_lead_file(lead_path) if lead_path else dict(TEST_LEAD)
    connector = _open_connector(config_path)
    if email:
        lead["email"] = email
    log = _open_log(log_db, no_log)
    try:
        outcome = send_test(connector, lead, log=log)
    finally:
        _close(connector, log)
    print_test_lead(make_console(), lead, outcome)
    sys.exit(0 if outcome.result.outcome in ("success", "skip") else 1)


def _read_lead_file(path: Path) -> dict[str, Any]:
    try:
        lead = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{path}: not a JSON object: {exc}")
    if not isinstance(lead, dict):
        fail(f"{path}: expected one JSON object (a lead), found {type(lead).__name__}")
    return lead


main.add_command(auth_command)  # keap-connector auth (connector/client/auth_command.py)
main.add_command(report_command)  # keap-connector report (connector/report/command.py)
main.add_command(serve_command)  # keap-connector serve (connector/serve/)

if __name__ == "__main__":
    main()

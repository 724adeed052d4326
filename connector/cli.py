"""``keap-connector``: deliver lead files, check a flow against Keap, report on deliveries.

The commands are thin: batch logic lives in :mod:`connector.batch`, the delivery log and the
report in :mod:`connector.report`. ``deliver``, ``test-connection`` and ``send-test-lead`` are
here; ``auth`` is :mod:`connector.client.auth_command`, ``report``
:mod:`connector.report.command`, ``serve`` :mod:`connector.serve.command`; what they share is
:mod:`connector.cli_support`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from connector.batch import (
    BatchOptions,
    BatchRunner,
    BatchSummary,
    InputFileError,
    read_leads,
)
from connector.batch.console import DeliveryProgress, print_summary
from connector.batch.readers import LeadFile
from connector.batch.timing import MeteredConnector, WaitMeter
from connector.cli_support import config_option, fail, log_db_option, make_console
from connector.client.auth_command import auth as auth_command
from connector.fields import FieldMap, template_references
from connector.report import (
    DeliveryLog,
    default_log_path,
)
from connector.report.command import report as report_command
from connector.serve.command import serve as serve_command

MAX_INVALID_LINES_SHOWN = 20


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
def _default_paths(source: Path, fmt: str) -> tuple[Path, Path]:
    stem = source.with_suffix("")
    ext = ".csv" if fmt == "csv" else ".jsonl"
    return Path(f"{stem}.results.jsonl"), Path(f"{stem}.dead-letter{ext}")


def _default_failures_path(source: Path, fmt: str) -> Path:
    ext = ".csv" if fmt == "csv" else ".jsonl"
    return Path(f"{source.with_suffix('')}.failures{ext}")


def check_columns(source: LeadFile, config: Any, console: Console) -> None:
    """Exit 2 before sending when no column can identify a lead; warn about unused columns."""
    fields = FieldMap(getattr(config, "fields", None) or {})
    columns = source.columns()
    if not fields.identifies(columns):
        fail(
            f"{source.path}: no column identifies a lead (an e-mail or a phone); found "
            f"{', '.join(columns) or 'no columns'}. Name one email or phone, or map it in the "
            'flow: fields: {"Your Column": email}. Nothing was sent.'
        )
    templates = config.templates() if hasattr(config, "templates") else []
    unknown = fields.unknown(columns, template_references(templates))
    if unknown:
        console.print(
            f"[yellow]warning: column(s) not used by the flow: {', '.join(unknown)} "
            "(map them with fields:, or use them in templates as lead.<name>)[/]",
            markup=True,
            highlight=False,
        )


class _StopOnSignal:
    """First SIGINT/SIGTERM: stop handing out leads and let in-flight ones finish.

    A second one abandons the in-flight leads at once; they are recorded in the in-flight
    journal and ``--resume`` re-sends them (contacts are upserted, so that is safe).
    """

    def __init__(self, runner: BatchRunner, console: Console) -> None:
        self.runner = runner
        self.console = console
        self.previous: dict[int, Any] = {}
        self.hits = 0

    def __enter__(self) -> _StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        self.hits += 1
        name = signal.Signals(signum).name
        if self.hits == 1:
            self.runner.request_stop(f"interrupted by {name}: stopped handing out leads")
            self.console.print(
                f"\n[yellow]{name}: finishing the leads in flight, then stopping "
                "(press Ctrl-C again to abandon them; --resume will check them in Keap).[/]"
            )
        else:
            self.console.print(f"\n[red]{name} again: abandoning in-flight leads.[/]")
            os._exit(130)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def run_deliver(
    deliver: Callable[[dict[str, Any]], Any],
    input_path: Path,
    *,
    results: Path | None,
    dead_letter: Path | None,
    options: BatchOptions,
    fmt: str = "auto",
    encoding: str = "utf-8",
    log: DeliveryLog | None = None,
    overwrite: bool = False,
    strict_input: bool = False,
    progress: bool = True,
    console: Console | None = None,
    deliver_in_doubt: Callable[[dict[str, Any], datetime], Any] | None = None,
    config: Any = None,
    failures: Path | None | bool = True,
) -> BatchSummary:
    """The body of ``deliver`` once the connector exists (separate so tests can call it)."""
    console = console or make_console()
    source = _read_source(input_path, fmt, encoding, config, console, strict_input=strict_input)
    outputs = _BatchOutputs.choose(input_path, source.format, results, dead_letter, failures)
    if outputs.results.exists() and not options.resume and not overwrite:
        fail(
            f"{outputs.results} exists from an earlier run. Use --resume to continue that batch "
            "(leads already delivered are skipped) or --overwrite to start over."
        )
    bar = DeliveryProgress(console, enabled=progress)
    runner = BatchRunner(
        deliver,
        source,
        results_path=outputs.results,
        dead_letter_path=outputs.dead_letter,
        options=options,
        log=log,
        on_start=bar.on_start,
        on_result=bar.on_result,
        deliver_in_doubt=deliver_in_doubt,
        failures_path=outputs.failures,
    )
    with _StopOnSignal(runner, console), bar.showing():
        summary = runner.run()
    print_summary(console, summary)
    return summary


def _read_source(
    input_path: Path,
    fmt: str,
    encoding: str,
    config: Any,
    console: Console,
    *,
    strict_input: bool,
) -> LeadFile:
    """The lead file, once its columns can identify leads; invalid lines are shown (the
    first few) and, with ``strict_input``, stop the run before anything is sent."""
    try:
        source = read_leads(input_path, fmt=fmt, encoding=encoding)  # type: ignore[arg-type]
    except InputFileError as exc:
        fail(str(exc))
    check_columns(source, config, console)
    invalid = [r for r in source.records if not r.ok]
    for rec in invalid[:MAX_INVALID_LINES_SHOWN]:
        console.print(f"[yellow]{input_path}: line {rec.line}: {rec.error}[/]")
    if len(invalid) > MAX_INVALID_LINES_SHOWN:
        more = len(invalid) - MAX_INVALID_LINES_SHOWN
        console.print(f"[yellow]... and {more} more invalid line(s)[/]")
    if invalid and strict_input:
        fail(f"{len(invalid)} invalid input line(s) and --strict-input: nothing was sent")
    return source


@dataclass(frozen=True)
class _BatchOutputs:
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
    ) -> _BatchOutputs:
        """The paths given, else the defaults next to the input (failures: True = default)."""
        default_results, default_dead = _default_paths(input_path, source_format)
        failures_path = failures if isinstance(failures, Path) else None
        if failures is True:
            failures_path = _default_failures_path(input_path, source_format)
        return cls(results or default_results, dead_letter or default_dead, failures_path)


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
    options = _batch_options(
        config, workers=workers, max_rate=max_rate, on_error=on_error, resume=resume
    )
    log = _open_log(log_db, no_log)
    try:
        summary = run_deliver(
            connector.deliver,
            input_path,
            results=results,
            dead_letter=dead_letter,
            options=options,
            fmt=fmt,
            encoding=encoding,
            log=log,
            overwrite=overwrite,
            strict_input=strict_input,
            progress=not no_progress,
            deliver_in_doubt=getattr(connector, "deliver_in_doubt", None),
            config=config,
            failures=failures or _failures_wanted(config),
        )
    finally:
        _close(connector, log)
    sys.exit(summary.exit_code)


def _batch_options(
    config: Any, *, workers: int, max_rate: float | None, on_error: str | None, resume: bool
) -> BatchOptions:
    """The runner's options: the command's flags over the flow's ``on_error``."""
    behaviour = on_error or _config_value(config, "on_error", "continue")
    mode = _config_value(getattr(config, "duplicates", None), "mode", "update_existing")
    return BatchOptions(
        workers=workers,
        max_rate=max_rate,
        stop_on_error=behaviour == "stop",
        resume=resume,
        # In-doubt leads are looked up in Keap first (deliver_in_doubt); one that cannot be
        # (no e-mail, an address shared in the file) is re-sent only where that is an upsert.
        redeliver_in_doubt=mode in ("update_existing", "skip_existing"),
    )


def _failures_wanted(config: Any) -> bool:
    return bool(getattr(getattr(config, "failures", None), "file", True))


def _config_value(obj: Any, name: str, default: str) -> str:
    value = getattr(obj, name, None)
    if value is None:
        return default
    return str(getattr(value, "value", value))


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
    import json

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

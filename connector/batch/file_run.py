"""The body of ``keap-connector deliver`` once the connector exists: read the lead file,
choose where the batch writes, run it under the signal handler, print the summary.

Separate from the command so tests can call :func:`run_deliver` with any ``deliver``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from connector.batch.console import DeliveryProgress, print_summary
from connector.batch.interrupt import StopOnSignal
from connector.batch.outputs import BatchOutputs
from connector.batch.readers import InputFileError, LeadFile, read_leads
from connector.batch.runner import BatchRunner
from connector.batch.state import BatchOptions, BatchSummary
from connector.cli_support import fail, make_console
from connector.fields import FieldMap, template_references
from connector.report import DeliveryLog

MAX_INVALID_LINES_SHOWN = 20


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
    source = read_source(input_path, fmt, encoding, config, console, strict_input=strict_input)
    outputs = BatchOutputs.choose(input_path, source.format, results, dead_letter, failures)
    _refuse_to_overwrite(outputs, options, overwrite)
    bar = DeliveryProgress(console, enabled=progress)
    runner = _batch_runner(deliver, source, outputs, options, log, bar, deliver_in_doubt)
    with StopOnSignal(runner, console), bar.showing():
        summary = runner.run()
    print_summary(console, summary)
    return summary


def _batch_runner(
    deliver: Callable[[dict[str, Any]], Any],
    source: LeadFile,
    outputs: BatchOutputs,
    options: BatchOptions,
    log: DeliveryLog | None,
    bar: DeliveryProgress,
    deliver_in_doubt: Callable[[dict[str, Any], datetime], Any] | None,
) -> BatchRunner:
    """The runner writing to ``outputs`` and reporting each lead's start and end to ``bar``."""
    return BatchRunner(
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


def _refuse_to_overwrite(outputs: BatchOutputs, options: BatchOptions, overwrite: bool) -> None:
    if outputs.results.exists() and not options.resume and not overwrite:
        fail(
            f"{outputs.results} exists from an earlier run. Use --resume to continue that batch "
            "(leads already delivered are skipped) or --overwrite to start over."
        )


def read_source(
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


def batch_options(
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


def failures_wanted(config: Any) -> bool:
    """Whether the flow keeps the failures file (``failures.file``; on by default)."""
    return bool(getattr(getattr(config, "failures", None), "file", True))


def _config_value(obj: Any, name: str, default: str) -> str:
    value = getattr(obj, name, None)
    if value is None:
        return default
    return str(getattr(value, "value", value))

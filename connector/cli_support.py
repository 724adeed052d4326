"""What every ``keap-connector`` command shares: its consoles, how it fails, its common options."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from rich.console import Console

EXIT_USAGE = 2


def make_console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        # Piped or captured output: do not squeeze tables into 80 columns.
        console = Console(stderr=stderr, highlight=False, soft_wrap=True, width=160)
    return console


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    make_console(stderr=True).print(f"[bold red]error:[/] {message}")
    sys.exit(code)


config_option = click.option(
    "--config", "-c", "config_path", required=True, type=click.Path(dir_okay=False)
)
log_db_option = click.option(
    "--log-db",
    default=None,
    help="Delivery log [default: $KEAP_CONNECTOR_LOG or ./keap-delivery-log.sqlite3].",
)

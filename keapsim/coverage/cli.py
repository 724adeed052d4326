"""``keapsim coverage``: which operations of Keap's official documents keapsim serves."""

from __future__ import annotations

import json
import sys

import click

from .render import render_markdown, render_text
from .report import AREAS, build_report


@click.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON.")
@click.option("--markdown", is_flag=True, help="The docs/coverage.md page.")
@click.option("--missing", is_flag=True, help="List the operations not implemented.")
@click.option(
    "--document", type=click.Choice(["v1", "v2"]), default=None, help="One document only."
)
@click.option("--area", type=click.Choice(AREAS), default=None, help="CRM or commerce only.")
def coverage_command(
    as_json: bool, markdown: bool, missing: bool, document: str | None, area: str | None
) -> None:
    """Operations implemented / total, per document and resource family.

    Exits 1 when keapsim/coverage/exclusions.py is inconsistent with the routes.
    """
    if as_json and markdown:
        raise click.UsageError("choose one of --json and --markdown")
    report = build_report().only(document, area)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(report.to_dict(missing_only=missing), indent=2))
    elif markdown:
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_text(report, missing=missing), nl=False)
    if report.problems:
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        sys.exit(1)

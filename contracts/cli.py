"""``keapsim contracts ...``: verify cassettes against a target and print the drift report.

Registered into the keapsim CLI with ``main.add_command(contracts_group)``; also runs as
``python -m contracts verify --target sim``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from contracts import CASSETTE_DIR, DIVERGENCES_FILE
from contracts.cassette import find_cassettes, load_cassette
from contracts.targets import (
    TARGET_ENV,
    TARGET_URL_ENV,
    Target,
    TargetUnavailable,
    real_target,
    sim_target,
    url_target,
)
from contracts.verify import scenario_name, verify_directory


def make_target_factory(target: str, url: str | None, profile: str) -> Callable[[], Target]:
    """A factory returning a fresh target per cassette (fresh simulator state for ``sim``)."""
    if target == "sim":
        return lambda: sim_target(profile=profile)
    if target == "url":
        if not url:
            raise click.UsageError(f"--target url needs --target-url (or {TARGET_URL_ENV})")
        return lambda: url_target(url)
    if target == "real":
        probe = real_target()  # fails early with a clear reason when credentials are absent
        probe.close()
        creds = probe.credentials
        if not (creds.api_key or creds.access_token):
            # replaying would send placeholders and report every exchange as a 401 drift
            raise TargetUnavailable(
                "verify needs KEAP_API_KEY or KEAP_ACCESS_TOKEN; a refresh token alone is not "
                "spent by verify (refreshing rotates it)"
            )
        return real_target
    raise click.UsageError(f"cannot verify against {target!r}")


@click.group(name="contracts")
def contracts_group() -> None:
    """Contract scenarios, cassettes and drift verification against Keap or keapsim."""


def _cassettes_option(**extra: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--cassettes",
        "cassette_dir",
        type=click.Path(path_type=Path, exists=True),
        default=CASSETTE_DIR,
        show_default=True,
        **extra,
    )


@contracts_group.command("verify")
@click.option(
    "--target",
    type=click.Choice(["sim", "url", "real"]),
    envvar=TARGET_ENV,
    default="sim",
    show_default=True,
    help="Where to replay the cassettes' requests.",
)
@click.option("--target-url", envvar=TARGET_URL_ENV, help="Base URL for --target url.")
@click.option("--profile", default="keap", show_default=True, help="Simulator profile (sim).")
@_cassettes_option(help="Cassette file or directory (recursive).")
@click.option("--scenario", "pattern", help="Only scenarios matching this glob, e.g. 'evidence/*'.")
@click.option(
    "--divergences",
    type=click.Path(path_type=Path),
    default=DIVERGENCES_FILE,
    show_default=True,
    help="Declared, intended divergences.",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write a JSON report.")
@click.option(
    "--markdown", "markdown_path", type=click.Path(path_type=Path), help="Write a Markdown report."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also show skipped exchanges and info-level drifts."
)
def verify_command(
    target: str,
    target_url: str | None,
    profile: str,
    cassette_dir: Path,
    pattern: str | None,
    divergences: Path,
    json_path: Path | None,
    markdown_path: Path | None,
    verbose: bool,
) -> None:
    """Replay every cassette against TARGET and report drift; exit 1 on drift."""
    console = Console()
    try:
        factory = make_target_factory(target, target_url, profile)
    except TargetUnavailable as exc:
        console.print(f"[yellow]cannot verify against {target}:[/yellow] {exc}")
        sys.exit(2)
    report = verify_directory(
        cassette_dir, factory, divergences_file=divergences, pattern=pattern, target_name=target
    )
    report.render(console, verbose=verbose)
    report.write(json_path, markdown_path)
    if not report.scenarios:
        console.print("[yellow]no cassettes matched[/yellow]")
        sys.exit(2)
    sys.exit(1 if report.failing else 0)


@contracts_group.command("list")
@_cassettes_option()
def list_command(cassette_dir: Path) -> None:
    """List cassettes with their provenance (recorded or reconstructed)."""
    console = Console()
    for path in find_cassettes(cassette_dir):
        cassette = load_cassette(path)
        name = cassette.metadata.get("scenario") or scenario_name(path, cassette_dir)
        console.print(
            f"{name:55} {cassette.provenance:22} {len(cassette.exchanges):3} exchanges",
            soft_wrap=True,
            markup=False,
        )


@contracts_group.command("build-evidence")
def build_evidence_command() -> None:
    """Rewrite the reconstructed evidence cassettes from the contracts/evidence/ package."""
    from contracts.evidence import write_all

    for path in write_all():
        click.echo(str(path))


main = contracts_group

if __name__ == "__main__":  # pragma: no cover
    contracts_group()

"""``keapsim scenario``: list the shipped scenarios, or apply one to a running server."""

from __future__ import annotations

import json
import os

import click
import httpx

from ..remote import DEFAULT_URL, admin_headers, error_text
from .loader import ScenarioError, library, load_scenario


@click.group("scenario")
def scenario_group() -> None:
    """Load failure scenarios (tenant setup, fault rules, clock moves)."""


@scenario_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
def list_scenarios(as_json: bool) -> None:
    """The scenarios shipped with keapsim (use a name wherever a FILE is asked)."""
    shipped = {name: load_scenario(path) for name, path in library().items()}
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": name,
                        "description": s.description.strip(),
                        "client_sees": s.client_sees.strip(),
                    }
                    for name, s in shipped.items()
                ]
            )
        )
        return
    for name, scenario in shipped.items():
        click.echo(f"{name}\n  {' '.join(scenario.description.split())}")


@scenario_group.command("apply")
@click.argument("file")
@click.option(
    "--url",
    default=lambda: os.environ.get("KEAPSIM_URL", DEFAULT_URL),
    show_default=f"$KEAPSIM_URL or {DEFAULT_URL}",
    help="The running keapsim server.",
)
@click.option(
    "--admin-token",
    default=lambda: os.environ.get("KEAPSIM_ADMIN_TOKEN"),
    help="The server's admin token, if it was started with one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
def apply(file: str, url: str, admin_token: str | None, as_json: bool) -> None:
    """Apply FILE (a scenario file or a shipped scenario's name) to a running server."""
    try:
        scenario = load_scenario(file)  # validate here: errors name the file and the key
    except ScenarioError as err:
        raise click.ClickException(str(err)) from None
    headers = admin_headers(admin_token)
    document = scenario.model_dump(mode="json", exclude_unset=True)
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/_keapsim/scenarios", json=document, headers=headers, timeout=30
        )
    except httpx.HTTPError as err:
        raise click.ClickException(f"cannot reach keapsim at {url}: {err}") from None
    if response.status_code != 201:
        raise click.ClickException(
            f"{url} refused the scenario ({response.status_code}): {error_text(response)}"
        )
    applied = response.json()
    if as_json:
        click.echo(json.dumps(applied))
        return
    click.echo(f"applied {applied['name']} to tenant {applied['tenant_id']}")
    credentials = applied.get("credentials") or {}
    for key in ("api_key", "access_token", "refresh_token", "client_id", "client_secret"):
        if credentials.get(key):
            click.echo(f"  {key:<14} {credentials[key]}")
    for rule in applied["faults"]:
        click.echo(f"  fault {rule['id']}: {rule.get('name') or rule.get('effect', 'status')}")
    if applied.get("client_sees"):
        click.echo(f"client sees: {' '.join(applied['client_sees'].split())}")

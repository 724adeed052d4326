"""``keapsim state save|load FILE``: snapshots of a running simulator through its admin API."""

from __future__ import annotations

from pathlib import Path

import click
import httpx

from ..remote import DEFAULT_URL, admin_headers, error_text
from .document import SnapshotError, parse_document
from .statefile import encode_document, write_atomic

_url_option = click.option(
    "--url",
    envvar="KEAPSIM_URL",
    default=DEFAULT_URL,
    show_default=True,
    help="The running simulator (env KEAPSIM_URL).",
)
_tenant_option = click.option(
    "--tenant",
    default=None,
    help="One tenant only (default: the whole simulator).",
)
_token_option = click.option(
    "--admin-token",
    envvar="KEAPSIM_ADMIN_TOKEN",
    default=None,
    help="The server's --admin-token, if it has one (env KEAPSIM_ADMIN_TOKEN).",
)


@click.group("state")
def state_group() -> None:
    """Save and load a running simulator's state (versioned JSON)."""


def _client(url: str, admin_token: str | None) -> httpx.Client:
    return httpx.Client(base_url=url.rstrip("/"), headers=admin_headers(admin_token), timeout=60)


def _call(client: httpx.Client, method: str, **kwargs: object) -> httpx.Response:
    try:
        response = client.request(method, "/_keapsim/state", **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as err:
        raise click.ClickException(f"cannot reach keapsim at {client.base_url}: {err}") from err
    if response.status_code != 200:
        raise click.ClickException(
            f"keapsim answered {response.status_code}: {error_text(response)}"
        )
    return response


@state_group.command("save")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@_url_option
@_tenant_option
@_token_option
def save(file: Path, url: str, tenant: str | None, admin_token: str | None) -> None:
    """Write the simulator's state to FILE (atomically: a failed save keeps the old FILE)."""
    params = {"tenant": tenant} if tenant else {}
    with _client(url, admin_token) as client:
        response = _call(client, "GET", params=params)
    document = response.json()
    write_atomic(file, encode_document(document))
    click.echo(f"saved {len(document.get('tenants', []))} tenant(s) to {file}")


@state_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_url_option
@_tenant_option
@_token_option
def load(file: Path, url: str, tenant: str | None, admin_token: str | None) -> None:
    """Load FILE into the simulator (a whole-simulator file replaces all its state)."""
    data = file.read_bytes()
    try:
        parse_document(data, str(file))  # refuse a bad file here, before any request
    except SnapshotError as err:
        raise click.ClickException(str(err)) from err
    params = {"tenant": tenant} if tenant else {}
    with _client(url, admin_token) as client:
        response = _call(
            client, "PUT", params=params, content=data, headers={"Content-Type": "application/json"}
        )
    loaded = response.json()["loaded"]
    click.echo(f"loaded {len(loaded)} tenant(s) from {file}: {', '.join(loaded)}")

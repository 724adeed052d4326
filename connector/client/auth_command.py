"""``keap-connector auth``: authorise the flow's Keap app (OAuth consent) and look after its
tokens."""

from __future__ import annotations

import sys
from typing import Any

import click

from connector.cli_support import config_option, fail


@click.group()
def auth() -> None:
    """Authorise the flow's Keap app (OAuth consent) and look after its tokens."""


def _oauth_settings(config_path: str) -> Any:
    from connector.client.login import LoginError, oauth_credentials
    from connector.config import load_config

    try:
        settings = load_config(config_path).keap
        oauth_credentials(settings)
    except (ValueError, LoginError) as exc:
        fail(str(exc))
    return settings


@auth.command("login")
@config_option
@click.option("--no-browser", is_flag=True, help="Print the consent URL; do not open a browser.")
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=300, show_default=True, help="Seconds."
)
def auth_login(config_path: str, no_browser: bool, timeout: float) -> None:
    """Open Keap's consent page, receive the code on the redirect URI, store the tokens."""
    import webbrowser

    from connector.client.login import LoginError, login

    settings = _oauth_settings(config_path)

    def show(url: str) -> None:
        click.echo("Open this address to authorise keap-connector with Keap:")
        click.echo(url)
        sys.stdout.flush()
        if not no_browser:
            webbrowser.open(url)

    click.echo(f"Waiting for Keap on {settings.credentials.redirect_uri} ...")
    try:
        tokens = login(settings, open_browser=show, wait=timeout)
    except LoginError as exc:
        fail(str(exc), 1)
    account = (
        f" for {tokens.scope.split('|', 1)[1]}" if tokens.scope and "|" in tokens.scope else ""
    )
    click.echo(f"Authorised{account}. Tokens written to {settings.credentials.token_store}.")


@auth.command("status")
@config_option
def auth_status(config_path: str) -> None:
    """Where the tokens are, which app and account they are for, and when they expire."""
    from connector.client.login import token_status

    status = token_status(_oauth_settings(config_path))
    click.echo(f"token store  {status.path}")
    click.echo(f"client id    {status.client_id}")
    click.echo(f"token url    {status.token_url}")
    if not status.exists or status.problem:
        click.echo(status.problem or "no tokens: run keap-connector auth login")
        sys.exit(1)
    click.echo(f"account      {status.tenant or 'unknown'} (scope {status.scope or '-'})")
    if status.expires_in is None:
        click.echo("access token expiry unknown (refreshed when Keap answers 401)")
    elif status.expires_in > 0:
        click.echo(f"access token expires in {status.expires_in / 3600:.1f} h")
    else:
        click.echo("access token expired; the next request refreshes it")


@auth.command("logout")
@config_option
def auth_logout(config_path: str) -> None:
    """Delete the stored tokens (revoke the app in Keap too if it should lose access)."""
    from connector.client.auth import TokenStore

    settings = _oauth_settings(config_path)
    store = TokenStore(settings.credentials.token_store)
    removed = store.remove()
    click.echo(f"removed {store.path}" if removed else f"no tokens at {store.path}")

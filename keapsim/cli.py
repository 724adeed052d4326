"""``keapsim``: serve the simulator, load scenarios and state, verify contracts."""

from __future__ import annotations

import gc
import importlib
import ipaddress
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

import click

from .server import DEFAULT_THREADS

# The serve path imports the simulator (Flask) inside the command, so that
# ``keapsim --help`` and the other commands start without them (bench/bench_startup.py).
if TYPE_CHECKING:
    from .config import Profile
    from .server import SimulatorServer
    from .simulator import Simulator

COMMAND_GROUP = "keapsim.commands"
"""Entry-point group through which other packages add ``keapsim`` subcommands (``contracts``
registers ``keapsim contracts`` there): keapsim itself never names them."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Start-up with the cyclic garbage collector paused, then what it built frozen.

    Building the simulator creates modules, classes, the URL map and the default tenant, and
    these live as long as the process. While they are built, the collector would walk the
    growing heap again and again: 30-40 ms of a ~0.25 s cold start here
    (bench/bench_startup.py). Afterwards ``gc.freeze()`` moves them to the permanent
    generation, which no later collection walks, as ``keapsim.store.memory.bulk_load`` does
    for loaded records. The price is the few reference cycles that start-up leaves as garbage
    (about 900 objects): they are frozen too and never freed. A collection to find them first
    would cost most of the saving. Seeding, state files and scenarios run after, with the
    collector as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LazyGroup(click.Group):
    """Subcommands load on first use, so that ``keapsim serve`` starts faster: keapsim's own
    from their modules, other packages' from the :data:`COMMAND_GROUP` entry points."""

    lazy_commands = {
        "scenario": ("keapsim.scenarios.cli", "scenario_group"),
        "state": ("keapsim.snapshots.cli", "state_group"),
        "coverage": ("keapsim.coverage.cli", "coverage_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        from importlib.metadata import entry_points  # 20 ms: only for help and foreign names

        plugged = {entry.name for entry in entry_points(group=COMMAND_GROUP)}
        return sorted({*super().list_commands(ctx), *self.lazy_commands, *plugged})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            module, attribute = self.lazy_commands[name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        found = super().get_command(ctx, name)
        if found is not None:
            return found
        from importlib.metadata import entry_points

        for entry in entry_points(group=COMMAND_GROUP, name=name):
            plugged: click.Command = entry.load()
            return plugged
        return None


@click.group(cls=LazyGroup)
@click.version_option(package_name="keapsim")
def main() -> None:
    """keapsim: an offline, stateful twin of the Keap CRM REST API."""


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to bind; loopback by default."
)
@click.option("--port", default=8400, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--seed-data",
    "seed_data",
    default=0,
    show_default=True,
    type=click.IntRange(0, None),
    help="Create N realistic contacts (Faker).",
)
@click.option("--faker-seed", type=int, default=None, help="Make --seed-data reproducible.")
@click.option("--api-key", default=None, help="Fix the default tenant's API key (scripts).")
@click.option(
    "--profile",
    type=click.Choice(["keap", "guide"]),
    default="keap",
    show_default=True,
    help="keap: the live API; guide: the LeadConduit guide.",
)
@click.option(
    "--throttle",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help="Keap's quotas and throttles (off for load tests).",
)
@click.option(
    "--admin-token",
    default=None,
    help="Require this bearer token on /_keapsim (then served beyond loopback).",
)
@click.option(
    "--scenario",
    "scenario",
    default=None,
    help="A scenario file (or the name of a shipped one) to load before serving.",
)
@click.option(
    "--state-file",
    "state_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Load state from this file at start; save it periodically and at exit.",
)
@click.option(
    "--durability",
    type=click.Choice(["interval", "log"]),
    default="interval",
    show_default=True,
    help="With --state-file: interval saves every 30 s (a kill -9 loses the last seconds); "
    "log also appends every change to a log, fsynced before the answer (survives kill -9).",
)
@click.option(
    "--hook-hosts",
    "hook_hosts",
    default="",
    help="Comma-separated hosts (globs; * for any) that REST hooks may be posted to besides "
    "loopback and private addresses.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    help="Another host name the admin API answers to (besides localhost, 127.0.0.1, ::1 "
    "and --host); repeatable.",
)
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256))
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as one JSON line.")
def serve(
    host: str,
    port: int,
    seed_data: int,
    faker_seed: int | None,
    api_key: str | None,
    profile: str,
    throttle: str,
    admin_token: str | None,
    scenario: str | None,
    state_file: str | None,
    durability: str,
    hook_hosts: str,
    allowed_hosts: tuple[str, ...],
    threads: int,
    as_json: bool,
) -> None:
    """Run the simulator on HOST:PORT with a default tenant."""
    # pydantic (loaded later, by the first admin or scenario input) looks for its plugins
    # (validation observers such as logfire) by scanning the entry points of every installed
    # distribution: ~35 ms in a full dev environment. The server process has no use for them;
    # PYDANTIC_DISABLE_PLUGINS= (empty) keeps them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # The modules, the URL map and the default tenant live as long as the process.
    with collector_paused():
        from .server import LOOPBACK_NAMES, SimulatorServer
        from .simulator import Simulator

        sim = Simulator(
            profile=cast("Profile", profile),  # a click.Choice of the profiles
            throttle=throttle == "on",
            api_key=api_key,
            admin_token=admin_token,
            hook_hosts=[h for h in hook_hosts.split(",") if h.strip()],
            allowed_hosts=LOOPBACK_NAMES
            | {host.strip("[]").lower()}
            | {name.strip("[]").lower() for name in allowed_hosts},
        )
    state = None
    if state_file:
        from .snapshots import ChangeLog, SnapshotError, StateFile

        state = ChangeLog(sim, state_file) if durability == "log" else StateFile(sim, state_file)
        for stale in state.remove_stale_temp_files():
            click.echo(f"removed {stale}, left by a save that did not finish", err=True)
        try:
            state.load_if_exists()
        except SnapshotError as err:
            # Refuse to start rather than overwrite a state file we could not read.
            raise click.ClickException(str(err)) from err
    if seed_data:
        from .seed import seed_tenant

        seed_tenant(sim.tenant(), seed_data, faker_seed)
    if scenario:
        from .scenarios import ScenarioError, apply_scenario

        try:
            apply_scenario(sim, scenario)
        except ScenarioError as err:
            raise click.ClickException(str(err)) from err
    if state is not None:
        sim.wsgi_app = state.guard(sim.wsgi_app)  # log mode: answers wait for their fsync
    try:
        server = SimulatorServer(sim, host, port, threads)
    except OSError as err:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {err.strerror or err}"
        ) from err
    sim.base_url = server.url
    _announce(sim, server, as_json, admin_token is None and not _is_loopback(host))
    if state is not None:
        state.start()
    sim.hooks.start()  # deliveries fall due on the simulator clock; post them as they do

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.hooks.stop()
        server.stop()
        if state is not None:
            try:
                state.close()
            except Exception as err:  # a full disk: say so, without a traceback
                message = f"could not save the state to {state_file}: {err}"
                raise click.ClickException(message) from None
            click.echo(f"state saved to {state_file}", err=True)


def _announce(sim: Simulator, server: SimulatorServer, as_json: bool, open_admin: bool) -> None:
    creds = sim.default_tenant or sim.create_tenant()
    sim.default_tenant = creds
    info = {
        "base_url": f"{server.url}/crm/rest",
        "token_url": f"{server.url}/token",
        "authorize_url": f"{server.url}/app/oauth/authorize",
        "admin_url": f"{server.url}/_keapsim",
        "dashboard_url": f"{server.url}/_keapsim/ui",
        **creds.to_dict(),
    }
    if as_json:
        click.echo(json.dumps(info))
    else:
        click.echo(f"keapsim {time.strftime('%H:%M:%S')} serving on {server.url}")
        for key in (
            "base_url",
            "token_url",
            "authorize_url",
            "admin_url",
            "dashboard_url",
            "tenant_id",
            "api_key",
            "access_token",
            "refresh_token",
            "client_id",
            "client_secret",
            "redirect_uri",
        ):
            click.echo(f"  {key:<14} {info[key]}")
        click.echo(
            f'  try: curl -H "X-Keap-API-Key: {creds.api_key}" {server.url}/crm/rest/v1/contacts'
        )
        click.echo(f"  start page     {server.url}/ (the API, OpenAPI documents, dashboard)")
        from .config import DOCS_HINT

        click.echo(f"  docs           {DOCS_HINT}")
    if open_admin:
        click.echo(
            "note: the admin API answers loopback clients only; pass --admin-token to "
            "use it from elsewhere",
            err=True,
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

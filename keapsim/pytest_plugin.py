"""pytest fixtures for testing Keap integrations against keapsim (registered via ``pytest11``).

- ``keapsim``: a fresh in-process :class:`~keapsim.Simulator` per test (options through the
  ``keapsim`` marker).
- ``keap_client``: an ``httpx.Client`` bound to it through ``httpx.WSGITransport`` (no socket),
  base URL ``http://keapsim.local/crm/rest``, authenticated with the default tenant's API key.
- ``keapsim_server``: one simulator served by waitress on a free loopback port for the whole
  session (for clients in other languages or processes); each test that uses it should take its
  own tenant (``keapsim_server.simulator.create_tenant()``) or the ``keapsim_tenant`` fixture.
- ``keapsim_tenant``: a fresh tenant on the session server, deleted after the test.
- ``keap_hook_receiver``: a :class:`~keapsim.hooks.HookReceiver` that receives the ``keapsim``
  fixture's REST hooks in-process (no socket); subscribe with ``keap_hook_receiver.url`` and
  call ``keapsim.hooks.flush()`` to post what is due.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

# Nothing of keapsim loads until a test asks for one of these fixtures: pytest imports this
# plugin in every session of every project where keapsim is installed, so its import must
# cost next to nothing (bench/bench_startup.py measures it).
if TYPE_CHECKING:
    import httpx

    from .hooks import HookReceiver
    from .server import SimulatorServer
    from .simulator import Simulator, TenantCredentials


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "keapsim(**options): options for the `keapsim` fixture's Simulator, e.g. "
        "@pytest.mark.keapsim(profile='guide', throttle=False)",
    )


@pytest.fixture
def keapsim(request: pytest.FixtureRequest) -> Simulator:
    """A fresh simulator (well under a millisecond to build, so no state is shared between
    tests).

    Throttling is on, as in Keap: an API key may make 10 requests a second. Tests that make
    many calls quickly can ask for ``@pytest.mark.keapsim(throttle=False)``.
    """
    from .simulator import Simulator

    marker = request.node.get_closest_marker("keapsim")
    return Simulator(**(marker.kwargs if marker else {}))


@pytest.fixture
def keap_client(keapsim: Simulator) -> Iterator[httpx.Client]:
    with keapsim.client() as client:
        yield client


@pytest.fixture(scope="session")
def keapsim_server() -> Iterator[SimulatorServer]:
    from .server import SimulatorServer
    from .simulator import Simulator

    server = SimulatorServer(Simulator(base_url="http://127.0.0.1")).start()
    server.simulator.base_url = server.url
    server.simulator.hooks.start()
    try:
        yield server
    finally:
        server.simulator.hooks.stop()
        server.stop()


@pytest.fixture
def keapsim_tenant(keapsim_server: SimulatorServer) -> Iterator[TenantCredentials]:
    sim = keapsim_server.simulator
    credentials = sim.create_tenant()
    try:
        yield credentials
    finally:
        if credentials.tenant_id in sim.tenants:
            sim.delete_tenant(credentials.tenant_id)


@pytest.fixture
def keap_hook_receiver(keapsim: Simulator) -> Iterator[HookReceiver]:
    """Receives the ``keapsim`` simulator's hooks in-process: it answers 200 and echoes
    ``X-Hook-Secret`` unless scripted otherwise (``reply``, ``time_out``)."""
    from .hooks import HookReceiver

    receiver = HookReceiver()
    keapsim.hooks.deliver_to(transport=receiver)
    try:
        yield receiver
    finally:
        keapsim.hooks.deliver_to()

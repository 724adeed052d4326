"""What start-up loads (bench/bench_startup.py measures how long it takes): the command line
and the pytest plugin stay light until they need the simulator."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # fresh interpreters

HEAVY = ("flask", "pydantic", "yaml", "httpx", "rich", "faker")


def loaded_after(statement: str) -> list[str]:
    """Which of the heavy libraries a fresh interpreter has loaded after ``statement``."""
    report = f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    probe = f"import json, sys\n{statement}\n{report}"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout)


def test_importing_the_command_line_loads_none_of_the_heavy_libraries() -> None:
    assert loaded_after("import keapsim.cli") == []


def test_the_pytest_plugin_loads_keapsim_only_when_a_fixture_needs_it() -> None:
    assert loaded_after("import pytest, keapsim.pytest_plugin") == []


def test_the_simulator_serves_without_httpx_or_yaml() -> None:
    loaded = loaded_after(
        "from keapsim import Simulator\n"
        "from werkzeug.test import Client\n"
        "sim = Simulator(api_key='k')\n"
        "assert Client(sim.wsgi_app).get('/crm/rest/v1/contacts', "
        "headers={'X-Keap-API-Key': 'k'}).status_code == 200"
    )
    assert "httpx" not in loaded
    assert "yaml" not in loaded
    assert "rich" not in loaded


def test_serving_loads_no_pydantic() -> None:
    """What ``keapsim serve`` builds (a simulator, its app, the server module) and a first
    answer: pydantic is loaded only by input that needs validating (admin bodies, fault rules,
    scenarios, state documents, settings from the caller) - docs/design/index.md, "Start-up"."""
    loaded = loaded_after(
        "from keapsim.server import SimulatorServer\n"
        "from keapsim.simulator import Simulator\n"
        "from werkzeug.test import Client\n"
        "sim = Simulator(api_key='k', profile='keap', throttle=False)\n"
        "client = Client(sim.wsgi_app)\n"
        "assert client.get('/crm/rest/v1/contacts', "
        "headers={'X-Keap-API-Key': 'k'}).status_code == 200\n"
        "assert client.get('/crm/rest/v2/contacts', "
        "headers={'X-Keap-API-Key': 'k'}).status_code == 200\n"
        "assert client.get('/_keapsim/tenants', "
        "environ_overrides={'REMOTE_ADDR': '127.0.0.1'}).status_code == 200"
    )
    assert "pydantic" not in loaded


def test_the_first_fault_rule_loads_pydantic_to_validate_it() -> None:
    loaded = loaded_after(
        "from keapsim.simulator import Simulator\n"
        "sim = Simulator(api_key='k')\n"
        "sim.faults.add(path='/crm/rest/v1/contacts', canned='throttled')"
    )
    assert "pydantic" in loaded


def test_the_exported_names_resolve_lazily() -> None:
    import keapsim
    from keapsim.simulator import Simulator

    assert keapsim.Simulator is Simulator
    assert "Simulator" in dir(keapsim)
    with pytest.raises(AttributeError):
        keapsim.NoSuchName  # noqa: B018


def test_keapsim_contracts_comes_from_the_entry_point_group() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "keapsim.cli", "contracts", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "verify" in result.stdout

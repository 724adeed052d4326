"""``keapsim state save|load FILE`` against a running server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from keapsim.cli import main
from keapsim.server import SimulatorServer
from keapsim.snapshots import FORMAT_VERSION

from .helpers import populate

pytestmark = pytest.mark.slow  # every test talks to a served simulator


def test_save_then_load_through_the_cli(own_server: SimulatorServer, tmp_path: Path) -> None:
    sim = own_server.simulator
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    path = tmp_path / "saved.json"
    runner = CliRunner()

    saved = runner.invoke(main, ["state", "save", str(path), "--url", own_server.url])
    assert saved.exit_code == 0, saved.output
    assert "saved 1 tenant(s)" in saved.output
    assert json.loads(path.read_text())["tenants"][0]["id"] == sim.default_tenant.tenant_id

    sim.reset()
    assert sim.tenant().contacts == {}
    loaded = runner.invoke(main, ["state", "load", str(path)], env={"KEAPSIM_URL": own_server.url})
    assert loaded.exit_code == 0, loaded.output
    assert f"loaded 1 tenant(s) from {path}: {sim.default_tenant.tenant_id}" in loaded.output
    assert len(sim.tenant().contacts) == 2


def test_one_tenant_through_the_cli(own_server: SimulatorServer, tmp_path: Path) -> None:
    sim = own_server.simulator
    other = sim.create_tenant()
    populate(sim, other)
    path = tmp_path / "one.json"
    runner = CliRunner()
    args = ["--url", own_server.url, "--tenant", other.tenant_id]
    assert runner.invoke(main, ["state", "save", str(path), *args]).exit_code == 0
    assert json.loads(path.read_text())["scope"] == "tenant"
    sim.reset(other.tenant_id)
    assert runner.invoke(main, ["state", "load", str(path), *args]).exit_code == 0
    assert len(sim.tenant(other.tenant_id).contacts) == 2


def test_the_cli_refuses_a_bad_file_before_calling_the_server(
    own_server: SimulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "future.json"
    path.write_text(
        json.dumps(
            {
                "format": "keapsim-state",
                "format_version": FORMAT_VERSION + 1,
                "scope": "simulator",
                "tenants": [],
            }
        )
    )
    before = set(own_server.simulator.tenants)
    result = CliRunner().invoke(main, ["state", "load", str(path), "--url", own_server.url])
    assert result.exit_code == 1
    assert "newer than this keapsim reads" in result.output
    assert set(own_server.simulator.tenants) == before


def test_the_cli_names_an_unreachable_server(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["state", "save", str(tmp_path / "x.json"), "--url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert "cannot reach keapsim at http://127.0.0.1:9" in result.output
    assert not (tmp_path / "x.json").exists()

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Make the repository importable when the project is not pip-installed (plain `pytest`).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from .fakes import FakeConnector  # noqa: E402

HEADER = ["first_name", "last_name", "email", "phone_1", "city"]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def lead(i: int, email: str | None = None) -> dict[str, str]:
    return {
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "email": email if email is not None else f"lead{i}@example.com",
        "phone_1": "",
        "city": "Phoenix",
    }


@pytest.fixture
def fake() -> FakeConnector:
    return FakeConnector()


@pytest.fixture(scope="session")
def sim_server() -> Iterator[Any]:
    """One keapsim server on a free loopback port; each test takes its own tenant."""
    from keapsim import Simulator
    from keapsim.server import SimulatorServer

    sim = Simulator(base_url="http://127.0.0.1")
    server = SimulatorServer(sim).start()
    sim.base_url = server.url
    try:
        yield server
    finally:
        server.stop()

"""What ``keapsim serve`` leaves for later (docs/design/index.md, "Start-up: what the serve path
loads"): a fresh interpreter that builds a simulator, its app and the server module, and answers
a first v1, v2 and admin request, has not loaded the snapshot modules or ctypes; the first v1 and
v2 answers load neither Flask nor the modules of other route families."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter

FIRST_ANSWERS = """
import json, sys
from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator
from werkzeug.test import Client
sim = Simulator(api_key="k", profile="keap", throttle=False)
client = Client(sim.wsgi_app)
assert client.get("/crm/rest/v1/contacts", headers={"X-Keap-API-Key": "k"}).status_code == 200
assert client.get("/crm/rest/v2/contacts", headers={"X-Keap-API-Key": "k"}).status_code == 200
api_only = {
    "flask": "flask" in sys.modules,
    "admin": "keapsim.admin" in sys.modules,
    "other_families": [m for m in ("keapsim.api.v2.orders", "keapsim.api.v1.hooks")
                       if m in sys.modules],
}
admin = client.get("/_keapsim/tenants", environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
assert admin.status_code == 200
loaded = [m for m in ("keapsim.snapshots", "ctypes") if m in sys.modules]
state = client.get("/_keapsim/state", environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
assert state.status_code == 200
print(json.dumps({
    "loaded": loaded,
    "snapshots_after_a_state_request": "keapsim.snapshots" in sys.modules,
    "api_only": api_only,
}))
"""


def first_answers() -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_ANSWERS], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_first_api_answers_load_neither_flask_nor_other_route_families() -> None:
    """The API is answered without Flask; a request imports its route family's modules only
    (``keapsim/api/routing.py``)."""
    report = first_answers()
    assert report["api_only"] == {"flask": False, "admin": False, "other_families": []}


def test_first_answers_leave_snapshots_and_ctypes_for_later() -> None:
    """...and the state route loads the snapshot modules when it is called."""
    report = first_answers()
    assert report["loaded"] == []
    assert report["snapshots_after_a_state_request"] is True

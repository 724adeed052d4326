"""Issue 15, items 1-6, in-process: every adversarial input answers its 4xx (never 500), and
the simulator serves, saves and refreshes normally afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from keapsim import Simulator
from keapsim.snapshots import StateFile

from .cases import CASES, Case


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(throttle=False)


@pytest.fixture(scope="module")
def http(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1", timeout=30)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_adversarial_input_answers_its_4xx(sim: Simulator, http: httpx.Client, case: Case) -> None:
    creds = sim.default_tenant
    assert creds is not None
    response = case.send(http, creds.tenant_id, creds.api_key)
    assert response.status_code in case.statuses, response.text[:300]


def test_the_simulator_is_whole_after_the_table(sim: Simulator, http: httpx.Client) -> None:
    creds = sim.default_tenant
    assert creds is not None
    for case in CASES:
        case.send(http, creds.tenant_id, creds.api_key)
    key = {"X-Keap-API-Key": creds.api_key}
    assert http.get("/crm/rest/v1/contacts", headers=key).status_code == 200
    assert http.get("/_keapsim/ui").status_code == 200
    assert http.get("/_keapsim/tenants/left-behind").status_code == 404
    assert "left-behind" not in sim.tenants
    # The anonymous deep bodies were journaled (they used to vanish with a 500), secret masked.
    anonymous = sim.journal.find(path="/crm/rest/v1/contacts", status=401)
    assert len(anonymous) >= 2
    assert all('"password":"x"' not in e.request_body for e in anonymous)
    refreshed = http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": creds.refresh_token},
        auth=(creds.client_id, creds.client_secret),
    )
    assert refreshed.status_code == 200


def test_a_body_over_the_cap_is_a_413_in_apigees_shape(sim: Simulator, http: httpx.Client) -> None:
    big = b" " * (sim.max_body_bytes + 1)
    response = http.post("/crm/rest/v1/contacts", content=big)
    assert response.status_code == 413
    assert response.json()["fault"]["detail"]["errorcode"] == "protocol.http.TooBigBody"


def test_the_admin_api_answers_only_its_own_host_names() -> None:
    sim = Simulator(allowed_hosts=frozenset({"localhost", "127.0.0.1"}))
    http = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1:8400")
    assert http.get("/_keapsim/state").status_code == 200
    assert http.get("/_keapsim/state", headers={"Host": "localhost:8400"}).status_code == 200
    rebound = http.get("/_keapsim/state", headers={"Host": "rebind.invalid:8400"})
    assert rebound.status_code == 403 and "rebind.invalid" in rebound.json()["error"]
    # Same-origin writes (the dashboard's) still work.
    same = {"Origin": "http://127.0.0.1:8400", "Content-Type": "application/json"}
    advanced = http.post("/_keapsim/clock/advance", content=b'{"seconds":1}', headers=same)
    assert advanced.status_code == 200


def test_a_failed_refresh_does_not_burn_the_refresh_token(sim: Simulator) -> None:
    creds = sim.create_tenant()
    app = sim.oauth_app(creds.client_id)
    with pytest.raises(OverflowError):
        # A lifetime no date can hold: issuing fails after the token was checked.
        sim.identity.rotate_refresh_token(creds.refresh_token, app, sim.clock.time(), 10**400, 60)
    access, _ = sim.identity.rotate_refresh_token(
        creds.refresh_token, app, sim.clock.time(), 60, 60
    )
    assert access.token


def test_a_refused_create_leaves_no_tenant_and_no_credentials(sim: Simulator) -> None:
    taken = sim.create_tenant().api_key
    before = (set(sim.tenants), set(sim.identity.apps), set(sim.identity.api_keys))
    with pytest.raises(ValueError, match="taken"):
        sim.create_tenant(tenant_id="refused", api_key=taken)
    assert (set(sim.tenants), set(sim.identity.apps), set(sim.identity.api_keys)) == before


def test_saves_survive_a_lone_surrogate_put_in_from_python(tmp_path: Path) -> None:
    sim = Simulator()
    tenant_id = sim.tenant().id
    sim.tenant().tags.create(name="bad \ud800 name")
    state = StateFile(sim, tmp_path / "state.json")
    state.save()
    text = state.path.read_text("ascii")  # escaped, so still valid UTF-8 (and ASCII) JSON
    assert "\\ud800" in text
    restored = Simulator(default_tenant=False)
    StateFile(restored, state.path).load()
    names = [t.name for t in restored.tenant(tenant_id).tags.list_by()]
    assert "bad \ud800 name" in names


def test_autosave_survives_a_failing_save(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sim = Simulator()
    state = StateFile(sim, tmp_path / "state.json")
    calls = []

    def failing_save() -> Path:
        calls.append(1)
        if len(calls) == 1:
            raise UnicodeEncodeError("utf-8", "x", 0, 1, "boom")
        return state.path

    state.save = failing_save  # type: ignore[method-assign]
    state.start_autosave(0.01)
    try:
        for _ in range(200):
            if len(calls) >= 2:
                break
            import time

            time.sleep(0.01)
    finally:
        state.stop()
    assert len(calls) >= 2, "the autosave thread died after the first failure"


def test_a_deeply_nested_state_file_is_a_clear_error(tmp_path: Path) -> None:
    from keapsim.snapshots import SnapshotError

    path = tmp_path / "deep.json"
    path.write_text('{"format":"keapsim-state","a":' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(SnapshotError, match="nested too deeply"):
        StateFile(Simulator(), path).load()


def test_journal_masks_a_secret_in_a_body_too_deep_to_parse(sim: Simulator) -> None:
    from keapsim.gateway.journal import _masked_body

    body = b'{"password":"hunter2-secret","a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    text, cut = _masked_body(body, "application/json", 200)
    assert "hunter2" not in text and cut
    assert json.loads(b'{"a":1}') == {"a": 1}


def test_temp_files_of_unfinished_saves_are_removed_at_start(tmp_path: Path) -> None:
    # Issue 15 item 7: a SIGKILL during a save leaves ".state.json.<random>.tmp" (credentials).
    stale = tmp_path / ".state.json.k2j4x9.tmp"
    stale.write_text('{"half": ')
    unrelated = tmp_path / ".other.json.abc.tmp"
    unrelated.write_text("{}")
    state = StateFile(Simulator(), tmp_path / "state.json")
    assert state.remove_stale_temp_files() == [stale]
    assert not stale.exists() and unrelated.exists()

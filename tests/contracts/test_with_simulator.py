"""The contract machinery end to end against keapsim: drift detection, the secret canary,
record -> replay -> verify, the CLI, and real-target skipping."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner

from contracts import CASSETTE_DIR, EVIDENCE_DIR
from contracts.cassette import find_cassettes, load_cassette
from contracts.cli import contracts_group
from contracts.recording import recording
from contracts.session import V1
from contracts.targets import attach_simulator, sim_target, url_target
from contracts.verify import verify_directory

keapsim = pytest.importorskip("keapsim")
from keapsim import Simulator  # noqa: E402
from keapsim.server import SimulatorServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ deliberate divergence
def _rewriting(app: Callable, rewrite: Callable[[str, str, int, Any], tuple[int, Any]]) -> Callable:
    """WSGI middleware: lets a test change one response's status or JSON body."""

    def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(app(environ, capture))
        code = int(captured["status"].split()[0])
        doc = json.loads(body) if body.strip() else None
        new_code, new_doc = rewrite(environ["REQUEST_METHOD"], environ["PATH_INFO"], code, doc)
        out = json.dumps(new_doc).encode() if new_doc is not None else b""
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(out))))
        start_response(f"{new_code} PATCHED", headers)
        return [out]

    return middleware


def _record_contact_scenario(tmp: Path) -> Path:
    sim = Simulator()
    with SimulatorServer(sim, host="127.0.0.1", port=0) as server:
        target = attach_simulator(url_target(server.url), sim)
        path = tmp / "scenarios" / "contacts" / "lifecycle.yaml"
        with recording(path, target, "scenarios/contacts/lifecycle") as keap:
            created = keap.post(
                f"{V1}/contacts",
                json={
                    "given_name": "Ada",
                    "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}],
                },
            ).json()
            assert keap.get(f"{V1}/contacts/{created['id']}").status_code == 200
            assert keap.delete(f"{V1}/contacts/{created['id']}").status_code == 204
        target.close()
    return path


def _sim_factory(patch: Callable[[Simulator], None] | None = None) -> Callable:
    def factory():
        sim = Simulator()
        if patch:
            patch(sim)
        return sim_target(sim)

    return factory


@pytest.mark.slow
def test_a_renamed_field_and_a_changed_status_are_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_contact_scenario(tmp_path)
    clean = verify_directory(tmp_path, _sim_factory(), divergences_file=None, target_name="sim")
    assert not clean.failing, clean.lines()

    def rewrite(method: str, path_info: str, code: int, doc: Any) -> tuple[int, Any]:
        if method == "GET" and path_info.startswith("/crm/rest/v1/contacts/"):
            doc["emails"] = doc.pop("email_addresses")
        if method == "DELETE":
            return 200, None
        return code, doc

    def patch(sim: Simulator) -> None:
        monkeypatch.setattr(sim, "wsgi_app", _rewriting(sim.wsgi_app, rewrite))

    report = verify_directory(
        tmp_path, _sim_factory(patch), divergences_file=None, target_name="sim"
    )
    assert report.failing
    lines = report.lines()
    head = "scenarios/contacts/lifecycle"
    assert (
        f"{head} #2 GET /crm/rest/v1/contacts/1: missing field $.email_addresses (array)" in lines
    )
    assert f"{head} #2 GET /crm/rest/v1/contacts/1: unexpected field $.emails (array)" in lines
    assert (
        "scenarios/contacts/lifecycle #3 DELETE /crm/rest/v1/contacts/1: status 204 -> 200" in lines
    )
    md = report.to_markdown()
    assert "missing field $.email_addresses (array)" in md
    assert json.loads(report.to_json())["counts"]["failing_drifts"] == 3
    assert path.exists()


@pytest.mark.slow
def test_keapsim_contracts_verify_catches_a_patched_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same deliberate divergence, through the command a user runs."""
    from keapsim.cli import main as keapsim_main

    _record_contact_scenario(tmp_path)

    def rewrite(method: str, path_info: str, code: int, doc: Any) -> tuple[int, Any]:
        if method == "GET" and path_info.startswith("/crm/rest/v1/contacts/"):
            doc["emails"] = doc.pop("email_addresses")
        return (200, None) if method == "DELETE" else (code, doc)

    def patched_sim_target(*, profile: str) -> Any:
        sim = Simulator(profile=profile)
        monkeypatch.setattr(sim, "wsgi_app", _rewriting(sim.wsgi_app, rewrite))
        return sim_target(sim)

    monkeypatch.setattr("contracts.cli.sim_target", patched_sim_target)
    md = tmp_path / "drift.md"
    args = ["contracts", "verify", "--target", "sim", "--cassettes", str(tmp_path)]
    result = CliRunner().invoke(keapsim_main, [*args, "--markdown", str(md)])
    assert result.exit_code == 1, result.output
    head = "scenarios/contacts/lifecycle"
    lines = result.output.splitlines()
    assert "  #2 GET /crm/rest/v1/contacts/1: missing field $.email_addresses (array)" in lines
    assert "  #2 GET /crm/rest/v1/contacts/1: unexpected field $.emails (array)" in lines
    assert "  #3 DELETE /crm/rest/v1/contacts/1: status 204 -> 200" in lines
    assert head in lines and lines[-1].startswith("DRIFT")
    assert "**error** status 204 -> 200" in md.read_text()

    # declared with a reason, the same drifts are shown as such and no longer fail the run
    declared = tmp_path.parent / f"{tmp_path.name}-divergences.yaml"  # not a cassette
    declared.write_text(
        "divergences:\n"
        "  - scenario: scenarios/contacts/*\n"
        "    exchange: DELETE /crm/rest/v1/contacts/*\n"
        "    kind: status_change\n"
        "    reason: this build answers deletes with 200\n"
        "  - scenario: scenarios/contacts/lifecycle\n"
        "    exchange: 2\n"
        "    reason: emails renamed on purpose\n"
    )
    result = CliRunner().invoke(keapsim_main, [*args, "--divergences", str(declared)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "  #3 DELETE /crm/rest/v1/contacts/1: status 204 -> 200"
        "  [declared: this build answers deletes with 200]" in lines
    )
    assert "ok (declared divergences)" in result.output and lines[-1].startswith("OK")


@pytest.mark.slow
def test_re_recording_overwrites_a_stale_cassette(tmp_path: Path) -> None:
    path = _record_contact_scenario(tmp_path)
    stale = load_cassette(path)
    stale.exchanges = stale.exchanges * 2
    stale.exchanges[0].response_body = '{"stale": true}'
    stale.save(path)
    _record_contact_scenario(tmp_path)
    fresh = load_cassette(path)
    assert len(fresh.exchanges) == 3
    assert "stale" not in path.read_text()


# ------------------------------------------------------------------ the canary
CANARY = {
    "api_key": "CANARY-API-KEY-7f3a9c",
    "client_id": "canary-client-id-51be",
    "client_secret": "CANARY-CLIENT-SECRET-d41d8c",
}
CANARY_PII = [
    "Zebedee",
    "Quuxington",
    "zebedee.quux@canary-mail.test",
    "2125550199",
    "212-555-0199",
    "742 Evergreen Terrace",
    "Springfield",
    "49007",
    "Cookie-Canary-Value-9d2e",
]


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), secret.lower()}


@pytest.mark.slow
def test_canary_secrets_never_reach_the_cassette(tmp_path: Path) -> None:
    sim = Simulator(default_tenant=False)
    tenant = sim.create_tenant(**CANARY)
    path = tmp_path / "canary.yaml"
    with SimulatorServer(sim, host="127.0.0.1", port=0) as server:
        target = attach_simulator(url_target(server.url), sim, tenant)
        with recording(path, target, "canary") as keap:
            # token refresh with Basic client credentials, then the new bearer token
            r = keap.token(
                {"grant_type": "refresh_token", "refresh_token": tenant.refresh_token}, basic=True
            )
            assert r.status_code == 200
            keap.learn_tokens(r)
            assert keap.get(f"{V1}/contacts", auth="bearer").status_code == 200
            # authorization-code exchange: client_secret and code in the form body
            code = keap.authorization_code()
            r = keap.token(
                {
                    "client_id": tenant.client_id,
                    "client_secret": tenant.client_secret,
                    "code": code,
                    "grant_type": "authorization_code",
                    "redirect_uri": tenant.redirect_uri,
                }
            )
            assert r.status_code == 200
            # legacy query-string token, a JSON body carrying a token, a cookie
            keap.get(f"{V1}/contacts", params={"access_token": tenant.access_token}, auth="none")
            keap.post(
                f"{V1}/contacts",
                json={"access_token": tenant.access_token, "refresh_token": tenant.refresh_token},
            )
            keap.get(f"{V1}/contacts", headers={"Cookie": "session=Cookie-Canary-Value-9d2e"})
            # personal data
            created = keap.post(
                f"{V1}/contacts",
                json={
                    "given_name": "Zebedee",
                    "family_name": "Quuxington",
                    "email_addresses": [
                        {"email": "zebedee.quux@canary-mail.test", "field": "EMAIL1"}
                    ],
                    "phone_numbers": [{"number": "+1 212-555-0199", "field": "PHONE1"}],
                    "addresses": [
                        {
                            "line1": "742 Evergreen Terrace",
                            "locality": "Springfield",
                            "region": "Oregon",
                            "postal_code": "49007",
                            "country_code": "USA",
                            "field": "BILLING",
                        }
                    ],
                },
            )
            assert created.status_code == 201, created.text
            keap.get(f"{V1}/contacts", params={"email": "zebedee.quux@canary-mail.test"})
            keap.get(f"{V1}/contacts/{created.json()['id']}")
        target.close()

    raw = path.read_bytes().decode("utf-8")
    identity = sim.identity
    secrets = [
        *CANARY.values(),
        tenant.access_token,
        tenant.refresh_token,
        *identity.access_tokens,
        *identity.refresh_tokens,
        *identity.codes,
        base64.b64encode(f"{CANARY['client_id']}:{CANARY['client_secret']}".encode()).decode(),
        tenant.host,
    ]
    leaks = [s for s in secrets if any(f in raw for f in _forms(s))]
    assert not leaks, f"secrets leaked into the cassette: {leaks}"
    pii_leaks = [p for p in CANARY_PII if any(f in raw.lower() for f in _forms(p.lower()))]
    assert not pii_leaks, f"personal data leaked into the cassette: {pii_leaks}"
    assert "SCRUBBED-CLIENT-CREDENTIALS" in raw and "SCRUBBED-AUTH-CODE" in raw
    assert "SCRUBBED-ACCESS-TOKEN-2" in raw and "SCRUBBED-CLIENT-SECRET" in raw
    cassette = load_cassette(path)
    assert cassette.metadata["recorded"] is True and cassette.metadata["reconstructed"] is False
    # relations survive pseudonymisation: the email listed is the email created
    emails = {
        ex.response_json()["email_addresses"][0]["email"]
        for ex in cassette.exchanges
        if ex.method in {"POST", "GET"}
        and ex.status in (200, 201)
        and isinstance(ex.response_json(), dict)
        and "email_addresses" in (ex.response_json() or {})
    }
    assert len(emails) == 1 and next(iter(emails)).endswith("@example.com")


# ------------------------------------------------------------------ record -> replay -> verify
def _pytest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:schemathesis",
            "-p",
            "no:hypothesispytest",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("recorded")
    modules = ["contracts/test_oauth.py", "contracts/test_contacts.py", "contracts/test_tags.py"]
    proc = _pytest(*modules, "--target", "url", "--record", "--cassette-dir", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    yield out


@pytest.mark.slow
@pytest.mark.xdist_group("recorded-cassettes")
def test_recording_against_loopback_replays_offline(recorded: Path) -> None:
    files = find_cassettes(recorded)
    assert len(files) >= 15
    for f in files:
        c = load_cassette(f)
        assert c.metadata["recorded_against"].startswith("keapsim")
        assert all("127.0.0.1" in ex.uri for ex in c.exchanges)
    throttled = load_cassette(recorded / "oauth" / "throttled.yaml")
    assert len(throttled.exchanges) == 1  # the set-up burst is not recorded
    assert throttled.exchanges[0].notes == {"requires": ["throttled"]}
    modules = ["contracts/test_oauth.py", "contracts/test_contacts.py", "contracts/test_tags.py"]
    env = {**os.environ, "KEAPSIM_CONTRACT_TARGET": "replay"}
    proc = _pytest(*modules, "--cassette-dir", str(recorded), env=env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " skipped" not in proc.stdout.splitlines()[-1]


@pytest.mark.slow
@pytest.mark.xdist_group("recorded-cassettes")
def test_recorded_cassettes_verify_green_against_the_simulator(recorded: Path) -> None:
    report = verify_directory(recorded, _sim_factory(), target_name="sim")
    assert not report.failing, "\n".join(report.lines())
    assert len(report.scenarios) >= 15
    assert not [s.name for s in report.scenarios if s.skipped]


# ------------------------------------------------------------------ CLI
def test_cli_verify_writes_reports_and_exit_code(tmp_path: Path) -> None:
    runner = CliRunner()
    json_out, md_out = tmp_path / "drift.json", tmp_path / "drift.md"
    result = runner.invoke(
        contracts_group,
        [
            "verify",
            "--target",
            "sim",
            "--cassettes",
            str(EVIDENCE_DIR),
            "--json",
            str(json_out),
            "--markdown",
            str(md_out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(json_out.read_text())
    assert data["failing"] is False and data["counts"]["scenarios"] == len(
        find_cassettes(EVIDENCE_DIR)
    )
    assert "# Contract drift report" in md_out.read_text()


@pytest.mark.slow
def test_cli_exit_code_fails_on_drift(tmp_path: Path) -> None:
    path = _record_contact_scenario(tmp_path)
    cassette = load_cassette(path)
    got = cassette.exchanges[1]
    got.response_body = got.response_body.replace('"email_addresses"', '"email_addressez"')
    cassette.save(path)
    result = CliRunner().invoke(contracts_group, ["verify", "--cassettes", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing field $.email_addressez" in result.output


def test_cli_real_without_credentials_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "KEAP_API_KEY",
        "KEAP_CLIENT_ID",
        "KEAP_CLIENT_SECRET",
        "KEAP_REFRESH_TOKEN",
        "KEAP_ACCESS_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    result = CliRunner().invoke(contracts_group, ["verify", "--target", "real"])
    assert result.exit_code == 2
    assert "KEAP_API_KEY" in result.output
    # OAuth credentials with only a refresh token: verify would have to spend it
    monkeypatch.setenv("KEAP_CLIENT_ID", "cid")
    monkeypatch.setenv("KEAP_CLIENT_SECRET", "secret")
    monkeypatch.setenv("KEAP_REFRESH_TOKEN", "rt")
    result = CliRunner().invoke(contracts_group, ["verify", "--target", "real"])
    assert result.exit_code == 2
    assert "a refresh token alone is not spent by verify" in " ".join(result.output.split())


@pytest.mark.slow
def test_python_dash_m_contracts() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "contracts", "verify", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "--target" in proc.stdout


@pytest.mark.slow
def test_real_target_skips_with_a_clear_reason() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEAP")}
    proc = _pytest("contracts/test_oauth.py", "--target", "real", "-rs", env=env)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "real Keap target needs KEAP_API_KEY" in proc.stdout
    assert " passed" not in proc.stdout.splitlines()[-1]


def test_shipped_scenario_cassettes_are_scrubbed_and_marked() -> None:
    files = find_cassettes(CASSETTE_DIR / "scenarios")
    for f in files:
        c = load_cassette(f)
        assert c.metadata.get("recorded") is True, f
        assert "NOT the real Keap API" in c.metadata.get("recorded_against", "") or (
            c.metadata.get("recorded_against") == "real Keap API"
        )
        text = f.read_text()
        assert "ks-at-" not in text and "ks-rt-" not in text and "KeapAK-" not in text
        assert "ks-secret-" not in text and "ks-client-" not in text


def test_no_scenario_outruns_the_api_key_spike_limit() -> None:
    """Keap (and keapsim) refuse an API key's 11th request within a second; a scenario that
    sends more would be throttled against `real` and flaky against `sim`."""
    for f in find_cassettes(CASSETTE_DIR / "scenarios"):
        assert len(load_cassette(f).exchanges) <= 10, f"{f.name} sends more than 10 requests"

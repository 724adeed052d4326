"""Issue 16 through the command line: CSV exports as LeadConduit users have them, failure
files, monitoring targets, send-test-lead's read-back, and OAuth consent against keapsim serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner

from connector import Connector, cli, parse_config
from connector.batch import load_results
from keapsim import Simulator


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def seeded(sim: Simulator) -> dict[str, int]:
    t = sim.tenant()
    campaign = t.campaigns.create("Nurture", ["Everyone"])
    return {
        "hot": t.tags.create("Hot lead").id,
        "web": t.tags.create("Web lead").id,
        "campaign": campaign.id,
        "sequence": campaign.sequences[0].id,
    }


def use_flow(monkeypatch: pytest.MonkeyPatch, sim: Simulator, **flow: Any) -> None:
    """``keap-connector`` commands deliver to the in-process simulator with this flow."""
    data = {
        "keap": {
            "base_url": f"{sim.base_url}/crm/rest",
            "credentials": {"type": "api_key", "api_key": sim.default_tenant.api_key},
        },
        **flow,
    }

    def load(_path: str) -> Connector:
        return Connector(
            parse_config(data),
            transport=sim.transport(),
            sleep=sim.clock.advance,
            clock=sim.clock.time,
        )

    monkeypatch.setattr(cli, "load_connector", load)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def deliver(path: Path) -> Any:
    return invoke("deliver", "-c", "flow.yaml", str(path), "--no-log", "--no-progress")


def contact_emails(sim: Simulator) -> set[str]:
    with sim.client(auth="bearer") as api:
        # v2 sends the addresses only when asked (keap-facts.md §9.4).
        params = {"page_size": 100, "fields": "email_addresses"}
        contacts = api.get("/v2/contacts", params=params).json()["contacts"]
    return {e["email"] for c in contacts for e in c.get("email_addresses") or []}


@pytest.mark.parametrize(
    "text",
    [
        "Email,First Name\nada@example.com,Ada\n",
        "E-mail;First-Name;Zip\nada@example.com;Ada;85004\n",
        "EMAIL ADDRESS\tfirst_name\nada@example.com\tAda\n",
    ],
)
def test_csv_exports_with_other_header_names_and_separators_deliver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator, text: str
) -> None:
    use_flow(monkeypatch, sim)
    path = tmp_path / "export.csv"
    path.write_text(text)
    result = deliver(path)
    assert result.exit_code == 0, result.output
    assert [r.outcome for r in load_results(tmp_path / "export.results.jsonl")] == ["success"]
    assert "ada@example.com" in contact_emails(sim)


def test_a_csv_score_gets_the_hot_tag_at_80_and_not_below(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator, seeded: dict[str, int]
) -> None:
    use_flow(
        monkeypatch, sim, tags=["{% if lead.score >= 80 %}" + str(seeded["hot"]) + "{% endif %}"]
    )
    path = tmp_path / "scores.csv"
    path.write_text("email,score\nhot@example.com,80\ncold@example.com,79\n")
    assert deliver(path).exit_code == 0
    results = {r.line: r for r in load_results(tmp_path / "scores.results.jsonl")}
    with sim.client(auth="bearer") as api:
        tags = {
            line: {
                int(t)
                for t in api.get(
                    f"/v2/contacts/{r.contact_id}", params={"fields": "tag_ids"}
                ).json()["tag_ids"]
            }
            for line, r in results.items()
        }
    assert seeded["hot"] in tags[2] and seeded["hot"] not in tags[3]


def test_no_identifying_column_exits_2_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator
) -> None:
    use_flow(monkeypatch, sim)
    path = tmp_path / "names.csv"
    path.write_text("First Name,Last Name\nAda,Lovelace\n")
    for extra in ([], ["--strict-input"]):
        result = invoke("deliver", "-c", "f.yaml", str(path), "--no-log", "--no-progress", *extra)
        assert result.exit_code == 2, result.output
        assert "no column identifies a lead" in result.output
    assert len(sim.journal) == 0


def test_unknown_columns_are_named_in_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator
) -> None:
    use_flow(monkeypatch, sim, note={"body": "{{ lead.notes_extra }}"})
    path = tmp_path / "extra.csv"
    path.write_text("Email,Favourite Colour,Notes Extra\na@example.com,blue,x\n")
    result = deliver(path)
    assert result.exit_code == 0, result.output
    assert "Favourite Colour" in result.output and "Notes Extra" not in result.output


def test_failure_leads_get_their_own_file_and_the_results_name_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator
) -> None:
    use_flow(monkeypatch, sim, phone_policy="strict")
    path = tmp_path / "mixed.csv"
    path.write_text("email,phone\ngood@example.com,602-555-0101\nbad@example.com,555-0123\n")
    result = deliver(path)
    assert result.exit_code == 0, result.output
    failures = tmp_path / "mixed.failures.csv"
    assert failures.read_text() == "email,phone\nbad@example.com,555-0123\n"
    assert "mixed.failures.csv" in result.output
    bad = load_results(tmp_path / "mixed.results.jsonl")[1]
    assert bad.outcome == "failure" and bad.failed_step == "validation"


def test_report_shows_targets_and_alerts_from_the_flow_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator
) -> None:
    use_flow(monkeypatch, sim)
    path = tmp_path / "leads.csv"
    path.write_text("email\na@example.com\nnot-an-email\n")
    db = tmp_path / "log.sqlite3"
    invoke("deliver", "-c", "f.yaml", str(path), "--log-db", str(db), "--no-progress")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        yaml.safe_dump(
            {
                "monitoring": {
                    "alerts": {"min_success_rate": 60},
                    "targets": {"min_success_rate": 40},
                }
            }
        )
    )
    shown = invoke("report", "--log-db", str(db), "--config", str(flow))
    assert "success rate 50.0% < 60%" in shown.output
    assert "Targets" in shown.output and "met" in shown.output
    flagged = invoke(
        "report", "--log-db", str(db), "--min-success-rate", "10", "--target-success-rate", "95"
    )
    assert "No alerts" in flagged.output and "missed" in flagged.output
    data = json.loads(invoke("report", "--log-db", str(db), "--format", "json").output)
    assert data["targets"][0]["target"] == ">= 95%"


def test_send_test_lead_with_a_lead_file_reads_back_tags_and_sequences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Simulator, seeded: dict[str, int]
) -> None:
    use_flow(
        monkeypatch,
        sim,
        tags=[seeded["web"]],
        sequences=[{"campaign_id": seeded["campaign"], "sequence_id": seeded["sequence"]}],
    )
    lead = tmp_path / "lead.json"
    lead.write_text(json.dumps({"email": "mine@example.com", "first_name": "Mine"}))
    result = invoke("send-test-lead", "-c", "f.yaml", "--lead", str(lead), "--no-log")
    assert result.exit_code == 0, result.output
    assert "mine@example.com" in result.output
    assert f"tags on the contact in Keap: [{seeded['web']}]" in result.output
    assert f"sequence {seeded['campaign']}/{seeded['sequence']}: in it" in result.output


# -- OAuth consent against keapsim serve ---------------------------------------------------------
def test_auth_login_against_keapsim_serve_then_deliver(tmp_path: Path) -> None:
    from tests.support.serve_process import serve_process

    port = _free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    with serve_process("--throttle", "off") as info:
        admin = httpx.post(
            f"{info['admin_url']}/tenants/{info['tenant_id']}/apps",
            json={"redirect_uris": [redirect]},
        )
        assert admin.status_code == 201, admin.text
        app = admin.json()
        flow = tmp_path / "flow.yaml"
        flow.write_text(
            yaml.safe_dump(
                {
                    "keap": {
                        "base_url": info["base_url"],
                        "credentials": {
                            "type": "oauth",
                            "client_id": app["client_id"],
                            "client_secret": "${TEST_CLIENT_SECRET}",
                            "token_store": "tokens.json",
                            "redirect_uri": redirect,
                        },
                    }
                }
            )
        )
        env = {**os.environ, "TEST_CLIENT_SECRET": app["client_secret"]}
        login = _connector("auth", "login", "-c", str(flow), "--no-browser", env=env, wait=False)
        url = _read_url(login)
        assert url.startswith(info["authorize_url"])
        # the user's browser: approve, follow Keap's redirect to the loopback listener
        approved = httpx.get(url + "&keapsim_auto_approve=1", follow_redirects=True)
        assert approved.status_code == 200 and "authorised" in approved.text
        out, err = login.communicate(timeout=30)
        assert login.returncode == 0, out + err
        store = tmp_path / "tokens.json"
        assert store.stat().st_mode & 0o777 == 0o600
        status = _connector("auth", "status", "-c", str(flow), env=env)
        assert status.returncode == 0 and "expires in" in status.stdout
        leads = tmp_path / "leads.csv"
        leads.write_text("Email\noauth.lead@example.com\n")
        delivered = _connector(
            "deliver", "-c", str(flow), str(leads), "--no-log", "--no-progress", env=env
        )
        assert delivered.returncode == 0, delivered.stdout + delivered.stderr
        logout = _connector("auth", "logout", "-c", str(flow), env=env)
        assert logout.returncode == 0 and not store.exists()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _connector(*args: str, env: dict[str, str], wait: bool = True) -> Any:
    command = [sys.executable, "-m", "connector.cli", *args]
    if not wait:
        return subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def _read_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for _ in range(10):
        line = process.stdout.readline()
        if line.startswith("http"):
            return line.strip()
    raise AssertionError("auth login printed no URL")

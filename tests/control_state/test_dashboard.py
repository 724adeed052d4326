"""The dashboard at /_keapsim/ui: rendered panels (no browser) and a QA session driven in a
real headless Chromium through Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator

from .helpers import contact_body, populate

CHROMIUM = Path("/usr/bin/chromium")
CONTACTS_PATH = "/crm/rest/v1/contacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _admin(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url=sim.base_url)


def test_the_page_renders_every_panel_from_local_assets() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    sim.faults.add(name="slow contacts", path="/crm/rest/v1/contacts*", effect="delay", latency=0.0)
    with sim.client() as api:
        api.get("/v1/contacts")
    with _admin(sim) as client:
        page = client.get("/_keapsim/ui")
        assert page.status_code == 200
        html = page.text
        for panel in ("clock", "tenants", "contacts", "faults", "journal"):
            assert f'id="panel-{panel}"' in html
        assert "Ada Lovelace" in html and ">vip<" in html and "Welcome / Day 1" in html
        assert "slow contacts" in html and "GET /crm/rest/v1/contacts" in html
        # Offline: every script and stylesheet is served by keapsim itself.
        assets = [
            url
            for url in re.findall(r'(?:src|href)="([^"?]+)"', html)
            if not url.startswith(("data:", "?"))
        ]
        assert assets and all(a.startswith("/_keapsim/") for a in assets)
        for asset in assets:
            assert client.get(asset).status_code == 200
        journal = client.get("/_keapsim/ui/panels/journal")
        assert journal.status_code == 200 and "<table" in journal.text
        assert client.get("/_keapsim/ui/panels/secrets").status_code == 404


def test_the_contacts_panel_follows_the_selected_tenant() -> None:
    sim = Simulator()
    other = sim.create_tenant()
    sim.tenant(other.tenant_id).create_contact(contact_body("other@example.com", "Otto"))
    with _admin(sim) as client:
        assert "Otto" not in client.get("/_keapsim/ui/panels/contacts").text
        chosen = client.get("/_keapsim/ui/panels/contacts", params={"tenant": other.tenant_id})
        assert "Otto" in chosen.text


@pytest.fixture
def browser_page(own_server: SimulatorServer) -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium; CI installs it)")
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: the journal panel refreshes every second, and CI machines can be busy.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_fault_rule_added_in_the_dashboard_shows_in_the_journal(
    own_server: SimulatorServer, browser_page
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = own_server.simulator
    credentials = sim.default_tenant
    assert credentials is not None
    populate(sim, credentials)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))

    page.goto(f"{own_server.url}/_keapsim/ui")
    ada = page.locator("#contacts tr[data-contact-id='1']")
    expect(ada).to_contain_text("Ada Lovelace")
    expect(ada).to_contain_text("vip")
    expect(ada).to_contain_text("Welcome / Day 1")

    form = page.locator("#fault-form")
    form.locator("select[name=method]").select_option("POST")
    form.locator("input[name=path]").fill("/crm/rest/v1/contacts")
    form.locator("select[name=canned]").select_option("throttled")
    form.locator("input[name=times]").fill("1")
    form.locator("input[name=name]").fill("qa throttle")
    form.locator("button[type=submit]").click()
    expect(page.locator("#faults tbody")).to_contain_text("qa throttle")
    [rule] = sim.faults.list()
    assert (rule.spec.method, rule.spec.canned, rule.spec.times) == ("POST", "throttled", 1)

    with httpx.Client(
        base_url=f"{own_server.url}/crm/rest",
        timeout=10,
        headers={"X-Keap-API-Key": credentials.api_key},
    ) as api:
        faulted = api.post("/v1/contacts", json=contact_body("new@example.com", "Nina"))
        served = api.post("/v1/contacts", json=contact_body("new@example.com", "Nina"))
    assert faulted.status_code == 429 and served.status_code == 201

    # The journal view refreshes by itself: the faulted request, then the served one.
    faulted_row = page.locator("#journal tr", has_text="POST /crm/rest/v1/contacts").filter(
        has=page.locator("td.fault", has_text=rule.id)
    )
    expect(faulted_row.locator("td.status")).to_have_text("429")
    expect(page.locator("#journal tbody tr").first.locator("td.status")).to_have_text("201")
    expect(page.locator(f"#faults tr[data-fault-id='{rule.id}']")).to_contain_text("1 / 1")

    page.locator(f"button[data-remove-fault='{rule.id}']").click()
    expect(page.locator("#faults tbody")).to_contain_text("No fault rules")
    assert sim.faults.list() == []

    page.locator("button[data-advance='86400']").click()
    expect(page.locator("#clock-offset")).to_have_text(re.compile(r"^8640\d$"))
    assert sim.clock.offset >= 86_400

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"button[data-reset-tenant='{credentials.tenant_id}']").click()
    expect(page.locator("#contacts tbody")).to_contain_text("No contacts")
    assert sim.tenant(credentials.tenant_id).contacts == {}

    assert requested and all(url.startswith(own_server.url) for url in requested)


@pytest.mark.slow
@pytest.mark.browser
def test_an_invalid_fault_rule_is_explained_at_the_form_and_the_input_is_kept(
    own_server: SimulatorServer, browser_page
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = own_server.simulator
    page.goto(f"{own_server.url}/_keapsim/ui")
    form = page.locator("#fault-form")
    form.locator("select[name=method]").select_option("POST")
    form.locator("input[name=path]").fill(CONTACTS_PATH)
    form.locator("button[type=submit]").click()  # neither a canned response nor a status
    problem = "status: a 'status' effect needs a 'status' code or a 'canned' body name"
    expect(form.locator(".form-message")).to_have_text(problem)
    assert sim.faults.list() == []

    # Wait for a live refresh to re-render the faults panel: the user's input and the message
    # beside it survive it.
    sim.faults.add(name="added from python", path="/nowhere", status=500)
    expect(page.locator("#faults tbody")).to_contain_text("added from python")
    expect(form.locator("input[name=path]")).to_have_value(CONTACTS_PATH)
    expect(form.locator("select[name=method]")).to_have_value("POST")
    expect(form.locator(".form-message")).to_have_text(problem)

    form.locator("select[name=canned]").select_option("throttled")
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("fault rule added")
    expect(form.locator(".form-message")).to_be_hidden()
    expect(form.locator("input[name=path]")).to_have_value("")
    added = sim.faults.list()[-1].spec
    assert (added.method, added.path, added.canned) == ("POST", CONTACTS_PATH, "throttled")


@pytest.mark.slow
@pytest.mark.browser
def test_the_dashboard_adds_a_lost_response_rule(own_server: SimulatorServer, browser_page) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = own_server.simulator
    credentials = sim.default_tenant
    assert credentials is not None
    page.goto(f"{own_server.url}/_keapsim/ui")
    form = page.locator("#fault-form")
    form.locator("select[name=method]").select_option("POST")
    form.locator("input[name=path]").fill(CONTACTS_PATH)
    form.locator("select[name=effect]").select_option("drop")
    form.locator("input[name=latency]").fill("0.05")
    form.locator("input[name=apply_then_fail]").check()
    form.locator("input[name=times]").fill("1")
    form.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_have_text("fault rule added")
    [rule] = sim.faults.list()
    assert (rule.spec.effect, rule.spec.latency, rule.spec.apply_then_fail, rule.spec.times) == (
        "drop",
        0.05,
        True,
        1,
    )
    expect(page.locator(f"#faults tr[data-fault-id='{rule.id}']")).to_contain_text("drop")

    with httpx.Client(
        base_url=f"{own_server.url}/crm/rest",
        timeout=10,
        headers={"X-Keap-API-Key": credentials.api_key},
    ) as api:
        with pytest.raises(httpx.TransportError):
            api.post("/v1/contacts", json=contact_body("lost@example.com"))
    assert len(sim.tenant().find_by_email("lost@example.com")) == 1  # served, then dropped

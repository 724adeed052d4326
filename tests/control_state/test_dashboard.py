"""The dashboard at /_keapsim/ui: rendered panels (no browser) and a QA session driven in a
real headless Chromium through Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from keapsim.admin.records import CELL_CHARS, MAX_COLUMNS, PAGE_SIZE, cell, columns_of
from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator
from keapsim.store import Tenant
from keapsim.store.companies import Company
from keapsim.store.opportunities import StageMove

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
    sim.tenant(other.tenant_id).contacts.create(contact_body("other@example.com", "Otto"))
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
    assert len(sim.tenant().contacts.find_by_email("lost@example.com")) == 1  # served, then dropped


# -- the records panel: every registered store, without per-resource code ---------------------
def test_the_records_panel_lists_every_registered_store_with_its_count() -> None:
    sim = Simulator()
    tenant = sim.tenant()
    tenant.companies.create(company_name="Acme")
    with _admin(sim) as client:
        html = client.get("/_keapsim/ui").text
        assert 'id="panel-records"' in html
        panel = client.get("/_keapsim/ui/panels/records").text
    for name in Tenant.STORES:
        assert f'data-store="{name}"' in panel
        assert f"/_keapsim/ui/records/{name}?tenant={tenant.id}" in panel
    companies_row = re.search(r'data-store="companies">(.*?)</tr>', panel, re.S)
    assert companies_row and '<td class="num">1</td>' in companies_row.group(1)


def test_a_store_page_shows_readable_fields_newest_first_and_escaped() -> None:
    sim = Simulator()
    tenant = sim.tenant()
    tenant.companies.create(company_name="Acme", email_address="info@acme.example")
    tenant.companies.create(company_name="<script>alert(1)</script>")
    with _admin(sim) as client:
        page = client.get("/_keapsim/ui/records/companies")
    assert page.status_code == 200
    html = page.text
    assert "<th>company name</th>" in html and "<th>email address</th>" in html
    assert "info@acme.example" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    ids = [int(i) for i in re.findall(r'data-record-id="(\d+)"', html)]
    assert ids == sorted(ids, reverse=True) and len(ids) == 2


def test_a_store_page_pages_through_its_records() -> None:
    sim = Simulator()
    tenant = sim.tenant()
    made = [tenant.tag_categories.create(name=f"category {n}").id for n in range(PAGE_SIZE + 5)]
    with _admin(sim) as client:
        first = client.get("/_keapsim/ui/records/tag_categories").text
        second = client.get("/_keapsim/ui/records/tag_categories", params={"page": 2}).text
        beyond = client.get("/_keapsim/ui/records/tag_categories", params={"page": 3}).text
        far = client.get("/_keapsim/ui/records/tag_categories", params={"page": "9" * 30})
    assert far.status_code == 200 and "data-record-id" not in far.text
    first_ids = [int(i) for i in re.findall(r'data-record-id="(\d+)"', first)]
    second_ids = [int(i) for i in re.findall(r'data-record-id="(\d+)"', second)]
    assert first_ids == sorted(made, reverse=True)[:PAGE_SIZE]
    assert second_ids == sorted(made, reverse=True)[PAGE_SIZE:]
    assert 'rel="next"' in first and 'rel="next"' not in second and 'rel="prev"' in second
    assert "data-record-id" not in beyond and "No tag categories on page 3" in beyond


def test_every_registered_store_has_a_page() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    with _admin(sim) as client:
        for name in Tenant.STORES:
            page = client.get(f"/_keapsim/ui/records/{name}")
            assert page.status_code == 200, name
            assert f'data-store="{name}"' in page.text
        contacts = client.get("/_keapsim/ui/records/contacts").text
    # The contacts store's page too: given name, family name and the email addresses.
    assert 'data-record-id="1"' in contacts and "Lovelace" in contacts
    assert "ada@example.com" in contacts


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/_keapsim/ui/records/secrets", {}, 404, "no store 'secrets'"),
        ("/_keapsim/ui/records/companies", {"tenant": "nobody"}, 404, "no tenant 'nobody'"),
        ("/_keapsim/ui/records/companies", {"page": "0"}, 400, "page must be a whole number"),
        ("/_keapsim/ui/records/companies", {"page": "x"}, 400, "page must be a whole number"),
        ("/_keapsim/ui/records/companies", {"page": "²"}, 400, "page must be a whole number"),
    ],
)
def test_a_bad_store_page_request_is_a_clear_4xx(
    path: str, params: dict[str, str], status: int, message: str
) -> None:
    with _admin(Simulator()) as client:
        answer = client.get(path, params=params)
    assert answer.status_code == status and message in answer.json()["error"]


def test_the_store_pages_keep_the_admin_guard() -> None:
    sim = Simulator(admin_token="s3cret")
    with _admin(sim) as client:
        assert client.get("/_keapsim/ui/records/companies").status_code == 401
        allowed = client.get(
            "/_keapsim/ui/records/companies", headers={"Authorization": "Bearer s3cret"}
        )
    assert allowed.status_code == 200


def test_columns_come_from_the_record_dataclass() -> None:
    assert [c.name for c in columns_of(Company)][:3] == [
        "company_name",
        "first_name",
        "email_address",
    ]
    assert columns_of(Company)[-1].name == "update_time"
    # A store with only ids and times still shows something.
    assert len(columns_of(StageMove)) == MAX_COLUMNS
    assert cell("x" * 500).endswith("…") and len(cell("x" * 500)) == CELL_CHARS
    assert cell({"number": "555"}) == '{"number": "555"}' and cell(None) == ""


@pytest.mark.browser
def test_the_records_panel_shows_a_company_created_through_v2(
    own_server: SimulatorServer, browser_page
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = own_server.simulator
    credentials = sim.default_tenant
    assert credentials is not None
    page.goto(f"{own_server.url}/_keapsim/ui")
    companies = page.locator("#records tr[data-store='companies']")
    expect(companies.locator("td.num")).to_have_text("0")

    with httpx.Client(
        base_url=f"{own_server.url}/crm/rest",
        timeout=10,
        headers={"X-Keap-API-Key": credentials.api_key},
    ) as api:
        made = api.post("/v2/companies", json={"company_name": "Initech"})
    assert made.status_code == 201, made.text

    # The panel refreshes by itself, then its link opens the store's page.
    expect(companies.locator("td.num")).to_have_text("1")
    companies.locator("a").click()
    row = page.locator(f"#store-rows tr[data-record-id='{made.json()['id']}']")
    expect(row).to_contain_text("Initech")
    page.locator("a", has_text="dashboard").click()
    expect(page.locator("#records tr[data-store='companies'] td.num")).to_have_text("1")


@pytest.mark.slow
@pytest.mark.browser
def test_a_decline_rule_added_in_the_dashboard_is_stored_and_listed(
    own_server: SimulatorServer, browser_page
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    sim = own_server.simulator
    page.goto(f"{own_server.url}/_keapsim/ui")

    form = page.locator("#fault-form")
    form.locator("select[name=effect]").select_option("decline")
    form.locator("select[name=decline_code]").select_option("insufficient_funds")
    form.locator("select[name=charge_source]").select_option("SUBSCRIPTION")
    form.locator("input[name=contact_id]").fill("7")
    form.locator("input[name=times]").fill("2")
    form.locator("input[name=name]").fill("broke subscriber")
    form.locator("button[type=submit]").click()

    expect(page.locator("#faults tbody")).to_contain_text("broke subscriber")
    [rule] = sim.faults.list()
    spec = rule.spec
    assert (spec.effect, spec.decline_code, spec.charge_source, spec.contact_id, spec.times) == (
        "decline",
        "insufficient_funds",
        "SUBSCRIPTION",
        7,
        2,
    )
    row = page.locator(f"#faults tr[data-fault-id='{rule.id}']")
    expect(row).to_contain_text("card charges of SUBSCRIPTION")
    expect(row).to_contain_text("decline insufficient_funds")

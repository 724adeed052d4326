"""``GET /``: the start page a newcomer finds at the server's address, and the serve banner."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx

from keapsim import Simulator
from tests.support.serve_process import serve_process

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _root_client(sim: Simulator) -> httpx.Client:
    return httpx.Client(transport=sim.transport(), base_url="http://keapsim.local")


def test_a_script_gets_the_links_as_json_and_every_link_answers() -> None:
    sim = Simulator()
    assert sim.default_tenant is not None
    with _root_client(sim) as client:
        start = client.get("/", headers={"Accept": "*/*"})
        assert start.status_code == 200
        assert start.headers["Content-Type"] == "application/json"
        links = start.json()
        assert links["api"] == {
            "v1": "http://keapsim.local/crm/rest/v1",
            "v2": "http://keapsim.local/crm/rest/v2",
        }
        assert "mkdocs serve" in links["docs"]
        key = {"X-Keap-API-Key": sim.default_tenant.api_key}
        for version in ("v1", "v2"):
            document = client.get(links["openapi"][version], headers=key)
            assert document.status_code == 200 and "paths" in document.json()
        assert client.get(links["dashboard"]).status_code == 200
        assert client.get(links["admin"] + "/tenants").status_code == 200


def test_a_browser_gets_a_page_with_the_same_links() -> None:
    with _root_client(Simulator()) as client:
        page = client.get("/", headers={"Accept": BROWSER_ACCEPT})
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        html = page.text
        assert 'href="http://keapsim.local/_keapsim/ui"' in html
        assert 'href="http://keapsim.local/crm/rest/v2/openapi.json"' in html
        assert "mkdocs serve" in html


def test_the_root_refuses_other_methods_with_a_json_405() -> None:
    with _root_client(Simulator()) as client:
        refused = client.post("/", json={})
        assert refused.status_code == 405
        assert refused.json()["message"]


def test_the_json_banner_names_the_dashboard() -> None:
    with serve_process() as info:
        assert info["dashboard_url"] == info["admin_url"] + "/ui"
        assert httpx.get(info["dashboard_url"]).status_code == 200


def test_the_banner_prints_the_dashboard_start_page_and_docs() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "keapsim.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not (lines[-1].lstrip().startswith("docs") or lines[-1] == ""):
            lines.append(process.stdout.readline())  # the docs hint is the banner's last line
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    banner = {line.split()[0]: line.split(maxsplit=1)[1].strip() for line in lines if line.strip()}
    assert banner["dashboard_url"].endswith("/_keapsim/ui")
    assert banner["start"].startswith("page")
    assert "mkdocs serve" in banner["docs"]

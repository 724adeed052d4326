"""A test file as a keapsim user writes it: nothing but the plugin's fixtures and marker.

It runs in the suite, and ``.ci/wheel-smoke`` runs it again from a fresh virtual environment
with only the built wheel and pytest installed, outside the checkout.
"""

import httpx
import pytest

ADA = {"given_name": "Ada", "email_addresses": [{"email": "ada@example.com", "field": "EMAIL1"}]}


def test_in_process_create_then_find(keapsim, keap_client):
    assert keap_client.post("/v1/contacts", json=ADA).status_code == 201
    found = keap_client.get("/v2/contacts", params={"filter": "email==ada@example.com"})
    assert [contact["given_name"] for contact in found.json()["contacts"]] == ["Ada"]
    keapsim.journal.assert_called(method="POST", path="/crm/rest/v1/contacts", times=1)


@pytest.mark.keapsim(profile="guide")
def test_the_marker_sets_the_profile(keap_client):
    assert keap_client.post("/v1/contacts", json=ADA).status_code == 201
    assert keap_client.post("/v1/contacts", json=ADA).status_code == 409  # the guide's duplicate


def test_a_fault_rule_and_the_clock(keapsim, keap_client):
    keapsim.faults.add(method="GET", path="/crm/rest/v1/contacts", canned="throttled", times=1)
    assert keap_client.get("/v1/contacts").status_code == 429
    bearer = keapsim.client(auth="bearer")
    keapsim.clock.advance(24 * 3600)
    assert bearer.get("/v1/contacts").status_code == 401


def test_a_real_server_and_a_tenant_of_its_own(keapsim_server, keapsim_tenant):
    base = f"{keapsim_server.url}/crm/rest"
    with httpx.Client(base_url=base, headers={"X-Keap-API-Key": keapsim_tenant.api_key}) as api:
        assert api.post("/v1/contacts", json=ADA).status_code == 201
        assert api.get("/v1/contacts").json()["count"] == 1

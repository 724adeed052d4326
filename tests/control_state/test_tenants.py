"""Per-test tenants on one shared server: isolation under concurrent use, and reset of one
tenant without touching the others."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from keapsim.server import SimulatorServer
from keapsim.simulator import Simulator

from .helpers import contact_body, populate

WORKERS = 8
CONTACTS_EACH = 6


def _worker(url: str, number: int) -> dict[str, Any]:
    """What one test (or xdist worker) does: take a tenant, then use only its credential."""
    with httpx.Client(base_url=url, timeout=30) as http:
        # Throttle off: eight workers' bursts are not what this test is about.
        created = http.post(
            "/_keapsim/tenants", json={"name": f"worker {number}", "throttle": False}
        )
        assert created.status_code == 201, created.text
        credentials = created.json()
        headers = {"X-Keap-API-Key": credentials["api_key"]}
        ids = []
        for index in range(CONTACTS_EACH):
            # Every worker uses the same email addresses: only tenant scoping keeps them apart.
            body = contact_body(f"shared{index}@example.com", given_name=f"w{number}")
            response = http.post("/crm/rest/v1/contacts", json=body, headers=headers)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        tag = http.post("/crm/rest/v1/tags", json={"name": f"tag of {number}"}, headers=headers)
        http.post(
            f"/crm/rest/v1/contacts/{ids[0]}/tags",
            json={"tagIds": [tag.json()["id"]]},
            headers=headers,
        )
        listed = http.get(
            "/crm/rest/v1/contacts", params={"email": "shared0@example.com"}, headers=headers
        ).json()
        first = http.get(f"/crm/rest/v1/contacts/{ids[0]}", headers=headers).json()
        tags = http.get("/crm/rest/v1/tags", headers=headers).json()["tags"]
    return {
        "tenant_id": credentials["tenant_id"],
        "number": number,
        "ids": ids,
        "listed": listed,
        "first": first,
        "tags": tags,
    }


@pytest.mark.slow
def test_tenants_on_one_server_never_see_each_other(keapsim_server: SimulatorServer) -> None:
    sim = keapsim_server.simulator
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda n: _worker(keapsim_server.url, n), range(WORKERS)))
    try:
        assert len({r["tenant_id"] for r in results}) == WORKERS
        for result in results:
            own = f"w{result['number']}"
            # Ids are per tenant, so every worker sees its own 1..N whatever the interleaving.
            assert result["ids"] == list(range(1, CONTACTS_EACH + 1))
            assert [c["given_name"] for c in result["listed"]["contacts"]] == [own]
            assert result["first"]["given_name"] == own
            assert [t["name"] for t in result["tags"]] == [f"tag of {result['number']}"]
            tenant = sim.tenant(result["tenant_id"])
            assert {c.given_name for c in tenant.contacts.list()} == {own}
            assert len(tenant.contacts.find_by_email("shared0@example.com")) == 1
    finally:
        for result in results:
            sim.delete_tenant(result["tenant_id"])


@pytest.mark.slow
def test_a_credential_of_one_tenant_cannot_reach_another(keapsim_server: SimulatorServer) -> None:
    sim = keapsim_server.simulator
    first, second = sim.create_tenant(), sim.create_tenant()
    try:
        sim.tenant(first.tenant_id).contacts.create(contact_body("only@first.example"))
        with httpx.Client(
            base_url=f"{keapsim_server.url}/crm/rest",
            timeout=10,
            headers={"X-Keap-API-Key": second.api_key},
        ) as http:
            assert http.get("/v1/contacts/1").status_code == 404
            assert (
                http.get("/v1/contacts", params={"email": "only@first.example"}).json()["contacts"]
                == []
            )
    finally:
        sim.delete_tenant(first.tenant_id)
        sim.delete_tenant(second.tenant_id)


@pytest.mark.slow
def test_reset_of_one_tenant_over_the_admin_api_leaves_the_others(
    own_server: SimulatorServer,
) -> None:
    sim = own_server.simulator
    kept, wiped = sim.default_tenant, sim.create_tenant()
    assert kept is not None
    populate(sim, kept)
    populate(sim, wiped)
    sim.faults.add(method="GET", path="/nowhere", status=500)
    before = len(sim.tenant(kept.tenant_id).contacts)

    with httpx.Client(base_url=own_server.url, timeout=10) as http:
        assert http.post(f"/_keapsim/tenants/{wiped.tenant_id}/reset").status_code == 204
        headers = {"X-Keap-API-Key": wiped.api_key}
        # The credential still works; the data is gone and ids start again.
        assert http.get("/crm/rest/v1/contacts", headers=headers).json()["contacts"] == []
        again = http.post(
            "/crm/rest/v1/contacts", json=contact_body("new@example.com"), headers=headers
        )
        assert again.status_code == 201 and again.json()["id"] == 1

    wiped_tenant, kept_tenant = sim.tenant(wiped.tenant_id), sim.tenant(kept.tenant_id)
    assert wiped_tenant.tags == {} and wiped_tenant.campaigns == {}
    assert wiped_tenant.notes == {}
    # Only the account owner is left, back as user 1 (a Keap account always has its owner).
    assert wiped_tenant.users.list() == [wiped_tenant.users.account_owner()]
    assert wiped_tenant.users.account_owner().id == 1
    assert len(kept_tenant.contacts) == before
    assert kept_tenant.tags.of_contact(1)[0][0].name == "vip"
    assert len(sim.faults.list()) == 1  # a tenant reset keeps the simulator's fault rules


def test_in_process_reset_of_one_tenant() -> None:
    sim = Simulator()
    other = sim.create_tenant()
    assert sim.default_tenant is not None
    populate(sim, sim.default_tenant)
    populate(sim, other)

    sim.reset(other.tenant_id)

    assert sim.tenant(other.tenant_id).contacts.list() == []
    assert sim.tenant(other.tenant_id).next_ids == {"user": 2}  # the owner is user 1
    assert len(sim.tenant().contacts.list()) == 2
    with sim.client(other) as client:
        assert client.get("/v1/contacts").status_code == 200

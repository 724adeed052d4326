"""Duplicate contacts through the whole gateway (keap-facts.md §0.3, §3.1, §4.1, §5.3).

``keap``: POST never de-duplicates; v1 ``PUT /contacts`` and v2 ``POST /contacts?duplicate_option=``
do. ``guide``: a create with an email that exists is a 409, atomically.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from keapsim import Simulator, TenantCredentials
from keapsim.server import SimulatorServer


def person(email: str, given: str = "Ann", family: str = "Lee", **extra: object) -> dict:
    return {
        "email_addresses": [{"email": email, "field": "EMAIL1"}],
        "given_name": given,
        "family_name": family,
        **extra,
    }


def count_with_email(client: httpx.Client, email: str) -> int:
    response = client.get("/v1/contacts", params={"email": email})
    assert response.status_code == 200
    return len(response.json()["contacts"])


@pytest.fixture
def keap(keapsim: Simulator) -> httpx.Client:
    tenant = keapsim.create_tenant(throttle=False)
    return keapsim.client(tenant)


@pytest.fixture
def guide(keapsim: Simulator) -> httpx.Client:
    tenant = keapsim.create_tenant(profile="guide", throttle=False)
    return keapsim.client(tenant)


# -- v1 -----------------------------------------------------------------------------------------
def test_v1_post_never_deduplicates_in_keap(keap: httpx.Client) -> None:
    first = keap.post("/v1/contacts", json=person("ann@example.com"))
    second = keap.post("/v1/contacts", json=person("ann@example.com"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert count_with_email(keap, "ann@example.com") == 2


def test_v1_post_is_a_409_in_guide(guide: httpx.Client) -> None:
    first = guide.post("/v1/contacts", json=person("ann@example.com"))
    assert first.status_code == 201
    again = guide.post("/v1/contacts", json=person("ANN@example.com", given="Other"))
    assert again.status_code == 409
    assert again.json()["existing_contact_id"] == first.json()["id"]
    assert isinstance(again.json()["message"], str)
    assert count_with_email(guide, "ann@example.com") == 1


@pytest.mark.parametrize("client_name", ["keap", "guide"])
def test_v1_put_email_updates_the_match(client_name: str, request: pytest.FixtureRequest) -> None:
    client: httpx.Client = request.getfixturevalue(client_name)
    created = client.put(
        "/v1/contacts", json={**person("bo@example.com"), "duplicate_option": "Email"}
    )
    assert created.status_code == 200
    updated = client.put(
        "/v1/contacts", json={**person("Bo@Example.com", given="Bob"), "duplicate_option": "Email"}
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["given_name"] == "Bob"
    assert count_with_email(client, "bo@example.com") == 1


def test_v1_put_email_and_name(keap: httpx.Client) -> None:
    body = {**person("cy@example.com"), "duplicate_option": "EmailAndName"}
    first = keap.put("/v1/contacts", json=body).json()
    same_name = keap.put("/v1/contacts", json={**body, "job_title": "CTO"}).json()
    assert same_name["id"] == first["id"]
    other_name = keap.put("/v1/contacts", json={**body, "given_name": "Cyril"}).json()
    assert other_name["id"] != first["id"]
    assert count_with_email(keap, "cy@example.com") == 2


def test_v1_put_defaults_to_email_and_rejects_unknown_options(keap: httpx.Client) -> None:
    first = keap.put("/v1/contacts", json=person("di@example.com")).json()
    again = keap.put("/v1/contacts", json=person("di@example.com", given="Di")).json()
    assert again["id"] == first["id"]
    bad = keap.put("/v1/contacts", json={**person("di@example.com"), "duplicate_option": "Phone"})
    assert bad.status_code == 400
    assert "duplicate_option" in bad.json()["message"]


# -- v2 -----------------------------------------------------------------------------------------
def test_v2_post_without_option_always_creates_in_keap(keap: httpx.Client) -> None:
    first = keap.post("/v2/contacts", json=person("eve@example.com"))
    second = keap.post("/v2/contacts", json=person("eve@example.com"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_v2_post_without_option_is_a_409_in_guide(guide: httpx.Client) -> None:
    assert guide.post("/v2/contacts", json=person("eve@example.com")).status_code == 201
    again = guide.post("/v2/contacts", json=person("eve@example.com"))
    assert again.status_code == 409
    assert again.json()["code"] == 409


@pytest.mark.parametrize(
    ("option", "changed", "same_contact"),
    [
        ("Email", {"given_name": "Evelyn"}, True),
        ("EmailAndName", {}, True),
        ("EmailAndName", {"given_name": "Evelyn"}, False),
        # Company matching uses the formal company record only (facts §5.3): no company, no match.
        ("EmailAndNameAndCompany", {}, False),
    ],
)
def test_v2_post_with_duplicate_option(
    keap: httpx.Client, option: str, changed: dict, same_contact: bool
) -> None:
    params = {"duplicate_option": option}
    first = keap.post("/v2/contacts", params=params, json=person("fay@example.com"))
    assert first.status_code == 201
    second = keap.post("/v2/contacts", params=params, json={**person("fay@example.com"), **changed})
    assert second.status_code == (200 if same_contact else 201)
    assert (second.json()["id"] == first.json()["id"]) is same_contact


def test_v2_post_rejects_an_unknown_option(keap: httpx.Client) -> None:
    bad = keap.post(
        "/v2/contacts", params={"duplicate_option": "Phone"}, json=person("gus@example.com")
    )
    assert bad.status_code == 400


# -- concurrency --------------------------------------------------------------------------------
def race(n: int, send) -> list[httpx.Response]:
    start = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        start.wait()
        return send()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture
def guide_on_server(keapsim_server: SimulatorServer) -> Iterator[TenantCredentials]:
    # Throttling off: 32 simultaneous requests on one key would hit its 10/s spike limit.
    sim = keapsim_server.simulator
    creds = sim.create_tenant(profile="guide", throttle=False)
    yield creds
    sim.delete_tenant(creds.tenant_id)


@pytest.mark.slow
def test_32_concurrent_creates_of_one_email_in_guide_make_one_contact(
    keapsim_server: SimulatorServer, guide_on_server: TenantCredentials
) -> None:
    headers = {"X-Keap-API-Key": guide_on_server.api_key}
    limits = httpx.Limits(max_connections=32)
    with httpx.Client(
        base_url=f"{keapsim_server.url}/crm/rest", headers=headers, limits=limits
    ) as client:
        responses = race(32, lambda: client.post("/v1/contacts", json=person("race@example.com")))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 31
        winner = next(r for r in responses if r.status_code == 201).json()["id"]
        assert {r.json()["existing_contact_id"] for r in responses if r.status_code == 409} == {
            winner
        }
        assert count_with_email(client, "race@example.com") == 1


@pytest.mark.slow
def test_32_concurrent_upserts_of_one_email_make_one_contact(
    keapsim_server: SimulatorServer,
) -> None:
    sim = keapsim_server.simulator
    creds = sim.create_tenant(throttle=False)
    try:
        headers = {"X-Keap-API-Key": creds.api_key}
        with httpx.Client(
            base_url=f"{keapsim_server.url}/crm/rest",
            headers=headers,
            limits=httpx.Limits(max_connections=32),
        ) as client:
            body = {**person("upsert@example.com"), "duplicate_option": "Email"}
            responses = race(32, lambda: client.put("/v1/contacts", json=body))
            assert [r.status_code for r in responses] == [200] * 32
            assert len({r.json()["id"] for r in responses}) == 1
            assert count_with_email(client, "upsert@example.com") == 1
    finally:
        sim.delete_tenant(creds.tenant_id)

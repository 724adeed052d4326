"""The REST hook flows against ``keapsim serve`` (a real process) and a real receiver on a
loopback port: the background dispatcher posts what advancing the clock makes due."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_v1.helpers import V1
from api_v2.helpers import V2
from support.hook_helpers import contact_body, subscribe
from support.serve_process import serve_process

from .loopback_receiver import Answer, LoopbackReceiver, loopback_receiver

pytestmark = pytest.mark.slow

REFUSED = "http://hooks.example.invalid/keap"
WALL_SLACK = 10.0  # seconds of real time a step may take under load


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    with serve_process("--throttle", "off", "--hook-hosts", "allowed.example.invalid") as info:
        yield info


@pytest.fixture
def admin(server: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server["admin_url"], timeout=30) as client:
        yield client


@pytest.fixture
def tenant(admin: httpx.Client) -> Iterator[dict[str, Any]]:
    """A tenant of its own per test (the server and its clock are shared)."""
    credentials = admin.post("/tenants", json={}).json()
    yield credentials
    admin.delete(f"/tenants/{credentials['tenant_id']}")


@pytest.fixture
def client(server: dict[str, Any], tenant: dict[str, Any]) -> Iterator[httpx.Client]:
    headers = {"X-Keap-API-Key": tenant["api_key"]}
    with httpx.Client(base_url=server["base_url"], headers=headers, timeout=30) as api:
        yield api


@pytest.fixture
def v1(client: httpx.Client) -> V1:
    return V1(client)


@pytest.fixture
def v2(client: httpx.Client) -> V2:
    return V2(client)


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with loopback_receiver() as running:
        yield running


def advance(admin: httpx.Client, seconds: float) -> None:
    assert admin.post("/clock/advance", json={"seconds": seconds}).status_code == 200


def attempts(admin: httpx.Client, tenant: dict[str, Any]) -> list[dict[str, Any]]:
    params = {"kind": "hook.delivery", "tenant": tenant["tenant_id"]}
    return admin.get("/journal", params=params).json()["entries"]


def test_handshake_success_wrong_echo_and_timeout(
    v1: V1, admin: httpx.Client, tenant: dict[str, Any], receiver: LoopbackReceiver
) -> None:
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Verified"
    receiver.answer(Answer(echo=False))
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"
    settings = f"/tenants/{tenant['tenant_id']}/settings"
    admin.patch(settings, json={"hooks": {"timeout": 0.5}})
    receiver.answer(Answer(sleep=1.5))
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"
    entries = admin.get("/journal", params={"kind": "hook.verify", "tenant": tenant["tenant_id"]})
    errors = [e["error"] for e in entries.json()["entries"]]
    assert errors[:2] == [None, None] and errors[2].startswith("timeout")


def test_v2_create_and_v1_edit_are_delivered_when_the_clock_says(
    server: dict[str, Any],
    v1: V1,
    v2: V2,
    admin: httpx.Client,
    tenant: dict[str, Any],
    receiver: LoopbackReceiver,
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    subscribe(v1, "contact.edit", receiver.url)
    contact_id = int(v2.post("/contacts", 201, json=contact_body("ada@example.com"))["id"])
    v1.patch(f"/contacts/{contact_id}", json={"given_name": "Ada"})
    assert receiver.deliveries() == []  # Keap's 30-60 s have not passed
    advance(admin, 60)
    receiver.wait_for(lambda: len(receiver.deliveries()) == 2)
    for key in ("contact.add", "contact.edit"):
        [delivery] = receiver.deliveries(key)
        payload = delivery.json()
        assert (payload["event_key"], payload["object_type"]) == (key, "contact")
        [object_key] = payload["object_keys"]
        assert object_key["id"] == contact_id
        assert object_key["apiUrl"] == f"{server['base_url']}/v1/contacts/{contact_id}"
    assert (
        httpx.get(object_key["apiUrl"], headers={"X-Keap-API-Key": tenant["api_key"]}).json()[
            "given_name"
        ]
        == "Ada"
    )


def test_1500_changes_arrive_as_two_batches(
    client: httpx.Client, v1: V1, admin: httpx.Client, receiver: LoopbackReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    for number in range(1500):
        response = client.post("/v1/contacts", json=contact_body(f"lead{number}@example.com"))
        assert response.status_code == 201
    advance(admin, 60)
    receiver.wait_for(lambda: len(receiver.deliveries()) == 2)
    sizes = sorted(len(d.json()["object_keys"]) for d in receiver.deliveries())
    assert sizes == [500, 1000]


def test_a_failing_receiver_sees_the_documented_intervals_then_inactive(
    v1: V1, admin: httpx.Client, tenant: dict[str, Any], receiver: LoopbackReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    receiver.default = Answer(500)
    v1.contact("ada@example.com")
    for count, step in enumerate((60, 60, 300, 1800), start=1):
        advance(admin, step)
        receiver.wait_for(lambda count=count: len(receiver.deliveries()) == count)
        # The simulator records an attempt's failure (and schedules the next attempt from it)
        # once the answer is back, just after the receiver saw the post: advancing the clock
        # before that would move the failure, and the retry, by the next step too.
        receiver.wait_for(lambda count=count: len(attempts(admin, tenant)) == count)
    entries = attempts(admin, tenant)
    assert [(e["attempt"], e["status"]) for e in entries] == [
        (1, 500),
        (2, 500),
        (3, 500),
        (4, 500),
    ]
    times = [e["time"] for e in entries]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # The server's clock runs (only the admin advances are simulated): each gap is the step
    # plus the wall time the test took in between, a few seconds at most on a busy machine.
    assert 30 <= gaps[0] <= 60 + WALL_SLACK
    assert 300 <= gaps[1] <= 300 + WALL_SLACK
    assert 1800 <= gaps[2] <= 1800 + WALL_SLACK
    assert v1.get(f"/hooks/{hook['key']}")["status"] == "Inactive"
    advance(admin, 3600)
    assert admin.get("/hooks", params={"tenant": tenant["tenant_id"]}).json()["pending"] == []


def test_410_deactivates_and_verify_reactivates(
    v1: V1, admin: httpx.Client, receiver: LoopbackReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    receiver.answer(Answer(410))
    v1.contact("ada@example.com")
    advance(admin, 60)
    receiver.wait_for(lambda: len(receiver.deliveries()) == 1)
    receiver.wait_for(lambda: v1.get(f"/hooks/{hook['key']}")["status"] == "Inactive")
    assert v1.post(f"/hooks/{hook['key']}/verify")["status"] == "Verified"
    v1.contact("bob@example.com")
    advance(admin, 60)
    receiver.wait_for(lambda: len(receiver.deliveries()) == 2)


def test_delayed_verification(v1: V1, receiver: LoopbackReceiver) -> None:
    receiver.answer(Answer(echo=False))
    hook = subscribe(v1, "contact.add", receiver.url)
    secret = receiver.verifications()[-1].secret
    verified = v1.post(f"/hooks/{hook['key']}/delayedVerify", headers={"X-Hook-Secret": secret})
    assert verified["status"] == "Verified"


def test_duplicate_and_out_of_order_controls(
    v1: V1, admin: httpx.Client, tenant: dict[str, Any], receiver: LoopbackReceiver
) -> None:
    subscribe(v1, "contact.add", receiver.url)
    subscribe(v1, "contact.edit", receiver.url)
    # Both changes due at once: the held add can only go after the edit.
    settings = f"/tenants/{tenant['tenant_id']}/settings"
    admin.patch(settings, json={"hooks": {"delay": "immediate"}})
    rules = [
        admin.post("/hooks/faults", json=rule | {"tenant": tenant["tenant_id"]}).json()["id"]
        for rule in (
            {"effect": "reorder", "event_key": "contact.add"},
            {"effect": "duplicate", "event_key": "contact.edit"},
        )
    ]
    try:
        contact = v1.contact("ada@example.com")
        v1.patch(f"/contacts/{contact['id']}", json={"given_name": "Ada"})
        receiver.wait_for(lambda: len(receiver.deliveries()) == 3)
        keys = [d.json()["event_key"] for d in receiver.deliveries()]
        assert keys == ["contact.edit", "contact.edit", "contact.add"]
    finally:
        for rule_id in rules:
            admin.delete(f"/hooks/faults/{rule_id}")


def test_nothing_goes_to_a_host_outside_the_allowed_set(v1: V1, admin: httpx.Client) -> None:
    message = v1.error("POST", "/hooks", 400, json={"eventKey": "contact.add", "hookUrl": REFUSED})
    assert "--hook-hosts" in message
    # --hook-hosts allowed.example.invalid: accepted (the name resolves nowhere, so the
    # handshake fails and the subscription stays Unverified).
    allowed = "http://allowed.example.invalid/keap"
    assert subscribe(v1, "contact.add", allowed)["status"] == "Unverified"
    posts = admin.get("/journal", params={"kind": "hook.*"}).json()["entries"]
    assert not any(REFUSED in e["path"] for e in posts)

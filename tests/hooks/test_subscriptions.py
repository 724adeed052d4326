"""The eight v1 /hooks operations and the verification handshake (keap-facts.md §3.6, §3.7):
shapes checked against the v1 document, Keap's statuses, 400s that say what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from api_v1.helpers import V1
from support.hook_helpers import subscribe

from keapsim.hooks import EVENT_KEYS, HookReceiver
from keapsim.simulator import Simulator

SECRET_HEADER = "X-Hook-Secret"


def test_event_keys_are_keaps_noun_verb_list(v1: V1) -> None:
    keys = v1.get("/hooks/event_keys")
    assert keys == list(EVENT_KEYS)
    for key in ("contact.add", "contact.edit", "contact.delete", "contactGroup.applied"):
        assert key in keys
    assert all(len(key.split(".")) >= 2 for key in keys)


def test_create_verifies_through_the_handshake(
    v1: V1, sim: Simulator, receiver: HookReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    assert hook == {
        "key": hook["key"],
        "eventKey": "contact.add",
        "hookUrl": receiver.url,
        "status": "Verified",
    }
    [handshake] = receiver.received
    assert handshake.method == "POST" and handshake.url == receiver.url
    assert handshake.secret and len(handshake.secret) >= 32
    assert handshake.body == b""
    [entry] = sim.journal.find(kind="hook.verify")
    assert (entry.status, entry.attempt, entry.path) == (200, 1, receiver.url)
    assert entry.request_headers[SECRET_HEADER] == handshake.secret
    assert entry.latency_ms >= 0


def test_a_wrong_or_missing_echo_leaves_the_subscription_unverified(
    v1: V1, receiver: HookReceiver
) -> None:
    receiver.reply(200, secret="not-the-secret")
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"
    receiver.reply(200, echo=False)
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"
    receiver.reply(201)  # echoes, but the answer must be 200
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"


def test_a_receiver_that_times_out_leaves_it_unverified(
    v1: V1, sim: Simulator, receiver: HookReceiver
) -> None:
    receiver.time_out()
    assert subscribe(v1, "contact.add", receiver.url)["status"] == "Unverified"
    [entry] = sim.journal.find(kind="hook.verify")
    assert entry.status is None and entry.error.startswith("timeout")


def test_verify_retries_the_handshake(v1: V1, receiver: HookReceiver) -> None:
    receiver.reply(500)
    hook = subscribe(v1, "contact.edit", receiver.url)
    assert hook["status"] == "Unverified"
    verified = v1.post(f"/hooks/{hook['key']}/verify")
    assert verified == {**hook, "status": "Verified"}
    assert len(receiver.verifications) == 2
    assert receiver.verifications[0].secret != receiver.verifications[1].secret


def test_delayed_verification_brings_the_secret_back(v1: V1, receiver: HookReceiver) -> None:
    receiver.reply(200, echo=False)  # a receiver that confirms out of band
    hook = subscribe(v1, "contact.add", receiver.url)
    assert hook["status"] == "Unverified"
    secret = receiver.verifications[-1].secret
    path = f"/hooks/{hook['key']}/delayedVerify"
    v1.error("POST", path, 400, headers={SECRET_HEADER: "wrong"})
    v1.error("POST", path, 400)  # the header is required
    assert v1.get(f"/hooks/{hook['key']}")["status"] == "Unverified"
    verified = v1.post(path, headers={SECRET_HEADER: secret})
    assert verified["status"] == "Verified"
    # The secret is spent once it has verified the subscription.
    message = v1.error("POST", path, 400, headers={SECRET_HEADER: secret})
    assert "no verification pending" in message


def test_list_get_update_delete(v1: V1, receiver: HookReceiver) -> None:
    first = subscribe(v1, "contact.add", receiver.url)
    second = subscribe(v1, "contact.delete", receiver.url)
    assert v1.get("/hooks") == [first, second]
    assert v1.get(f"/hooks/{second['key']}") == second
    changed = v1.put(f"/hooks/{first['key']}", json={"eventKey": "contact.edit"})
    assert changed == {**first, "eventKey": "contact.edit"}
    assert len(receiver.verifications) == 2  # the same URL needs no new handshake
    v1.delete(f"/hooks/{second['key']}")
    assert v1.get("/hooks") == [changed]
    v1.error("GET", f"/hooks/{second['key']}", 404)
    v1.error("DELETE", f"/hooks/{second['key']}", 404)


def test_a_new_hook_url_is_verified_again(v1: V1, receiver: HookReceiver) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    receiver.reply(200, echo=False)
    moved = v1.put(f"/hooks/{hook['key']}", json={"hookUrl": receiver.url + "/v2"})
    assert moved["status"] == "Unverified"
    assert receiver.verifications[-1].url == receiver.url + "/v2"


def test_bad_requests_are_400_with_a_message(v1: V1, receiver: HookReceiver) -> None:
    assert "eventKey" in v1.error("POST", "/hooks", 400, json={"hookUrl": receiver.url})
    assert "hookUrl" in v1.error("POST", "/hooks", 400, json={"eventKey": "contact.add"})
    message = v1.error("POST", "/hooks", 400, json={"eventKey": "contact.nap", "hookUrl": "x"})
    assert "event_keys" in message
    v1.error(
        "POST", "/hooks", 400, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    v1.error("POST", "/hooks", 400, json={"eventKey": 7, "hookUrl": receiver.url})
    v1.error("POST", "/hooks", 400, json={"eventKey": "contact.add", "hookUrl": "ftp://x/"})
    hook = subscribe(v1, "contact.add", receiver.url)
    v1.error("PUT", f"/hooks/{hook['key']}", 400, json={"eventKey": "nope"})
    assert v1.get(f"/hooks/{hook['key']}") == hook  # a refused change changes nothing


def test_subscriptions_belong_to_their_tenant(
    sim: Simulator, v1: V1, receiver: HookReceiver
) -> None:
    hook = subscribe(v1, "contact.add", receiver.url)
    other = sim.create_tenant()
    with sim.client(other) as client:
        other_api = V1(client)
        assert other_api.get("/hooks") == []
        other_api.error("GET", f"/hooks/{hook['key']}", 404)
        # Keys are per tenant, as ids are.
        assert subscribe(other_api, "contact.add", receiver.url)["key"] == hook["key"]


def test_the_operations_need_a_credential(sim: Simulator) -> None:
    with sim.client(auth="none") as client:
        assert client.get("/v1/hooks").status_code == 401
        assert client.post("/v1/hooks", json={}).status_code == 401


def test_the_plugin_fixture_receives_hooks_without_a_socket(
    keapsim: Simulator, keap_hook_receiver: HookReceiver
) -> None:
    with keapsim.client() as client:
        response = client.post(
            "/v1/hooks", json={"eventKey": "contact.add", "hookUrl": keap_hook_receiver.url}
        )
    assert response.json()["status"] == "Verified"
    assert len(keap_hook_receiver.verifications) == 1


def test_deliver_to_a_wsgi_app_or_a_callable(sim: Simulator, v1: V1) -> None:
    seen: list[str] = []

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append("wsgi")
        secret = environ.get("HTTP_X_HOOK_SECRET", "")
        start_response("200 OK", [("X-Hook-Secret", secret)])
        return [b""]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append("callable")
        return httpx.Response(200, headers={SECRET_HEADER: request.headers[SECRET_HEADER]})

    sim.hooks.deliver_to(wsgi_app=wsgi_app)
    assert subscribe(v1, "contact.add", "http://127.0.0.1/a")["status"] == "Verified"
    sim.hooks.deliver_to(handler=handler)
    assert subscribe(v1, "contact.add", "http://127.0.0.1/b")["status"] == "Verified"
    assert seen == ["wsgi", "callable"]

"""Where keapsim may post: loopback and private addresses, plus ``--hook-hosts``; a refused URL
is a 400 at subscription and nothing is ever posted to it. Refused hosts here are ``.invalid``
names or literal addresses, so no test reaches outside the machine."""

from __future__ import annotations

import ipaddress

import pytest
from api_v1.helpers import V1
from support.hook_helpers import subscribe

from keapsim.config import TenantSettings
from keapsim.hooks import HookReceiver, HostPolicy, RefusedHookUrl
from keapsim.hooks.safety import is_private_address
from keapsim.hooks.snapshot import parse_hooks, restore_hooks
from keapsim.simulator import Simulator

REFUSED_NAME = "http://hooks.example.invalid/keap"


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("10.0.0.7", True),
        ("172.16.5.4", True),
        ("192.168.1.20", True),
        ("fd00::1", True),
        ("::ffff:127.0.0.1", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("169.254.169.254", False),  # link-local: cloud metadata lives here
        ("fe80::1", False),
        ("0.0.0.0", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_private_addresses(address: str, allowed: bool) -> None:
    assert is_private_address(ipaddress.ip_address(address)) is allowed


def test_policy_refuses_what_it_cannot_resolve_or_is_public() -> None:
    policy = HostPolicy()
    policy.check("http://127.0.0.1:8080/hook")
    policy.check("https://localhost/hook")
    with pytest.raises(RefusedHookUrl, match="cannot be resolved"):
        policy.check(REFUSED_NAME)
    with pytest.raises(RefusedHookUrl, match="public address.*--hook-hosts 8.8.8.8"):
        policy.check("http://8.8.8.8/")
    with pytest.raises(RefusedHookUrl, match="not an absolute http or https URL"):
        policy.check("file:///etc/passwd")
    with pytest.raises(RefusedHookUrl, match="not a valid URL"):
        policy.check("http://127.0.0.1:99999/")


def test_allowed_hosts_are_names_or_globs() -> None:
    HostPolicy(["hooks.example.invalid"]).check(REFUSED_NAME)
    HostPolicy(["*.example.invalid"]).check(REFUSED_NAME)
    HostPolicy(["*"]).check("http://8.8.8.8/")
    with pytest.raises(RefusedHookUrl):
        HostPolicy(["other.example.invalid"]).check(REFUSED_NAME)


def test_a_refused_url_is_a_400_and_nothing_is_posted(
    v1: V1, sim: Simulator, receiver: HookReceiver
) -> None:
    message = v1.error(
        "POST", "/hooks", 400, json={"eventKey": "contact.add", "hookUrl": REFUSED_NAME}
    )
    assert "hooks.example.invalid" in message and "--hook-hosts" in message
    message = v1.error(
        "POST", "/hooks", 400, json={"eventKey": "contact.add", "hookUrl": "http://8.8.8.8/"}
    )
    assert "public address" in message
    assert v1.get("/hooks") == []
    assert receiver.received == []
    assert sim.journal.count(kind="hook.*") == 0


def test_hook_hosts_allow_more(receiver: HookReceiver) -> None:
    sim = Simulator(settings=TenantSettings(throttle=False), hook_hosts=["*.example.invalid"])
    sim.hooks.deliver_to(transport=receiver)
    with sim.client() as client:
        hook = subscribe(V1(client), "contact.add", REFUSED_NAME)
    assert hook["status"] == "Verified"
    assert [r.url for r in receiver.received] == [REFUSED_NAME]


def test_the_host_is_checked_again_before_every_post(
    sim: Simulator, receiver: HookReceiver
) -> None:
    """A subscription loaded from a state document with a host this simulator refuses: its
    deliveries are refused (journaled), not posted."""
    tenant = sim.tenant()
    state = {
        "subscriptions": [
            {"key": "1", "eventKey": "contact.add", "hookUrl": REFUSED_NAME, "status": "Verified"}
        ]
    }
    restore_hooks(sim.hooks, tenant, *parse_hooks(state))
    tenant.contacts.create({"email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]})
    sim.clock.advance(60)
    sim.hooks.flush()
    assert receiver.received == []
    [entry] = sim.journal.find(kind="hook.delivery")
    assert entry.status is None and entry.error.startswith("refused")

"""REST hooks: Keap's v1 hook subscriptions, the verification handshake, and delivery of the
store's change events with Keap's batching, timing, retries and deactivation
(keap-facts.md §3.6, §3.7). See docs/simulator/hooks.md.

The names below load on first use (PEP 562), as keapsim's own do: a simulator that never posts
a hook does not import httpx (tests/architecture/test_startup.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogue import EVENT_KEYS
    from .fault_spec import HookFaultSpec
    from .faults import HookFaultRule, HookFaultRules
    from .models import Delivery, HookStatus, Subscription
    from .receiver import HookReceiver, ReceivedHook
    from .safety import HostPolicy, RefusedHookUrl
    from .service import HookService

__all__ = [
    "EVENT_KEYS",
    "Delivery",
    "HookFaultRule",
    "HookFaultRules",
    "HookFaultSpec",
    "HookReceiver",
    "HookService",
    "HookStatus",
    "HostPolicy",
    "ReceivedHook",
    "RefusedHookUrl",
    "Subscription",
]

_HOMES = {
    "EVENT_KEYS": ".catalogue",
    "Delivery": ".models",
    "HookFaultRule": ".faults",
    "HookFaultRules": ".faults",
    "HookFaultSpec": ".fault_spec",
    "HookReceiver": ".receiver",
    "HookService": ".service",
    "HookStatus": ".models",
    "HostPolicy": ".safety",
    "ReceivedHook": ".receiver",
    "RefusedHookUrl": ".safety",
    "Subscription": ".models",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])

"""REST hooks: Keap's v1 hook subscriptions, the verification handshake, and delivery of the
store's change events with Keap's batching, timing, retries and deactivation
(keap-facts.md §3.6, §3.7). See docs/simulator/hooks.md."""

from .catalogue import EVENT_KEYS
from .faults import HookFaultRule, HookFaultRules, HookFaultSpec
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

"""Hook subscriptions in state snapshots (the ``hooks`` object of each tenant in the document).

Saved: each subscription (with the secret still awaiting ``delayedVerify``) and the next key.
Not saved: pending deliveries, like the journal and throttle counters (a resumed session starts
them afresh).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

from .catalogue import KNOWN_EVENT_KEYS
from .models import HookStatus, Subscription

if TYPE_CHECKING:
    from ..store import Tenant
    from .service import HookService


def dump_hooks(service: HookService, tenant_id: str) -> dict[str, Any]:
    hooks = service.registry(tenant_id)
    if hooks is None:
        return {"next_key": 1, "subscriptions": []}
    with hooks.lock:
        return {
            "next_key": hooks.next_key,
            "subscriptions": [
                {**s.to_wire(), "secret": s.secret} for s in hooks.subscriptions.values()
            ],
        }


def parse_hooks(raw: Any) -> tuple[list[Subscription], int]:
    """Subscriptions and the next key from a dumped ``hooks`` object (absent in documents
    saved before keapsim had hooks); ``ValueError`` says what does not fit."""
    if raw is None:
        return [], 1
    if not isinstance(raw, dict) or not isinstance(raw.get("subscriptions", []), list):
        raise ValueError('hooks must be {"next_key": N, "subscriptions": [...]}')
    next_key = raw.get("next_key", 1)
    if isinstance(next_key, bool) or not isinstance(next_key, int) or next_key < 1:
        raise ValueError("hooks.next_key must be a positive integer")
    return [_subscription(item) for item in raw.get("subscriptions", [])], next_key


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def _subscription(item: Any) -> Subscription:
    if not isinstance(item, dict):
        raise ValueError("a hook subscription must be an object")
    key, event_key, hook_url = item.get("key"), item.get("eventKey"), item.get("hookUrl")
    if not (_text(key) and _text(event_key) and _text(hook_url)):
        raise ValueError("a hook subscription needs key, eventKey and hookUrl strings")
    if event_key not in KNOWN_EVENT_KEYS:
        raise ValueError(f"hook {key}: unknown eventKey {event_key!r}")
    try:
        status = HookStatus(item.get("status", HookStatus.UNVERIFIED))
    except ValueError:
        raise ValueError(f"hook {key}: unknown status {item.get('status')!r}") from None
    secret = item.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise ValueError(f"hook {key}: secret must be a string")
    return Subscription(key, event_key, hook_url, status, secret)


def restore_hooks(
    service: HookService, tenant: Tenant, subscriptions: list[Subscription], next_key: int
) -> None:
    """Replace the tenant's subscriptions (its pending deliveries are dropped)."""
    service.forget(tenant.id)
    if subscriptions or next_key > 1:
        service.of(tenant).restore(subscriptions, next_key)

"""v1 REST hook subscriptions (the v1 document's "REST Hooks" tag; keap-facts.md §3.6, §3.7).

- ``GET    /v1/hooks``                    the tenant's subscriptions (a JSON array of RestHook)
- ``POST   /v1/hooks``                    ``{eventKey, hookUrl}`` → 200 RestHook, after the
  verification handshake (status Verified if the receiver echoed the secret)
- ``GET    /v1/hooks/event_keys``         the event keys (a JSON array of strings)
- ``GET    /v1/hooks/{key}``              one subscription
- ``PUT    /v1/hooks/{key}``              change ``eventKey`` and/or ``hookUrl``
- ``DELETE /v1/hooks/{key}``              204
- ``POST   /v1/hooks/{key}/verify``       a new handshake (reactivates an Inactive one)
- ``POST   /v1/hooks/{key}/delayedVerify``  the secret comes back in the ``X-Hook-Secret``
  header

The document declares 200 (not 201) for the create. A bad ``eventKey``, a missing field or a
refused ``hookUrl`` is a 400 ``{"message"}``; Keap's wording for these is not documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ...context import current_simulator, request
from ...hooks import EVENT_KEYS
from ...wire import json_response
from ..common import BadInput, as_str, json_body, tenant
from . import blueprint, no_content

if TYPE_CHECKING:
    from ...hooks import HookService, Subscription


def _hooks() -> HookService:
    return current_simulator().hooks


def _ok(body: Any) -> Response:
    return json_response(body, 200)


def _hook(subscription: Subscription) -> Response:
    return _ok(subscription.to_wire())


def _fields() -> tuple[str | None, str | None]:
    """``eventKey`` and ``hookUrl`` of a RestHookRequest body (a blank one counts as absent)."""
    body: dict[str, Any] = json_body(kind=dict)
    event_key = as_str(body.get("eventKey"), "eventKey")
    hook_url = as_str(body.get("hookUrl"), "hookUrl")
    return event_key or None, hook_url or None


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise BadInput(f"{name} is required", field=name)
    return value


@blueprint.get("/hooks")
def list_hooks() -> Response:
    return _ok([s.to_wire() for s in _hooks().subscriptions(tenant())])


@blueprint.post("/hooks")
def create_hook() -> Response:
    event_key, hook_url = _fields()
    subscription = _hooks().subscribe(
        tenant(), _required(event_key, "eventKey"), _required(hook_url, "hookUrl")
    )
    return _hook(subscription)


@blueprint.get("/hooks/event_keys")
def event_keys() -> Response:
    return _ok(list(EVENT_KEYS))


@blueprint.get("/hooks/<key>")
def get_hook(key: str) -> Response:
    return _hook(_hooks().get(tenant(), key))


@blueprint.put("/hooks/<key>")
def update_hook(key: str) -> Response:
    event_key, hook_url = _fields()
    return _hook(_hooks().update(tenant(), key, event_key, hook_url))


@blueprint.delete("/hooks/<key>")
def delete_hook(key: str) -> Response:
    _hooks().delete(tenant(), key)
    return no_content()


@blueprint.post("/hooks/<key>/verify")
def verify_hook(key: str) -> Response:
    return _hook(_hooks().verify(tenant(), key))


@blueprint.post("/hooks/<key>/delayedVerify")
def delayed_verify_hook(key: str) -> Response:
    secret = request.headers.get("X-Hook-Secret")
    return _hook(_hooks().delayed_verify(tenant(), key, secret))

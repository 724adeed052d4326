"""Admin API: REST hooks (see :mod:`keapsim.hooks`) and the dashboard's hooks panel.

- ``GET    /_keapsim/hooks[?tenant=<id>]``  subscriptions and pending deliveries
- ``POST   /_keapsim/hooks/flush``          post every delivery due now → ``{"posts", "pending"}``
- ``GET    /_keapsim/hooks/faults``         QA controls on deliveries (duplicate, reorder, delay,
  drop); ``POST`` adds one (201), ``DELETE`` removes all (204)
- ``GET    /_keapsim/hooks/faults/<id>``    one control; ``DELETE`` removes it (204; 404 if unknown)

Every verification and delivery attempt is in the request journal (``kind=hook.*``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Response, jsonify, request

from ..context import current_simulator
from . import admin_error, blueprint, json_object, validation_error
from .ui import PANELS

if TYPE_CHECKING:
    from ..simulator import Simulator

PENDING_SHOWN = 50


def _subscriptions(sim: Simulator, tenant_id: str | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for tenant in list(sim.tenants.values()):
        if tenant_id is None or tenant.id == tenant_id:
            subscriptions = sim.hooks.subscriptions(tenant)
            rows.extend({"tenant": tenant.id, **s.to_wire()} for s in subscriptions)
    return rows


@blueprint.get("/hooks")
def hooks_state() -> Response:
    sim = current_simulator()
    tenant_id = request.args.get("tenant") or None
    if tenant_id is not None and tenant_id not in sim.tenants:
        return admin_error(f"no tenant {tenant_id!r}", 404)
    return jsonify(
        subscriptions=_subscriptions(sim, tenant_id),
        pending=[d.summary() for d in sim.hooks.pending(tenant_id)],
        next_due=sim.hooks.next_due(),
        dispatcher_running=sim.hooks.running,
    )


@blueprint.post("/hooks/flush")
def hooks_flush() -> Response:
    hooks = current_simulator().hooks
    posts = hooks.flush()
    return jsonify(posts=posts, pending=len(hooks.pending()))


@blueprint.get("/hooks/faults")
def list_hook_faults() -> Response:
    return jsonify(faults=[rule.to_dict() for rule in current_simulator().hooks.faults.list()])


@blueprint.post("/hooks/faults")
def add_hook_fault() -> Response:
    from pydantic import ValidationError  # on this input path only, not at start

    body = json_object()
    if isinstance(body, Response):
        return body
    try:
        rule = current_simulator().hooks.faults.add(body)
    except ValidationError as err:
        return validation_error(err)
    return Response(json.dumps(rule.to_dict()), status=201, content_type="application/json")


@blueprint.get("/hooks/faults/<rule_id>")
def get_hook_fault(rule_id: str) -> Response:
    try:
        return jsonify(current_simulator().hooks.faults.get(rule_id).to_dict())
    except KeyError:
        return admin_error(f"no hook fault rule {rule_id!r}", 404)


@blueprint.delete("/hooks/faults/<rule_id>")
def remove_hook_fault(rule_id: str) -> Response:
    try:
        current_simulator().hooks.faults.remove(rule_id)
    except KeyError:
        return admin_error(f"no hook fault rule {rule_id!r}", 404)
    return Response(status=204)


@blueprint.delete("/hooks/faults")
def clear_hook_faults() -> Response:
    current_simulator().hooks.faults.clear()
    return Response(status=204)


def _hooks_panel(sim: Simulator) -> dict[str, Any]:
    wanted = request.args.get("tenant") or None
    return {
        "hook_subscriptions": _subscriptions(sim, wanted),
        "hook_pending": [d.summary() for d in sim.hooks.pending(wanted)][:PENDING_SHOWN],
        "hook_faults": [rule.to_dict() for rule in sim.hooks.faults.list()],
        "hook_pending_shown": PENDING_SHOWN,
    }


# The dashboard's panels are ui.PANELS in page order; the hooks panel comes last.
PANELS["hooks"] = _hooks_panel

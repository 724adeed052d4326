"""Admin API: fault rules (see :mod:`keapsim.gateway.faults` for the fields).

- ``GET    /_keapsim/faults``         ``{"faults": [rule, ...], "canned": {name: status}}``
- ``POST   /_keapsim/faults``         a rule's fields as JSON → 201 the rule with its ``id``
- ``GET    /_keapsim/faults/<id>``    one rule, with its ``matched``/``fired`` counters
- ``DELETE /_keapsim/faults/<id>``    remove it (204; 404 if unknown)
- ``DELETE /_keapsim/faults``         remove all (204)

Admin calls themselves are never faulted, so a rule can always be removed.
"""

from __future__ import annotations

import json

from flask import Response, jsonify

from ..context import current_simulator
from ..gateway.canned import CANNED
from . import admin_error, blueprint, json_object, validation_error


def _rules():
    return current_simulator().faults


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify(
        faults=[rule.to_dict() for rule in _rules().list()],
        canned={name: canned.status for name, canned in CANNED.items()},
    )


@blueprint.post("/faults")
def add_fault() -> Response:
    from pydantic import ValidationError  # on this input path only, not at start

    body = json_object()
    if isinstance(body, Response):
        return body
    try:
        rule = _rules().add(body)
    except ValidationError as err:
        return validation_error(err)
    return Response(json.dumps(rule.to_dict()), status=201, content_type="application/json")


@blueprint.get("/faults/<rule_id>")
def get_fault(rule_id: str) -> Response:
    try:
        return jsonify(_rules().get(rule_id).to_dict())
    except KeyError:
        return admin_error(f"no fault rule {rule_id!r}", 404)


@blueprint.delete("/faults/<rule_id>")
def remove_fault(rule_id: str) -> Response:
    try:
        _rules().remove(rule_id)
    except KeyError:
        return admin_error(f"no fault rule {rule_id!r}", 404)
    return Response(status=204)


@blueprint.delete("/faults")
def clear_faults() -> Response:
    _rules().clear()
    return Response(status=204)

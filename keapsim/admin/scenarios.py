"""Admin API: scenarios (see :mod:`keapsim.scenarios`).

- ``GET  /_keapsim/scenarios``          the shipped scenarios: ``{"scenarios": [{name,
  description, client_sees}]}``
- ``POST /_keapsim/scenarios``          a scenario document (JSON) → 201 what was applied (the
  tenant id, its credentials when keapsim made or holds them, the fault rules)
- ``POST /_keapsim/scenarios/<name>``   apply a shipped scenario by name
"""

from __future__ import annotations

import json

from flask import Response, jsonify

from ..context import current_simulator
from . import admin_error, blueprint, json_object

# keapsim.scenarios (pydantic, YAML) is imported in the routes: serving never loads it.


@blueprint.get("/scenarios")
def list_scenarios() -> Response:
    from ..scenarios import library, load_scenario

    shipped = [load_scenario(path) for path in library().values()]
    return jsonify(
        scenarios=[
            {
                "name": s.name,
                "description": s.description.strip(),
                "client_sees": s.client_sees.strip(),
            }
            for s in shipped
        ]
    )


def _applied(source: object) -> Response:
    from ..scenarios import ScenarioError, apply_scenario

    try:
        applied = apply_scenario(current_simulator(), source)  # type: ignore[arg-type]
    except ScenarioError as err:
        return admin_error(str(err))
    return Response(json.dumps(applied.to_dict()), status=201, content_type="application/json")


@blueprint.post("/scenarios")
def post_scenario() -> Response:
    body = json_object()
    if isinstance(body, Response):
        return body
    return _applied(body)


@blueprint.post("/scenarios/<name>")
def post_shipped_scenario(name: str) -> Response:
    from ..scenarios import library

    if name not in library():
        return admin_error(f"no shipped scenario {name!r}; shipped: {', '.join(library())}", 404)
    return _applied(name)

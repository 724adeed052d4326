"""keapsim's /v1/openapi.json: the official v1 document restricted to what has a route here,
so every route is described and every described operation has a route."""

from __future__ import annotations

import re

from keapsim.api.openapi import implemented_operations
from keapsim.simulator import Simulator
from keapsim.specs import load_v1


def test_every_v1_route_is_described_and_every_description_is_routed(sim: Simulator) -> None:
    routes = implemented_operations(sim.app.flask_app.url_map, "/crm/rest/v1")
    with sim.client(auth="none") as client:
        described = client.get("/v1/openapi.json").json()
    operations = {
        (method, path)
        for path, item in described["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    as_routes = {(m, re.sub(r"^/v1|\{[^}]+\}", "", p)) for m, p in operations}
    assert {(m, re.sub(r"<[^>]+>", "", t)) for m, t in routes} == as_routes
    # The operations keep the official document's text, unchanged.
    official = load_v1()["paths"]
    for method, path in operations:
        assert described["paths"][path][method] == official[path][method]

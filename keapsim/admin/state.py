"""Admin API: state snapshots (see :mod:`keapsim.snapshots` for the document's layout).

- ``GET /_keapsim/state[?tenant=<id>]``  the whole simulator's state, or one tenant's
- ``PUT /_keapsim/state[?tenant=<id>]``  load a document: a simulator-scope one replaces
  everything; a tenant-scope one, or any with ``?tenant=``, replaces only those tenants
"""

from __future__ import annotations

import json

from flask import Response, jsonify, request

from ..context import current_simulator
from ..wire import has_lone_surrogate
from . import admin_error, blueprint


@blueprint.get("/state")
def get_state() -> Response:
    # Imported here, as in put_state: the snapshot modules are ~2.5 ms of every start of
    # `keapsim serve`, which needs them only for --state-file (docs/design/index.md).
    from ..snapshots import dump_state

    sim = current_simulator()
    tenant_id = request.args.get("tenant") or None
    if tenant_id is not None and tenant_id not in sim.tenants:
        return admin_error(f"no tenant {tenant_id!r}", 404)
    return Response(json.dumps(dump_state(sim, tenant_id)), content_type="application/json")


@blueprint.put("/state")
def put_state() -> Response:
    from ..snapshots import FORMAT_VERSION, SnapshotError, load_state, parse_document

    sim = current_simulator()
    tenant_id = request.args.get("tenant") or None
    raw = request.get_data(cache=True)
    try:
        document = parse_document(raw, "the request body")
        if has_lone_surrogate(document, raw):
            # A state file may hold one (written from Python); a request may not bring one in.
            return admin_error("the body holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
        loaded = load_state(sim, document, tenant_id)
    except SnapshotError as err:
        return admin_error(str(err))
    return jsonify(
        loaded=loaded,
        scope="tenant" if tenant_id else document["scope"],
        format_version=FORMAT_VERSION,
    )

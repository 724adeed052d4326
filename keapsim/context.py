"""The request context: which simulator serves the request being handled.

One Flask app per process serves every :class:`~keapsim.simulator.Simulator` (routes are
compiled once); the gateway puts the simulator into each request's WSGI environ under
:data:`SIMULATOR`, and the views read it back with :func:`current_simulator`. This module is a
leaf, as ``flask.globals`` is for Flask: the views, the admin API and the OAuth pages import it
without importing the app factory (which imports them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

if TYPE_CHECKING:
    from .simulator import Simulator

SIMULATOR = "keapsim.simulator"
"""The WSGI environ key under which the gateway puts the serving simulator."""


def current_simulator() -> Simulator:
    """The simulator serving this request (the gateway put it in the WSGI environ)."""
    simulator: Simulator = request.environ[SIMULATOR]
    return simulator

"""The request being served and the simulator serving it.

One Flask app per process serves every :class:`~keapsim.simulator.Simulator` (routes are
compiled once); the gateway puts the simulator into each request's WSGI environ under
:data:`SIMULATOR`, and the views read it back with :func:`current_simulator`.

:data:`request` is keapsim's own proxy to the request being served, set by the app for both of
its dispatch paths (``keapsim/app.py``): the API routes run without Flask's request and app
contexts (pushing them was a third of a GET's CPU), so the adapters read the request here, not
from ``flask.request``. This module is a leaf, as ``flask.globals`` is for Flask: the views,
the admin API and the OAuth pages import it without importing the app factory.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from .api.routing import ApiRequest as Request
    from .simulator import Simulator

SIMULATOR = "keapsim.simulator"
"""The WSGI environ key under which the gateway puts the serving simulator."""

_serving: ContextVar[Request] = ContextVar("keapsim.request")

request = cast("Request", LocalProxy(_serving, unbound_message="keapsim: no request is served"))
"""The request being served (:class:`keapsim.api.routing.ApiRequest`; on Flask's path, the
Flask app's subclass of it)."""


def begin_serving(served: Request) -> Token[Request]:
    """Make ``served`` the :data:`request` until :func:`end_serving` is given the token (two
    calls rather than a context manager: this runs on every request)."""
    return _serving.set(served)


def end_serving(token: Token[Request]) -> None:
    _serving.reset(token)


def current_request() -> Request:
    """The request being served, without the proxy (for code that reads it many times)."""
    return _serving.get()


def current_simulator() -> Simulator:
    """The simulator serving this request (the gateway put it in the WSGI environ)."""
    simulator: Simulator = _serving.get().environ[SIMULATOR]
    return simulator

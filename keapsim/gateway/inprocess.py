"""The in-process httpx transport: a request goes to the gateway without a socket.

``httpx.WSGITransport`` runs a WSGI app and collects its answer through ``start_response`` and
a byte stream that httpx reads chunk by chunk. keapsim's gateway can hand back the status,
headers and body directly (:meth:`Gateway.wsgi_response`, the very triple werkzeug would pass to
``start_response``), so this transport builds the same environ as ``WSGITransport`` and skips
the rest: about a tenth of an in-process call (issue 18, ``bench/bench_inprocess.py``).

What a client sees is what ``WSGITransport`` gives it: the same environ (scheme, host, port,
``REMOTE_ADDR`` 127.0.0.1, headers as ``HTTP_*``), the app's headers unchanged (nothing added,
not even a ``Content-Length``), the body as an unread stream, and an error raised by the gateway
(a dropped connection) raised from ``send``. Imported only by in-process clients: serving never
loads httpx.
"""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .pipeline import Gateway

DEFAULT_PORTS = {"http": 80, "https": 443}
BODY_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})


def transport_for(app: Any) -> httpx.BaseTransport:
    """The fast transport onto a gateway; ``httpx.WSGITransport`` onto any other WSGI app."""
    from .pipeline import Gateway

    if isinstance(app, Gateway):
        return InProcessTransport(app)
    return httpx.WSGITransport(app=app)


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport onto a :class:`~keapsim.gateway.pipeline.Gateway`."""

    def __init__(self, gateway: Gateway, remote_addr: str = "127.0.0.1") -> None:
        self.gateway = gateway
        self.remote_addr = remote_addr

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        environ = self._environ(request)
        app_iter, status, headers = self.gateway.wsgi_response(environ)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return httpx.Response(
            int(status[:3]),
            headers=[(key.encode("ascii"), value.encode("ascii")) for key, value in headers],
            stream=httpx.ByteStream(content),
        )

    def _environ(self, request: httpx.Request) -> dict[str, Any]:
        """``httpx.WSGITransport``'s environ for ``request``."""
        url = request.url
        scheme = url.scheme
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(request.read()),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(url.port or DEFAULT_PORTS[scheme]),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
        }
        # Header names are translated once per name (decoding, upper-casing and prefixing a
        # client's six or so names was a quarter of this transport's own cost; issue 18).
        names = _VARIABLE_NAMES
        for raw_key, raw_value in request.headers.raw:
            key = names.get(raw_key)
            if key is None:
                key = _variable_name(raw_key)
            environ[key] = raw_value.decode("ascii")
        return environ


# Raw header name → its environ variable (``CONTENT_TYPE``, ``HTTP_X_KEAP_API_KEY``), as
# WSGITransport names it. Past NAMES_KEPT (a client sending ever new names) it starts again.
_VARIABLE_NAMES: dict[bytes, str] = {}
NAMES_KEPT = 512


def _variable_name(raw_key: bytes) -> str:
    key = raw_key.decode("ascii").upper().replace("-", "_")
    name = key if key in BODY_HEADERS else "HTTP_" + key
    if len(_VARIABLE_NAMES) >= NAMES_KEPT:
        _VARIABLE_NAMES.clear()
    _VARIABLE_NAMES[raw_key] = name
    return name

"""Fault rules: make chosen requests fail the way the real Keap API (or the network) can.

A rule *matches* requests (method, path glob, API version, tenant, header or body predicate) and
has an *effect*: a status with a body (a canned Keap body by name, or a custom one), added
latency, a dropped connection, or a malformed (truncated) 200 response. It fires for the next
``times`` matches, after skipping the first ``after``, with a ``probability`` drawn from its own
``random.Random(seed)`` (deterministic), or until removed.

The stage runs before authentication and before any state change, so a faulted create changes
nothing, unless the rule has ``apply_then_fail``: then the request is served first and its
response replaced by the fault (the lost response that makes clients create duplicates when
they retry).

Python: ``sim.faults.add(method="POST", path="/crm/rest/v1/contacts", canned="throttled",
times=2)`` returns a :class:`FaultRule` with an ``id``; ``sim.faults.remove(id)``, ``.list()``,
``.clear()``. Admin API: ``/_keapsim/faults``.
"""

from __future__ import annotations

import base64
import fnmatch
import io
import json
import logging
import random
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from ..datarecord import record_class
from ..rulebook import CountedRule, RuleBook
from ..wire import JSON, json_response
from .canned import CANNED
from .pipeline import ADMIN_PREFIX, Handler

if TYPE_CHECKING:
    # The payments store module (and the commerce modules it imports) only for annotations:
    # a simulator that takes no card payment never loads it (docs/design/store.md).
    from ..store import IdentityStore
    from ..store.payments import ChargeAttempt, ChargeResult
    from .fault_spec import FaultSpec

log = logging.getLogger(__name__)

FAULT_ENVIRON_KEY = "keapsim.fault"
"""The id of the rule that fired on a request (the journal records it)."""

ErrorRenderer = Callable[[Request, str, int], Response]
"""Renders an application error (message, status) in the request's API version's shape. The
simulator hands the adapters' renderer in (``keapsim.api.version_errors.application_error``):
the gateway sits below the adapters and never imports them."""


def plain_application_error(request: Request, message: str, status: int) -> Response:
    """The renderer of rules built without the adapters' (a bare gateway in a benchmark):
    v1's ``{"message"}`` shape for every path."""
    return json_response({"message": message}, status)


@record_class(slots=False)
class FaultRule(CountedRule["FaultSpec"]):
    """An installed request fault rule: its declaration, an id and its counters."""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec.model_dump(exclude_defaults=True), **self.counters()}

    def matches(self, request: Request, tenant_id: str | None) -> bool:
        spec = self.spec
        if spec.method is not None and request.method != spec.method:
            return False
        if spec.path is not None and not fnmatch.fnmatchcase(request.path, spec.path):
            return False
        if spec.version is not None and not request.path.startswith(f"/crm/rest/{spec.version}/"):
            return False
        if spec.tenant is not None and tenant_id != spec.tenant:
            return False
        for name, pattern in spec.headers.items():
            value = request.headers.get(name)
            if value is None or not fnmatch.fnmatchcase(value, pattern):
                return False
        if spec.body_contains is not None and spec.body_contains.encode() not in (
            request_body(request)
        ):
            return False
        if spec.body:
            parsed = parse_body(request)
            for key, expected in spec.body.items():
                if not _value_matches(lookup(parsed, key), expected):
                    return False
        return True


BODY_ENVIRON_KEY = "keapsim.body"


def request_body(request: Request) -> bytes:
    """The raw request body, read once and put back as ``wsgi.input`` so that the stages and
    the Flask app behind this one can still read it."""
    environ = request.environ
    cached = environ.get(BODY_ENVIRON_KEY)
    if (
        cached is None
        and environ.get("CONTENT_LENGTH") in (None, "", "0")
        and not (environ.get("wsgi.input_terminated"))
    ):
        return b""  # most GETs: nothing to read, nothing to put back
    if cached is None:
        cached = request.get_data(cache=True)
        environ[BODY_ENVIRON_KEY] = cached
        environ["wsgi.input"] = io.BytesIO(cached)
        environ["CONTENT_LENGTH"] = str(len(cached))
    return cached


def parse_body(request: Request) -> Any:
    """The request body as JSON, or as a flat dict for form bodies (None if neither)."""
    raw = request_body(request)
    if not raw:
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


_MISSING = object()


def lookup(document: Any, dotted: str) -> Any:
    """``email_addresses.0.email`` in a JSON document (``_MISSING`` when absent)."""
    current = document
    for part in dotted.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _value_matches(actual: Any, expected: Any) -> bool:
    if actual is _MISSING:
        return False
    if isinstance(expected, str) and isinstance(actual, str):
        return fnmatch.fnmatchcase(actual, expected)
    return bool(actual == expected)


def credential_tenant_id(identity: IdentityStore | None, request: Request) -> str | None:
    """The tenant a request's credential names, without judging it (expired or revoked
    credentials still name their tenant, and nothing fails): fault rules and the journal need it
    before authentication. OAuth token requests name theirs by client id (Basic or form)."""
    if identity is None:
        return None
    headers = request.headers
    key = headers.get("X-Keap-API-Key")
    if key:
        record = identity.api_keys.get(key)
        return record.tenant_id if record else None
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and value:
        token = identity.access_tokens.get(value) or identity.api_keys.get(value)
        return token.tenant_id if token else None
    client_id = None
    if scheme == "basic" and value:
        try:
            client_id = base64.b64decode(value).decode("utf-8").partition(":")[0]
        except ValueError:
            client_id = None
    if client_id is None and request.mimetype == "application/x-www-form-urlencoded":
        form = parse_body(request)
        client_id = form.get("client_id") if isinstance(form, dict) else None
    app = identity.apps.get(client_id) if client_id else None
    return app.tenant_id if app else None


# -- the rules -------------------------------------------------------------------------------
def _fault_spec() -> type[FaultSpec]:
    """The validating model, loaded with the first rule: serving needs no pydantic."""
    from .fault_spec import FaultSpec

    return FaultSpec


class FaultRules(RuleBook["FaultSpec", FaultRule]):
    """The installed rules, in the order they were added (the first firing rule wins).

    ``identity`` lets rules match on ``tenant`` before authentication; ``enabled=False`` makes
    the stage a pass-through (for benchmarks), rules stay installed. ``render_error`` answers
    canned application errors (``duplicate_409``, ``bad_request``) in the API version's shape.
    """

    def __init__(
        self,
        identity: IdentityStore | None = None,
        *,
        enabled: bool = True,
        render_error: ErrorRenderer = plain_application_error,
    ) -> None:
        super().__init__(_fault_spec, FaultRule, id_prefix="fault", noun="fault rule")
        self.identity = identity
        self.enabled = enabled
        self.render_error = render_error

    def select(self, request: Request) -> FaultRule | None:
        """The rule that fires on this request, counters updated (None: serve normally)."""
        if not self._rules:
            return None
        needs_tenant = any(rule.spec.tenant is not None for rule in self._rules)
        tenant_id = credential_tenant_id(self.identity, request) if needs_tenant else None
        with self._lock:
            for rule in self._rules:
                if rule.spec.effect == "decline":
                    continue  # it fails card charges, not requests
                if rule.exhausted or not rule.matches(request, tenant_id):
                    continue
                if rule.decide():
                    return rule
        return None

    def decide_charge(self, attempt: ChargeAttempt) -> ChargeResult | None:
        """The tenant's charge policy (``keapsim.store.payments.ChargePolicy``): the first
        ``decline`` rule that matches the charge and fires declines it with its code; None
        lets the card decide. Counters move as for request rules (``times``, ``after``,
        ``probability``), so the admin list shows what fired."""
        if not self.enabled or not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.spec.fails_charge(attempt):
                    continue
                if rule.decide():
                    log.info(
                        "fault rule %s declined a charge on order %s", rule.id, attempt.order_id
                    )
                    from ..store.payments import declined  # loaded by the charge already

                    return declined(attempt.amount, rule.spec.decline_code or "card_declined")
        return None


# -- effects ---------------------------------------------------------------------------------
class ConnectionDropped(Exception):
    """What every dropped-connection error is, without httpx: ``keapsim.server`` catches it to
    close the socket, and serving must not import httpx."""


@cache
def dropped_connection_type() -> type[ConnectionResetError]:
    """The error the WSGI app raises for a dropped connection outside waitress.

    In-process, ``httpx`` passes it through to the caller as the same
    ``httpx.RemoteProtocolError`` a real closed socket gives (and it is a
    ``ConnectionResetError`` for other WSGI clients). Built on first use: only in-process
    callers meet it, and they have imported httpx already, so serving never loads httpx.
    """
    import httpx

    class DroppedConnection(httpx.RemoteProtocolError, ConnectionResetError, ConnectionDropped):
        """A connection the simulator dropped on purpose (a ``drop`` fault)."""

        def __init__(self) -> None:
            super().__init__("Server disconnected without sending a response.")

    DroppedConnection.__module__ = __name__
    return DroppedConnection


def __getattr__(name: str) -> Any:
    # ``from keapsim.gateway.faults import DroppedConnection`` keeps working, lazily.
    if name == "DroppedConnection":
        return dropped_connection_type()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def drop_connection(request: Request) -> None:
    """Abandon the request without a response.

    Only the exception travels from here: the stages around this one (the journal) record the
    drop while it unwinds, and whoever owns the socket closes it after that (``keapsim.server``
    for waitress), so a client that sees the drop finds it already in the journal.
    In-process, ``httpx`` hands the exception to the caller as a transport error.
    """
    raise dropped_connection_type()()


def _delay(latency: float | tuple[float, float] | None, rng: random.Random) -> None:
    if latency is None:
        return
    seconds = rng.uniform(*latency) if isinstance(latency, tuple) else latency
    if seconds > 0:
        time.sleep(seconds)


def status_response(
    spec: FaultSpec, request: Request, render_error: ErrorRenderer = plain_application_error
) -> Response:
    """The response of a ``status`` effect: the canned body (application errors rendered in the
    path's API version's shape by ``render_error``), or the custom one."""
    canned = CANNED.get(spec.canned) if spec.canned else None
    status = spec.status or (canned.status if canned else 500)
    if spec.response is not None:
        response = _custom(spec.response, status)
    elif canned is not None and canned.application_message is not None:
        response = render_error(request, canned.application_message, status)
    elif canned is not None:
        response = json_response(canned.body, status)
    else:
        response = Response(b"", status=status)
    for name, value in spec.response_headers.items():
        response.headers[name] = value
    return response


def _custom(body: Any, status: int) -> Response:
    if isinstance(body, str):
        return Response(body, status=status, content_type="text/plain; charset=utf-8")
    return json_response(body, status)


# Served when a malformed fault has no real response to cut short.
PLACEHOLDER_BODY = {"id": 0, "message": "keapsim malformed-response fault", "items": [1, 2, 3]}


def malformed_response(spec: FaultSpec, served: Response | None) -> Response:
    """A 200 (or ``status``) whose JSON body stops halfway, with a matching Content-Length."""
    if served is not None:
        whole = served.get_data()
    elif spec.response is not None:
        whole = (
            spec.response if isinstance(spec.response, str) else json.dumps(spec.response)
        ).encode()
    else:
        whole = json.dumps(PLACEHOLDER_BODY).encode()
    cut = whole[: max(1, len(whole) // 2)]
    response = Response(cut, status=spec.status or 200, content_type=JSON)
    for name, value in spec.response_headers.items():
        response.headers[name] = value
    return response


class ApplyFaults:
    """Gateway stage: before authentication, answer with the first rule that fires."""

    def __init__(self, rules: FaultRules) -> None:
        self.rules = rules

    def __call__(self, request: Request, call_next: Handler) -> Response:
        rules = self.rules
        if not rules.enabled or not rules._rules or request.path.startswith(ADMIN_PREFIX):
            return call_next(request)
        rule = rules.select(request)
        if rule is None:
            return call_next(request)
        request.environ[FAULT_ENVIRON_KEY] = rule.id
        spec = rule.spec
        _delay(spec.latency, rule._random)
        if spec.effect == "delay":
            return call_next(request)
        served = call_next(request) if spec.apply_then_fail else None
        if spec.effect == "drop":
            drop_connection(request)
        if spec.effect == "malformed":
            return malformed_response(spec, served)
        return status_response(spec, request, rules.render_error)

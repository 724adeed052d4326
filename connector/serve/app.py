"""The HTTP surface of ``keap-connector serve`` (a Flask WSGI app).

=============================  ==================================================================
``POST /leads``                sync mode: deliver now, 200 ``{outcome, reason, contact_id,
                               duplicate}``; queue mode: 202 ``{id, status, url}``
``GET /leads/{id}``            queue mode: where a queued lead is, and its outcome once delivered
``GET /healthz``               200 ``{"status": "ok", ...}``; 503 while draining for a stop
``GET /metrics``               Prometheus text format
=============================  ==================================================================

A delivery's outcome is the answer's content, never its status: LeadConduit reads ``outcome``
(``failure`` for a lead Keap refused, ``error`` for Keap being unreachable) from a 200, and
takes a 4xx/5xx as the connector itself failing. 400 is kept for bodies that are not a lead,
401 for callers without a valid token, 413/415 for oversized or unreadable bodies.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from connector.serve.body import (
    FORM_TYPES,
    JSON_TYPES,
    MAX_BODY_BYTES,
    BodyError,
    lead_from_form,
    lead_from_json,
    media_type,
)
from connector.serve.callers import CallerAuth
from connector.serve.deliverer import SOURCE_SYNC, Answer, LeadDeliverer, lead_email
from connector.serve.metrics import CONTENT_TYPE, ServeMetrics
from connector.serve.queue import LeadQueue

#: The longest idempotency key accepted (a UUID is 36 characters).
MAX_IDEMPOTENCY_KEY = 200


@dataclass
class ServeState:
    """What the routes work with; the command line builds it (connector/serve/runtime.py)."""

    deliverer: LeadDeliverer
    metrics: ServeMetrics
    callers: CallerAuth
    #: set in queue mode
    queue: LeadQueue | None = None
    wake_workers: Callable[[], None] | None = None
    draining: bool = False

    def __post_init__(self) -> None:
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        return "queue" if self.queue is not None else "sync"

    @property
    def in_flight(self) -> int:
        """Sync deliveries running now (a graceful stop waits for them)."""
        return self._in_flight

    def track(self, delta: int) -> None:
        with self._lock:
            self._in_flight += delta


def create_app(state: ServeState) -> Flask:
    app = Flask("keap_connector_serve")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["keap_serve"] = state
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.add_url_rule("/healthz", "healthz", _healthz, methods=["GET"])
    app.add_url_rule("/metrics", "metrics", _metrics, methods=["GET"])
    app.add_url_rule("/leads", "post_lead", _post_lead, methods=["POST"])
    app.add_url_rule("/leads/<lead_id>", "get_lead", _get_lead, methods=["GET"])
    return app


def _state() -> ServeState:
    state: ServeState = current_app.extensions["keap_serve"]
    return state


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    # JSON for every refusal (unknown path, wrong method, too large), never an HTML page.
    status = exc.code or 500
    if status == 413:
        message = f"the body is larger than {MAX_BODY_BYTES} bytes"
    else:
        message = exc.description or exc.name
    response = jsonify({"error": message})
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response, status


def _unexpected(exc: Exception) -> tuple[Response, int]:
    # Deliveries never raise (every lead ends with an outcome); what is left is the queue's
    # storage failing (disk full...): the lead was not accepted, so the caller may retry.
    current_app.logger.exception("unexpected error")
    response = jsonify({"error": f"not accepted ({type(exc).__name__}); retry later"})
    response.headers["Retry-After"] = "5"
    return response, 503


def _healthz() -> tuple[Response, int]:
    state = _state()
    body: dict[str, Any] = {"status": "draining" if state.draining else "ok"}
    body["mode"] = state.mode
    if state.queue is not None:
        body["queue_depth"] = state.queue.depth()
    return jsonify(body), 503 if state.draining else 200


def _metrics() -> Response:
    return Response(_state().metrics.render(), content_type=CONTENT_TYPE)


def _post_lead() -> tuple[Response, int]:
    state = _state()
    refused = _refuse(state)
    if refused is not None:
        return refused
    try:
        lead = _read_lead()
    except BodyError as exc:
        return jsonify(exc.to_dict()), exc.status
    if state.queue is not None:
        return _enqueue(state, lead)
    return _deliver_now(state, lead)


def _get_lead(lead_id: str) -> tuple[Response, int]:
    state = _state()
    if not state.callers.allows(request.headers.get("Authorization")):
        return _unauthorised()
    if state.queue is None:
        return jsonify({"error": "leads are looked up in queue mode only"}), 404
    found = state.queue.status(lead_id)
    if found is None:
        return jsonify({"error": f"no lead {lead_id} (unknown, or finished long ago)"}), 404
    return jsonify(found), 200


def _refuse(state: ServeState) -> tuple[Response, int] | None:
    if not state.callers.allows(request.headers.get("Authorization")):
        return _unauthorised()
    if state.draining:
        response = jsonify({"error": "stopping: send the lead to another instance or retry"})
        response.headers["Retry-After"] = "1"
        return response, 503
    return None


def _unauthorised() -> tuple[Response, int]:
    response = jsonify({"error": "send Authorization: Bearer <token> with a valid caller token"})
    response.headers["WWW-Authenticate"] = 'Bearer realm="keap-connector"'
    return response, 401


def _read_lead() -> dict[str, Any]:
    kind = media_type(request.content_type)
    if kind in JSON_TYPES:
        return lead_from_json(request.get_data(cache=False))
    if kind in FORM_TYPES:
        return lead_from_form(request.form)
    shown = kind or "none"
    raise BodyError(
        f"Content-Type {shown}: send application/json or application/x-www-form-urlencoded",
        status=415,
    )


def _enqueue(state: ServeState, lead: dict[str, Any]) -> tuple[Response, int]:
    assert state.queue is not None
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        error = BodyError(f"Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} characters")
        return jsonify(error.to_dict()), 400
    accepted = state.queue.enqueue(lead, lead_email(lead), key)
    if state.wake_workers is not None:
        state.wake_workers()
    url = f"/leads/{accepted.id}"
    response = jsonify({"id": accepted.id, "status": "queued", "url": url})
    response.headers["Location"] = url
    return response, 202


def _deliver_now(state: ServeState, lead: dict[str, Any]) -> tuple[Response, int]:
    """Sync mode: the outcome in a 200 (counted in flight, so a graceful stop waits)."""
    state.track(+1)
    try:
        result = state.deliverer.deliver(lead, lead_id=_new_id(), source=SOURCE_SYNC)
    finally:
        state.track(-1)
    return jsonify(Answer.of(result).to_dict()), 200


def _new_id() -> str:
    return uuid.uuid4().hex

"""A finished lead's record: whatever ``deliver`` returned turned into a :class:`LeadResult`,
and the delivery-log row written for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from enum import Enum
from typing import Any, Protocol

from connector.batch.ledger import LeadResult
from connector.batch.readers import InputRecord


class DeliveryLogLike(Protocol):
    # A property, so that any keyword signature (DeliveryLog.record's is keyword-only) fits.
    @property
    def record(self) -> Callable[..., None]: ...


def _text(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def result_from_connector(record: InputRecord, value: Any, wall: float) -> LeadResult:
    """Turn whatever ``deliver`` returned (a ``DeliveryResult`` or a dict) into a LeadResult."""

    def get(name: str, default: Any = None) -> Any:
        if isinstance(value, dict):
            return value.get(name, default)
        return getattr(value, name, default)

    outcome = str(_text(get("outcome", "error")) or "error").lower()
    elapsed = get("elapsed")
    latency = float(elapsed) * 1000 if isinstance(elapsed, int | float) else wall * 1000
    waited = get("waited")
    # Keap's share of the time: without the connector's own pacing and back-off sleeps.
    response = max(0.0, latency - float(waited) * 1000) if isinstance(waited, int | float) else None
    contact_id = get("contact_id")
    attempts = get("attempts")
    details: dict[str, Any] = {}
    steps = get("steps")
    if steps:
        details["steps"] = [_step_summary(s) for s in steps]
    for extra in ("warnings", "refused_tag_ids"):
        if get(extra):
            details[extra] = list(get(extra))
    return LeadResult(
        line=record.line,
        key=record.key,
        outcome=outcome,
        reason=get("reason"),
        contact_id=None if contact_id is None else str(contact_id),
        duplicate=get("duplicate"),
        attempts=1 if attempts is None else int(attempts),
        latency_ms=round(latency, 1),
        response_ms=None if response is None else round(response, 1),
        failed_step=get("failed_step"),
        details=details,
    )


def record_result(
    log: DeliveryLogLike,
    result: LeadResult,
    *,
    email: str | None,
    source: str,
    line: int | None,
    lead_key: str,
    run_id: str,
) -> None:
    """Write one delivery-log row for ``result``."""
    log.record(
        outcome=result.outcome,
        latency_ms=result.latency_ms,
        response_ms=result.response_ms,
        duplicate=result.duplicate,
        attempts=result.attempts,
        reason=result.reason,
        contact_id=result.contact_id,
        email=email,
        source=source,
        line=line,
        lead_key=lead_key,
        run_id=run_id,
        details=result.details or None,
    )


def _step_summary(step: Any) -> Any:
    if isinstance(step, dict):
        return step
    if is_dataclass(step) and not isinstance(step, type):
        return {k: _text(v) for k, v in asdict(step).items() if v not in (None, {}, [])}
    for attr in ("to_dict", "model_dump", "as_dict"):
        fn = getattr(step, attr, None)
        if callable(fn):
            try:
                return fn()
            except Exception:  # details are best effort
                break
    if hasattr(step, "__dict__"):
        return {k: _text(v) for k, v in vars(step).items() if not k.startswith("_")}
    return str(step)


def lead_email(lead: dict[str, Any] | None) -> str | None:
    if not lead:
        return None
    for key in ("email", "Email", "email_address", "e-mail"):
        value = lead.get(key)
        if isinstance(value, str) and value:
            return value.strip()
    return None

"""A fault rule's declaration, validated (pydantic): what the admin API, scenario files and
``sim.faults.add(...)`` give. Loaded with the first rule (:func:`keapsim.gateway.faults.FaultRules`
asks for it), so that serving without faults never loads pydantic (docs/design/index.md,
"Start-up")."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..store.payments import DECLINE_MESSAGES, ChargeAttempt
from ..wire import has_lone_surrogate
from .canned import CANNED, EffectKind

# Request matchers and effects a ``decline`` rule (it matches card charges, not requests)
# cannot carry.
REQUEST_ONLY = (
    "method",
    "path",
    "version",
    "headers",
    "body",
    "body_contains",
    "canned",
    "status",
    "response",
    "response_headers",
    "latency",
    "apply_then_fail",
)


# -- the rule's declaration (validated: admin API and scenario files) ------------------------
class FaultSpec(BaseModel):
    """What a rule matches, what it does and when it fires. Unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str | None = Field(default=None, description="a label for lists and the journal")
    # match (every given condition must hold)
    method: str | None = Field(default=None, description="HTTP method, e.g. POST")
    path: str | None = Field(
        default=None, description="glob on the path, e.g. /crm/rest/v1/contacts*"
    )
    version: Literal["v1", "v2"] | None = None
    tenant: str | None = Field(default=None, description="tenant id the credential belongs to")
    headers: dict[str, str] = Field(
        default_factory=dict, description="header name -> value glob ('*': present)"
    )
    body: dict[str, Any] = Field(
        default_factory=dict,
        description="dotted key in the JSON or form body -> expected value (strings are globs)",
    )
    body_contains: str | None = Field(default=None, description="substring of the raw body")
    # effect
    effect: EffectKind = "status"
    canned: str | None = Field(default=None, description=f"one of {sorted(CANNED)}")
    # 1xx codes are interim answers, never a response's final status (RFC 9110 §15.2).
    status: int | None = Field(default=None, ge=200, le=599)
    response: Any = Field(default=None, description="custom body: JSON value, or raw text")
    response_headers: dict[str, str] = Field(default_factory=dict)
    latency: float | tuple[float, float] | None = Field(
        default=None, description="seconds, or [min, max] for a uniform random delay"
    )
    apply_then_fail: bool = Field(
        default=False, description="serve the request (state changes), then fail the response"
    )
    # a ``decline`` effect: card charges fail (docs/control/faults-payments.md)
    decline_code: str | None = Field(
        default=None, description=f"decline: one of {sorted(DECLINE_MESSAGES)} (card_declined)"
    )
    contact_id: int | None = Field(default=None, description="decline: the contact charged")
    charge_source: Literal["PAYMENT", "PAYMENT_PLAN", "SUBSCRIPTION"] | None = Field(
        default=None, description="decline: where the charge comes from"
    )
    # trigger
    times: int | None = Field(default=None, ge=1, description="fire for this many matches")
    after: int = Field(default=0, ge=0, description="let this many matches through first")
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: int | None = Field(default=None, description="seed of the rule's random generator")

    @model_validator(mode="after")
    def _consistent(self) -> FaultSpec:
        if self.canned is not None and self.canned not in CANNED:
            raise _invalid("canned", f"unknown body {self.canned!r}; known: {sorted(CANNED)}")
        if self.effect == "decline":
            self._check_decline()
        elif {"decline_code", "contact_id", "charge_source"} & self.model_fields_set:
            raise _invalid(
                "effect", "decline_code, contact_id and charge_source go with a 'decline' effect"
            )
        if self.effect == "status" and self.canned is None and self.status is None:
            raise _invalid(
                "status", "a 'status' effect needs a 'status' code or a 'canned' body name"
            )
        if isinstance(self.latency, tuple):
            low, high = self.latency
            # Written so that NaN fails too (every comparison with NaN is false).
            if not 0 <= low <= high <= MAX_LATENCY_SECONDS:
                raise _invalid(
                    "latency", f"[min, max] needs 0 <= min <= max <= {MAX_LATENCY_SECONDS:g}"
                )
        elif self.latency is not None and not 0 <= self.latency <= MAX_LATENCY_SECONDS:
            raise _invalid("latency", f"must be 0 to {MAX_LATENCY_SECONDS:g} seconds")
        _check_response_headers(self.response_headers)
        if has_lone_surrogate(self.response):
            raise _invalid("response", "holds a lone UTF-16 surrogate: it cannot be sent")
        if self.effect == "delay" and self.latency is None:
            raise _invalid("latency", "a 'delay' effect needs 'latency'")
        if self.effect == "delay" and self.apply_then_fail:
            raise _invalid("apply_then_fail", "a 'delay' effect does not fail")
        if self.method:
            self.method = self.method.upper()
        return self

    def _check_decline(self) -> None:
        if self.decline_code is not None and self.decline_code not in DECLINE_MESSAGES:
            raise _invalid(
                "decline_code",
                f"unknown code {self.decline_code!r}; known: {sorted(DECLINE_MESSAGES)}",
            )
        given = sorted(name for name in REQUEST_ONLY if name in self.model_fields_set)
        if given:
            raise _invalid(given[0], "a 'decline' rule matches card charges, not requests: drop it")

    def fails_charge(self, attempt: ChargeAttempt) -> bool:
        """Whether a ``decline`` rule matches this card charge."""
        return (
            self.effect == "decline"
            and (self.tenant is None or self.tenant == attempt.tenant_id)
            and (self.contact_id is None or self.contact_id == attempt.contact_id)
            and (self.charge_source is None or self.charge_source == attempt.source)
        )


MAX_LATENCY_SECONDS = 600.0
"""The longest injected delay: each delayed request holds a server thread while it sleeps."""

# RFC 9110 §5.6.2: a header name is a token; a value is visible characters, spaces and tabs
# (no CR/LF, which would split the response), and WSGI carries it as Latin-1.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def _check_response_headers(headers: dict[str, str]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise _invalid("response_headers", f"{name!r} is not a header name (RFC 9110 token)")
        if not _HEADER_VALUE.fullmatch(value):
            raise _invalid(
                "response_headers",
                f"the value of {name!r} holds a control character or non-Latin-1 text",
            )


def _invalid(key: str, problem: str) -> PydanticCustomError:
    # A custom error keeps pydantic's "Value error, " prefix out of the message that the admin
    # API, the dashboard and scenario files show; the message starts with the key at fault.
    return PydanticCustomError("fault_rule", "{key}: {problem}", {"key": key, "problem": problem})

"""A hook delivery control's declaration, validated (pydantic). Loaded with the first rule
(:class:`keapsim.hooks.faults.HookFaultRules` asks for it), so that serving never loads
pydantic (docs/design/index.md, "Start-up")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

HookEffect = Literal["duplicate", "reorder", "delay", "drop"]


class HookFaultSpec(BaseModel):
    """What a rule matches, what it does to a delivery and when it fires."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="a label for lists and the journal")
    event_key: str | None = Field(default=None, description="glob, e.g. contact.*")
    tenant: str | None = None
    subscription: str | None = Field(default=None, description="the subscription's key")
    hook_url: str | None = Field(default=None, description="glob on the hook URL")
    effect: HookEffect
    seconds: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="delay: how much later (simulator clock); reorder: the longest hold",
    )
    times: int | None = Field(default=None, ge=1, description="fire for this many matches")
    after: int = Field(default=0, ge=0, description="let this many matches through first")
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: int | None = Field(default=None, description="seed of the rule's random generator")

    @model_validator(mode="after")
    def _consistent(self) -> HookFaultSpec:
        if self.effect == "delay" and self.seconds is None:
            raise PydanticCustomError(
                "hook_fault_rule", "seconds: a 'delay' effect needs 'seconds'", {}
            )
        return self

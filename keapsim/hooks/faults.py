"""QA controls on outgoing deliveries: a sibling of the gateway's fault-rule language
(:mod:`keapsim.gateway.faults`) for the other direction.

A rule *matches* deliveries (event key glob, tenant, subscription key, hook URL glob) and has
an *effect*:

- ``duplicate``: post the delivery twice, back to back (the first answer counts);
- ``reorder``: hold the delivery back until another delivery of the same tenant has been
  posted, then post it right after (out of order); released anyway after ``seconds`` on the
  simulator clock (default 300) so that a lone delivery is not held for ever;
- ``delay``: post it ``seconds`` later on the simulator clock;
- ``drop``: never post it (keapsim behaves as if it had been delivered: no retry).

It fires for the next ``times`` matching attempts after skipping ``after``, with a
``probability`` drawn from its own ``random.Random(seed)``, as gateway rules do. Python:
``sim.hooks.faults.add(effect="duplicate", event_key="contact.*")``; admin API:
``/_keapsim/hooks/faults``.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from ..datarecord import record_class
from ..rulebook import CountedRule, RuleBook
from .models import Delivery

if TYPE_CHECKING:
    from .fault_spec import HookFaultSpec

DEFAULT_LONGEST_HOLD = 300.0


@record_class(slots=False)
class HookFaultRule(CountedRule["HookFaultSpec"]):
    """An installed hook delivery control: its declaration, an id and its counters."""

    @property
    def longest_hold(self) -> float:
        return self.spec.seconds if self.spec.seconds is not None else DEFAULT_LONGEST_HOLD

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec.model_dump(exclude_defaults=True)
        return {"id": self.id, **spec, "effect": self.spec.effect, **self.counters()}

    def matches(self, delivery: Delivery, hook_url: str) -> bool:
        spec = self.spec
        return (
            (spec.event_key is None or fnmatch.fnmatchcase(delivery.event_key, spec.event_key))
            and (spec.tenant is None or delivery.tenant_id == spec.tenant)
            and (spec.subscription is None or delivery.subscription_key == spec.subscription)
            and (spec.hook_url is None or fnmatch.fnmatchcase(hook_url, spec.hook_url))
        )


def _hook_fault_spec() -> type[HookFaultSpec]:
    """The validating model, loaded with the first rule: serving needs no pydantic."""
    from .fault_spec import HookFaultSpec

    return HookFaultSpec


class HookFaultRules(RuleBook["HookFaultSpec", HookFaultRule]):
    """The installed rules in the order they were added (the first that fires wins)."""

    def __init__(self) -> None:
        super().__init__(
            _hook_fault_spec, HookFaultRule, id_prefix="hookfault", noun="hook fault rule"
        )

    def select(self, delivery: Delivery, hook_url: str) -> HookFaultRule | None:
        """The rule that fires on this delivery attempt, counters updated (None: post it)."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.exhausted and rule.matches(delivery, hook_url) and rule.decide():
                    return rule
        return None

"""The installed rules of a fault language: added from a spec, a dict or keyword fields, looked
up, removed and listed by id, in the order they were added (the first rule that fires wins).

One implementation for the request fault rules (:mod:`keapsim.gateway.faults`) and the hook
delivery controls (:mod:`keapsim.hooks.faults`); each supplies its spec model and how a rule is
built from a spec. A leaf. The spec model (pydantic) is asked for when the first rule is added,
so that a rule book costs nothing at start.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .datarecord import record_class

if TYPE_CHECKING:
    from pydantic import BaseModel


class Trigger(Protocol):
    """When a matching rule fires: after ``after`` matches, with ``probability`` (drawn from a
    generator seeded with ``seed``), at most ``times`` times."""

    @property
    def times(self) -> int | None: ...
    @property
    def after(self) -> int: ...
    @property
    def probability(self) -> float: ...
    @property
    def seed(self) -> int | None: ...


TriggerT = TypeVar("TriggerT", bound=Trigger)


@record_class(slots=False)
class CountedRule(Generic[TriggerT]):
    """An installed rule: its declaration, an id and its counters."""

    id: str
    spec: TriggerT
    matched: int = 0
    fired: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def exhausted(self) -> bool:
        """True once ``times`` firings happened (the rule stays listed but no longer fires)."""
        return self.spec.times is not None and self.fired >= self.spec.times

    def counters(self) -> dict[str, Any]:
        return {"matched": self.matched, "fired": self.fired, "exhausted": self.exhausted}

    def decide(self) -> bool:
        """Count one match and say whether the rule fires on it (call under the rules' lock)."""
        self.matched += 1
        if self.matched <= self.spec.after or self.exhausted:
            return False
        if self.spec.probability < 1.0 and self._random.random() >= self.spec.probability:
            return False
        self.fired += 1
        return True


SpecT = TypeVar("SpecT", bound="BaseModel")
RuleT = TypeVar("RuleT", bound=CountedRule[Any])


class RuleBook(Generic[SpecT, RuleT]):
    """Thread-safe; ``noun`` names a rule in errors (``KeyError: no fault rule 'fault-9'``);
    ``spec_type`` returns the spec model (imported on first use)."""

    def __init__(
        self,
        spec_type: Callable[[], type[SpecT]],
        rule_type: type[RuleT],
        *,
        id_prefix: str,
        noun: str,
    ) -> None:
        self._spec_type = spec_type
        self._rule_type = rule_type
        self._id_prefix = id_prefix
        self._noun = noun
        self._rules: list[RuleT] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, spec: SpecT | dict[str, Any] | None = None, /, **fields: Any) -> RuleT:
        """Install a rule from a spec, a dict or keyword fields; returns it with its ``id``.
        Raises ``pydantic.ValidationError`` naming the bad key."""
        spec_type = self._spec_type()
        if spec is None:
            spec = spec_type.model_validate(fields)
        elif isinstance(spec, dict):
            spec = spec_type.model_validate({**spec, **fields})
        elif fields:
            spec = spec_type.model_validate({**spec.model_dump(), **fields})
        with self._lock:
            rule_id = f"{self._id_prefix}-{next(self._ids)}"
            seed = getattr(spec, "seed", None)
            rule = self._rule_type(rule_id, spec, _random=random.Random(seed))
            self._rules.append(rule)
        return rule

    def get(self, rule_id: str) -> RuleT:
        with self._lock:
            for rule in self._rules:
                if rule.id == rule_id:
                    return rule
        raise KeyError(f"no {self._noun} {rule_id!r}")

    def remove(self, rule_id: str) -> RuleT:
        """Uninstall a rule; ``KeyError`` if there is none with that id."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    return self._rules.pop(index)
        raise KeyError(f"no {self._noun} {rule_id!r}")

    def list(self) -> list[RuleT]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def __len__(self) -> int:
        return len(self._rules)

"""The installed rules of a fault language: added from a spec, a dict or keyword fields, looked
up, removed and listed by id, in the order they were added (the first rule that fires wins).

One implementation for the request fault rules (:mod:`keapsim.gateway.faults`) and the hook
delivery controls (:mod:`keapsim.hooks.faults`); each supplies its spec model and how a rule is
built from a spec. A leaf: pydantic only.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel


class HasId(Protocol):
    @property
    def id(self) -> str: ...


SpecT = TypeVar("SpecT", bound=BaseModel)
RuleT = TypeVar("RuleT", bound=HasId)


class RuleBook(Generic[SpecT, RuleT]):
    """Thread-safe; ``noun`` names a rule in errors (``KeyError: no fault rule 'fault-9'``)."""

    def __init__(
        self,
        spec_type: type[SpecT],
        build: Callable[[str, SpecT], RuleT],
        *,
        id_prefix: str,
        noun: str,
    ) -> None:
        self._spec_type = spec_type
        self._build = build
        self._id_prefix = id_prefix
        self._noun = noun
        self._rules: list[RuleT] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, spec: SpecT | dict[str, Any] | None = None, /, **fields: Any) -> RuleT:
        """Install a rule from a spec, a dict or keyword fields; returns it with its ``id``.
        Raises ``pydantic.ValidationError`` naming the bad key."""
        if spec is None:
            spec = self._spec_type.model_validate(fields)
        elif isinstance(spec, dict):
            spec = self._spec_type.model_validate({**spec, **fields})
        elif fields:
            spec = self._spec_type.model_validate({**spec.model_dump(), **fields})
        with self._lock:
            rule = self._build(f"{self._id_prefix}-{next(self._ids)}", spec)
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

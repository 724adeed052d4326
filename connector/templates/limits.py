"""The resource limits every template runs under: sizes checked before (or after) a value is
made, loop iterations per template, and one time budget for all templates of a lead."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2.exceptions import SecurityError

#: Longest string any template expression may produce (characters).
MAX_TEXT = 100_000
#: Most items a list made by a template may have.
MAX_ITEMS = 10_000
#: Largest integer a template may compute (bits; about 1,200 decimal digits).
MAX_INT_BITS = 4_096
#: Longest output of one template (characters).
MAX_OUTPUT = 100_000
#: Loop iterations of one template, nested loops counted together.
MAX_LOOP = 10_000
#: Wall time all templates of one lead may take together (seconds).
TIME_PER_LEAD = 0.5


class TemplateLimitExceeded(SecurityError):
    """A template tried to go past one of the resource limits."""


# -- the per-lead budget --------------------------------------------------------------------------
@dataclass
class _Budget:
    deadline: float
    clock: Callable[[], float]
    loops: int = 0
    seconds: float = TIME_PER_LEAD

    def check(self) -> None:
        if self.clock() > self.deadline:
            raise TemplateLimitExceeded(
                f"template time limit: the lead's templates took over {self.seconds:g} s"
            )


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


@contextlib.contextmanager
def lead_budget(
    seconds: float = TIME_PER_LEAD, clock: Callable[[], float] = time.monotonic
) -> Iterator[None]:
    """All templates rendered inside share one time budget (a lead's templates)."""
    token = _BUDGET.set(_Budget(deadline=clock() + seconds, clock=clock, seconds=seconds))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def tick() -> None:
    """Raise when the current lead's time budget is spent (no budget: no limit)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.check()


@dataclass
class LoopCounter:
    count: int = 0
    seen: list[int] = field(default_factory=list)


LOOPS: ContextVar[LoopCounter | None] = ContextVar("template_loops", default=None)


# -- size checks ----------------------------------------------------------------------------------
def check_size(value: Any) -> Any:
    """Refuse a value past the limits (after it was made: only for bounded operations)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise TemplateLimitExceeded(f"template limit: text longer than {MAX_TEXT} characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif isinstance(value, Sized) and not isinstance(value, Mapping):
        if len(value) > MAX_ITEMS:
            raise TemplateLimitExceeded(f"template limit: more than {MAX_ITEMS} items")
    return value


def text_length(value: Any) -> int:
    """The length of a string, list or tuple; 0 for anything else (its size is not known)."""
    return len(value) if isinstance(value, str | list | tuple) else 0


def predict_binop(op: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``**``, ``+`` and ``%`` whose result would be too big, before computing."""
    if op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                check_size_estimate(seq, len(seq) * max(times, 0))
        if _is_int(left) and _is_int(right) and _bits(left) + _bits(right) > MAX_INT_BITS:
            raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif op == "**":
        if _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0:
            if _bits(left) * right > MAX_INT_BITS:
                raise TemplateLimitExceeded(f"template limit: integer over {MAX_INT_BITS} bits")
    elif op == "+" and isinstance(left, str | list | tuple):
        check_size_estimate(left, text_length(left) + text_length(right))
    elif op == "%" and isinstance(left, str):
        # printf-style formatting can pad to any width ('%2000000000d'): not offered.
        raise SecurityError("string formatting with % is not allowed in flow templates")


def check_size_estimate(kind: Any, size: int) -> None:
    """Refuse a value of ``size`` before it is made: text when ``kind`` is a string, else items."""
    limit, unit = (MAX_TEXT, "characters") if isinstance(kind, str) else (MAX_ITEMS, "items")
    if size > limit:
        raise TemplateLimitExceeded(f"template limit: more than {limit} {unit}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bits(value: int) -> int:
    return max(abs(value).bit_length(), 1)


# -- loops ----------------------------------------------------------------------------------------
def bounded(iterable: Any) -> Iterator[Any]:
    """A loop's iterable: at most MAX_ITEMS items, MAX_LOOP iterations per template."""
    if isinstance(iterable, Sized):
        check_size(iterable)
    counter = LOOPS.get()
    for n, item in enumerate(iterable):
        if n >= MAX_ITEMS:
            raise TemplateLimitExceeded(f"template limit: more than {MAX_ITEMS} items")
        if counter is not None:
            counter.count += 1
            if counter.count > MAX_LOOP:
                raise TemplateLimitExceeded(f"template limit: over {MAX_LOOP} loop iterations")
        tick()
        yield item

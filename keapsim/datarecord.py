"""``@record_class``: a dataclass whose ``__repr__`` and ``__eq__`` are shared, not generated.

Python 3.11's ``@dataclass`` writes the source of each method it adds (``__init__``,
``__repr__``, ``__eq__``, and for frozen classes ``__setattr__``, ``__delattr__`` and
``__hash__``) and compiles it with its own ``exec``: about 0.1 ms a method. The store declares
about a hundred records, all created when ``keapsim serve`` starts, so that compiling was about
a quarter of the time to a first answer (docs/design/index.md, "Start-up"). Python 3.13
compiles all of a class's methods in one ``exec``; until keapsim requires it, ``@record_class``
lets ``dataclasses`` generate ``__init__`` (it runs for every record made, so it stays the
fastest possible) and the frozen guards, and gives every class the same ``__repr__`` and
``__eq__``, written once here. They answer exactly what the generated ones answer:

- ``repr``: ``Name(field=value!r, ...)`` over the fields declared with ``repr=True``, the
  class's ``__qualname__``, and ``...`` for a record met again while it is being shown;
- ``==``: the tuples of the fields declared with ``compare=True`` when both sides are of the
  same class, else ``NotImplemented``; a class that is not frozen is unhashable, as with
  ``eq=True``;
- a frozen class keeps the generated field-tuple ``__hash__`` (``unsafe_hash`` is what asks
  ``dataclasses`` for it once ``eq`` is off), so records used as keys hash as fast as before.

A class without a docstring gets the one ``dataclasses`` writes (``Name(field: type, ...)``),
made when it is first read rather than at class creation: ``inspect.signature`` and its text
were about a quarter of making such a class (:class:`_SignatureDoc`).

The shared methods are slower per call than generated ones (a loop over the field names);
records are compared and shown in tests and logs, never on a request's path. ``dataclasses.fields``,
``replace``, ``asdict``, ``__slots__`` (the records' memory layout) and ``__match_args__`` are
the dataclass's own. One visible difference: ``__dataclass_params__`` says ``repr=False,
eq=False``.
"""

from __future__ import annotations

import dataclasses
import inspect
import reprlib
from collections.abc import Callable
from typing import Any, TypeVar, cast, dataclass_transform, overload

T = TypeVar("T")

_REPR_FIELDS = "__record_repr_fields__"
_COMPARE_FIELDS = "__record_compare_fields__"


@reprlib.recursive_repr()  # the "..." that dataclasses' own __repr__ shows for a cycle
def _record_repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in getattr(self, _REPR_FIELDS))
    return f"{type(self).__qualname__}({shown})"


def _record_eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = getattr(self, _COMPARE_FIELDS)
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


class _SignatureDoc:
    """A record class's ``__doc__`` when its body has none: ``dataclasses``' text, made when
    read. ``type`` hands a descriptor found as ``__doc__`` in a class's dict the class, on the
    class and on its instances alike. While ``dataclasses`` makes the class it reads a
    placeholder, so that it does not make the text itself."""

    __slots__ = ("ready", "text")

    def __init__(self) -> None:
        self.ready = False
        self.text: str | None = None

    def __get__(self, instance: object, owner: type | None = None) -> str:
        if not self.ready or owner is None:
            return "(a record class being made)"
        if self.text is None:
            self.text = owner.__name__ + str(inspect.signature(owner)).replace(" -> None", "")
        return self.text


@overload
def record_class(cls: type[T], /) -> type[T]: ...
@overload
def record_class(
    *, frozen: bool = False, slots: bool = True, kw_only: bool = False
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record_class(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = False,
    slots: bool = True,
    kw_only: bool = False,
) -> type[T] | Callable[[type[T]], type[T]]:
    """``@dataclass(slots=True)`` (or with ``frozen``, ``kw_only``, ``slots=False``), with the
    shared ``__repr__`` and ``__eq__`` described in the module's docstring."""

    def make(cls: type[T]) -> type[T]:
        own = cls.__dict__
        doc = _SignatureDoc() if own.get("__doc__") is None else None
        if doc is not None:
            cls.__doc__ = doc  # type: ignore[assignment]
        # dataclasses' test: a body that defines __eq__ alone gets __hash__ = None implicitly.
        explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        made = dataclasses.dataclass(
            cls,
            repr=False,
            eq=False,
            frozen=frozen,
            slots=slots,
            kw_only=kw_only,
            # The field-tuple hash that eq=True gives a frozen class (unless it has its own).
            unsafe_hash=frozen and not explicit_hash,
        )
        fields = dataclasses.fields(cast(Any, made))
        setattr(made, _REPR_FIELDS, tuple(f.name for f in fields if f.repr))
        setattr(made, _COMPARE_FIELDS, tuple(f.name for f in fields if f.compare))
        # As with dataclasses, a method the class body defines itself is left alone.
        if "__repr__" not in own:
            made.__repr__ = _record_repr  # type: ignore[method-assign]
        if "__eq__" not in own:
            made.__eq__ = _record_eq  # type: ignore[method-assign]
        if not frozen and not explicit_hash:
            made.__hash__ = None  # type: ignore[assignment]  # what eq=True does
        if doc is not None:
            doc.ready = True
        return made

    return make if cls is None else make(cls)

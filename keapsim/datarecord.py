"""``@record_class``: a slotted dataclass that is quick to declare.

Python 3.11's ``@dataclass`` writes the source of each method it adds (``__init__``,
``__repr__``, ``__eq__``, and for frozen classes ``__setattr__``, ``__delattr__`` and
``__hash__``) and compiles it with its own ``exec``: about 0.1 ms a method. The store declares
about a hundred records, all created when ``keapsim serve`` starts, so that compiling was about
a quarter of the time to a first answer (docs/design/index.md, "Start-up"). Python 3.13
compiles all of a class's methods in one ``exec``. Until keapsim requires it, ``@record_class``
lets ``dataclasses`` generate the frozen guards and the hash, compiles ``__init__`` when it is
first needed, and gives every class the same ``__repr__`` and ``__eq__``, written once here.
They answer exactly what the generated ones answer:

- ``repr``: ``Name(field=value!r, ...)`` over the fields declared with ``repr=True``, the
  class's ``__qualname__``, and ``...`` for a record met again while it is being shown;
- ``==``: the tuples of the fields declared with ``compare=True`` when both sides are of the
  same class, else ``NotImplemented``; a class that is not frozen is unhashable, as with
  ``eq=True``;
- a frozen class keeps the generated field-tuple ``__hash__`` (``unsafe_hash`` is what asks
  ``dataclasses`` for it once ``eq`` is off), so records used as keys hash as fast as before.

``__init__`` is ``dataclasses``' own, compiled when the class is first instantiated
(:class:`_DeferredInit`): most records are never made before a server's first answer, many
never in a given process. Every record made runs it, so it stays the generated one: it is
made by ``@dataclass`` on a stand-in class with the same fields, defaults, frozenness, slots
and ``__post_init__``, so it is the same code, as fast.

A class without a docstring gets the one ``dataclasses`` writes (``Name(field: type, ...)``),
made when it is first read rather than at class creation: ``inspect.signature`` and its text
were about a quarter of making such a class (:class:`_SignatureDoc`).

The shared methods are slower per call than generated ones (a loop over the field names);
records are compared and shown in tests and logs, never on a request's path.
``dataclasses.fields``, ``replace``, ``asdict``, ``__slots__`` (the records' memory layout)
and ``__match_args__`` are the dataclass's own. Visible differences: ``__dataclass_params__``
says ``init=False, repr=False, eq=False``; until the first instance, ``Class.__init__`` is a
stand-in that binds like a function (``inspect.signature`` and the docstring read the real
one, making it); a class whose fields cannot make an ``__init__`` (a field without a default
after one with) fails at its first instance rather than at its definition; ``InitVar`` fields
are refused.
"""

from __future__ import annotations

import dataclasses
import inspect
import reprlib
import types
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


class _DeferredInit:
    """``cls.__init__`` until the first instance: it puts ``dataclasses``' own in its place
    (:func:`_own_init`), then runs it. It binds like a function, and ``inspect.signature``
    (``help()``) reads the real one's signature through ``__signature__``. A subclass that
    does not define ``__init__`` reaches this one through ``cls``."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.__qualname__ = f"{cls.__qualname__}.__init__"
        self.__module__ = cls.__module__

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)

    def __call__(self, instance: object, *args: Any, **kwargs: Any) -> None:
        _own_init(self.cls)(instance, *args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(_own_init(self.cls))


def _own_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` ``@dataclass`` would have given ``cls``, set on it (once)."""
    current = cls.__dict__.get("__init__")
    if current is not None and not isinstance(current, _DeferredInit):
        return cast("Callable[..., None]", current)  # made already (by another thread, say)
    params = cast(Any, cls).__dataclass_params__
    annotations: dict[str, Any] = {}
    body: dict[str, Any] = {
        "__annotations__": annotations,
        "__module__": cls.__module__,  # the generated code's globals are the module's
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__qualname__,  # skips dataclasses' own docstring (inspect.signature)
    }
    for f in dataclasses.fields(cast(Any, cls)):
        annotations[f.name] = f.type
        body[f.name] = dataclasses.field(
            default=f.default, default_factory=f.default_factory, init=f.init, kw_only=f.kw_only
        )
    if hasattr(cls, "__post_init__"):
        body["__post_init__"] = cls.__post_init__
    stand_in: Any = dataclasses.dataclass(
        type(cls.__name__, (), body),
        repr=False,
        eq=False,
        match_args=False,
        frozen=params.frozen,  # writes through object.__setattr__
        slots="__slots__" in cls.__dict__,  # sets init=False fields' defaults on the slots
    )
    init = cast("Callable[..., None]", stand_in.__init__)
    setattr(cls, "__init__", init)  # noqa: B010  # mypy refuses assigning a method
    return init


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
            _own_init(owner)  # the signature is the real __init__'s
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
            init=False,  # made at the first instance: _DeferredInit
            repr=False,
            eq=False,
            frozen=frozen,
            slots=slots,
            kw_only=kw_only,
            # The field-tuple hash that eq=True gives a frozen class (unless it has its own).
            unsafe_hash=frozen and not explicit_hash,
        )
        fields = dataclasses.fields(cast(Any, made))
        if _has_init_vars(made):
            raise TypeError(f"{made.__qualname__}: @record_class takes no InitVar fields")
        if "__init__" not in own:  # as with dataclasses, an __init__ of its own is kept
            setattr(made, "__init__", _DeferredInit(made))  # noqa: B010  # as above
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


def _has_init_vars(cls: type) -> bool:
    """Whether ``cls`` declares an ``InitVar`` (a pseudo-field ``fields()`` leaves out)."""
    init_var = getattr(dataclasses, "_FIELD_INITVAR", None)  # dataclasses' marker, 3.11-3.14
    declared = cast(Any, cls).__dataclass_fields__.values()
    return any(getattr(f, "_field_type", None) is init_var for f in declared) and bool(init_var)

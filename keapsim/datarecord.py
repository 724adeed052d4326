"""``@record_class``: a slotted dataclass that is quick to declare.

Python 3.11's ``@dataclass`` writes the source of each method it adds (``__init__``,
``__repr__``, ``__eq__``, and for frozen classes ``__setattr__``, ``__delattr__`` and
``__hash__``) and compiles it with its own ``exec``: about 0.1 ms a method. The store declares
about a hundred records, all created when ``keapsim serve`` starts, so that compiling was about
a quarter of the time to a first answer (docs/design/index.md, "Start-up"). Python 3.13
compiles all of a class's methods in one ``exec``. Until keapsim requires it, ``@record_class``
compiles ``__init__`` when it is first needed, gives every class the same ``__repr__`` and
``__eq__``, written once here, and writes a frozen class's ``__setattr__`` and ``__delattr__``
guards as closures (:func:`_guard_frozen`). They answer exactly what the generated ones answer:

- ``repr``: ``Name(field=value!r, ...)`` over the fields declared with ``repr=True``, the
  class's ``__qualname__``, and ``...`` for a record met again while it is being shown;
- ``==``: the tuples of the fields declared with ``compare=True`` when both sides are of the
  same class, else ``NotImplemented``; a class that is not frozen is unhashable, as with
  ``eq=True``;
- a frozen class keeps the generated field-tuple ``__hash__``, made at the first hash like
  ``__init__`` below, so records used as keys hash as fast as before;
- writing or deleting an attribute of a frozen record meets the generated guards' test and
  errors; its class says ``frozen=True`` in ``__dataclass_params__``, and slotted ones pickle
  with ``dataclasses``' state (the fields' values). A frozen class with a dataclass base, or
  whose body defines a guard, is made by ``dataclasses`` itself.

``__init__`` is ``dataclasses``' own, compiled when the class is first instantiated
(:class:`_Deferred`): most records are never made before a server's first answer, many
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


class _Deferred:
    """``cls.__init__`` until the first instance, or a frozen ``cls.__hash__`` until the first
    hash: it puts ``dataclasses``' own method in its place (:func:`_generated`), then runs it.
    It binds like a function; ``inspect.signature`` (``help()``) reads the real method's
    signature through ``__signature__``. A subclass that does not define the method reaches
    this one through ``cls``."""

    def __init__(self, cls: type, name: str) -> None:
        self.cls = cls
        self.name = name
        self.__qualname__ = f"{cls.__qualname__}.{name}"
        self.__module__ = cls.__module__

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)

    def __call__(self, instance: object, *args: Any, **kwargs: Any) -> Any:
        return _generated(self.cls, self.name)(instance, *args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(_generated(self.cls, self.name))


def _generated(cls: type, name: str) -> Callable[..., Any]:
    """``cls``'s ``name`` method (``__init__`` or ``__hash__``) as ``@dataclass`` would have
    made it, set on ``cls``. Only that one is made: a frozen record's hash is the same code
    with or without ``frozen``, so it comes from a stand-in without frozen guards (one
    compilation, not three), and a record that is never hashed never compiles its hash."""
    current = cls.__dict__.get(name)
    if not isinstance(current, _Deferred):
        return cast("Callable[..., Any]", current)  # made already (by another thread, say)
    making_init = name == "__init__"
    frozen = making_init and cast(Any, cls).__dataclass_params__.frozen
    annotations: dict[str, Any] = {}
    body: dict[str, Any] = {
        "__annotations__": annotations,
        "__module__": cls.__module__,  # the generated code's globals are the module's
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__qualname__,  # skips dataclasses' own docstring (inspect.signature)
    }
    fields = dataclasses.fields(cast(Any, cls))
    for f in fields:
        annotations[f.name] = f.type
        body[f.name] = dataclasses.field(
            default=f.default,
            default_factory=f.default_factory,
            init=f.init,
            hash=f.hash,
            compare=f.compare,
            kw_only=f.kw_only,
        )
    if hasattr(cls, "__post_init__"):
        body["__post_init__"] = cls.__post_init__
    stand_in: Any = dataclasses.dataclass(
        type(cls.__name__, (), body),
        init=making_init,
        repr=False,
        eq=False,
        match_args=False,
        frozen=frozen,  # __init__ writes through object.__setattr__
        # A slotted class's __init__ sets its init=False fields' defaults (no class attribute
        # holds them); other fields are written the same either way, and a slotted stand-in
        # is a second class to build (_add_slots).
        slots=making_init
        and "__slots__" in cls.__dict__
        and any(not f.init and f.default is not dataclasses.MISSING for f in fields),
        unsafe_hash=not making_init,  # the field-tuple hash that eq=True gives a frozen class
    )
    made = stand_in.__dict__[name]
    setattr(cls, name, made)
    return cast("Callable[..., Any]", made)


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
            _generated(owner, "__init__")  # the signature is the real __init__'s
            self.text = owner.__name__ + str(inspect.signature(owner)).replace(" -> None", "")
        return self.text


@overload
def record_class(cls: type[T], /) -> type[T]: ...
@overload
def record_class(
    *, frozen: bool = False, slots: bool = True, kw_only: bool = False, eq: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record_class(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = False,
    slots: bool = True,
    kw_only: bool = False,
    eq: bool = True,
) -> type[T] | Callable[[type[T]], type[T]]:
    """``@dataclass(slots=True)`` (or with ``frozen``, ``kw_only``, ``slots=False``,
    ``eq=False``), with the shared ``__repr__`` and ``__eq__`` described in the module's
    docstring. With ``eq=False``, as with ``dataclasses``, a record is equal only to itself
    and hashed by identity: no ``__eq__`` and no ``__hash__`` are added."""

    def make(cls: type[T]) -> type[T]:
        own = cls.__dict__
        doc = _SignatureDoc() if own.get("__doc__") is None else None
        if doc is not None:
            cls.__doc__ = doc  # type: ignore[assignment]
        # dataclasses' test: a body that defines __eq__ alone gets __hash__ = None implicitly.
        explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        # The frozen guards are written here (_guard_frozen) unless a base is a dataclass (then
        # dataclasses checks the bases' frozenness) or the body defines one (dataclasses
        # refuses it): the same functions, without two compilations (~0.15 ms) a class.
        guarded_here = frozen and not _guards_or_dataclass_bases(cls)
        made = dataclasses.dataclass(
            cls,
            init=False,  # made at the first instance: _Deferred
            repr=False,
            eq=False,
            frozen=frozen and not guarded_here,
            slots=slots,
            kw_only=kw_only,
        )
        if guarded_here:
            _guard_frozen(cls, made)
        fields = dataclasses.fields(cast(Any, made))
        if _has_init_vars(made):
            raise TypeError(f"{made.__qualname__}: @record_class takes no InitVar fields")
        if "__init__" not in own:  # as with dataclasses, an __init__ of its own is kept
            setattr(made, "__init__", _Deferred(made, "__init__"))  # noqa: B010  # as above
        if eq and frozen and not explicit_hash:  # the field-tuple hash eq=True gives it
            setattr(made, "__hash__", _Deferred(made, "__hash__"))  # noqa: B010
        setattr(made, _REPR_FIELDS, tuple(f.name for f in fields if f.repr))
        setattr(made, _COMPARE_FIELDS, tuple(f.name for f in fields if f.compare))
        # As with dataclasses, a method the class body defines itself is left alone.
        if "__repr__" not in own:
            made.__repr__ = _record_repr  # type: ignore[method-assign]
        if eq and "__eq__" not in own:
            made.__eq__ = _record_eq  # type: ignore[method-assign]
        if eq and not frozen and not explicit_hash:
            made.__hash__ = None  # type: ignore[assignment]  # what eq=True does
        if doc is not None:
            doc.ready = True
        return made

    return make if cls is None else make(cls)


def _guards_or_dataclass_bases(cls: type) -> bool:
    """Whether ``cls`` defines ``__setattr__`` or ``__delattr__`` itself, or has a dataclass
    among its bases: then ``dataclasses`` makes (or refuses) the frozen class itself."""
    own = cls.__dict__
    return (
        "__setattr__" in own
        or "__delattr__" in own
        or any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:])
    )


def _guard_frozen(body: type, made: type) -> None:
    """What ``@dataclass(frozen=True)`` adds to ``made`` (made from the class body ``body``
    with ``frozen=False``), without compiling anything: the ``__setattr__`` and ``__delattr__``
    it writes, as closures; ``frozen=True`` in ``__dataclass_params__`` (read by the stand-in
    that makes ``__init__`` and by subclasses' checks); with slots, its ``__getstate__`` and
    ``__setstate__`` for pickling and copying. Like the generated guards, these name the class
    body's class, which slots replace by a new class (Python 3.11-3.13 do the same: setting a
    name that is not a field on a slotted frozen instance raises ``super()``'s TypeError)."""
    names = frozenset(f.name for f in dataclasses.fields(cast(Any, made)))
    frozen_error = dataclasses.FrozenInstanceError

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is body or name in names:
            raise frozen_error(f"cannot assign to field {name!r}")
        super(body, self).__setattr__(name, value)  # type: ignore[arg-type]  # narrowed above

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is body or name in names:
            raise frozen_error(f"cannot delete field {name!r}")
        super(body, self).__delattr__(name)  # type: ignore[arg-type]

    for guard in (__setattr__, __delattr__):
        guard.__qualname__ = f"{made.__qualname__}.{guard.__name__}"
        guard.__module__ = made.__module__  # generated ones run in the class's module
        setattr(made, guard.__name__, guard)
    cast(Any, made).__dataclass_params__.frozen = True  # this class's own params object
    own = body.__dict__
    if made is not body:  # slots=True made a new class
        if "__getstate__" not in own:
            setattr(made, "__getstate__", _frozen_getstate)  # noqa: B010
        if "__setstate__" not in own:
            setattr(made, "__setstate__", _frozen_setstate)  # noqa: B010


def _frozen_getstate(self: Any) -> list[Any]:
    """``dataclasses``' ``__getstate__`` for a frozen slotted class: the fields' values."""
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _frozen_setstate(self: Any, state: list[Any]) -> None:
    """``dataclasses``' ``__setstate__`` for a frozen slotted class: past the guards."""
    for f, value in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _has_init_vars(cls: type) -> bool:
    """Whether ``cls`` declares an ``InitVar`` (a pseudo-field ``fields()`` leaves out)."""
    init_var = getattr(dataclasses, "_FIELD_INITVAR", None)  # dataclasses' marker, 3.11-3.14
    declared = cast(Any, cls).__dataclass_fields__.values()
    return any(getattr(f, "_field_type", None) is init_var for f in declared) and bool(init_var)

"""``@record_class`` (keapsim/datarecord.py) answers what ``@dataclass`` answers: the same
repr, equality, hashing and fields, with the shared methods instead of generated ones."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from keapsim.datarecord import record_class


def pair(**options: Any) -> tuple[type, type]:
    """The same class body made by ``@dataclass(slots=..., **options)`` and ``@record_class``."""

    def body() -> type:
        class Sample:
            id: int
            name: str = "x"
            secret: str = field(default="s", repr=False)
            seen: int = field(default=0, compare=False)
            tags: list[str] = field(default_factory=list, hash=False)

        return Sample

    slots = options.pop("slots", True)
    expected = dataclass(slots=slots, **options)(body())
    made = record_class(slots=slots, **options)(body())
    return expected, made


@pytest.mark.parametrize(
    "options",
    [{}, {"frozen": True}, {"slots": False}, {"frozen": True, "slots": False}],
    ids=["slots", "frozen", "plain", "frozen-plain"],
)
def test_repr_equality_and_hash_are_the_dataclasses_own(options: dict[str, Any]) -> None:
    expected_cls, made_cls = pair(**options)
    for args in [(1,), (1, "a", "hidden", 5), (2, "b", "s", 0, ["t"])]:
        expected, made = expected_cls(*args), made_cls(*args)
        assert repr(made) == repr(expected)
        for other_args in [(1,), (1, "a", "other", 9), (3,)]:
            assert (made == made_cls(*other_args)) == (expected == expected_cls(*other_args))
            assert (made != made_cls(*other_args)) == (expected != expected_cls(*other_args))
        assert made.__eq__(object()) is NotImplemented
        assert made != expected  # another class: never equal, as between two dataclasses
        if options.get("frozen") and not made.tags:
            assert hash(made) == hash(expected)
            assert {made: 1}[made_cls(*args)] == 1
        elif not options.get("frozen"):
            with pytest.raises(TypeError, match="unhashable"):
                hash(made)
    assert [f.name for f in dataclasses.fields(made_cls)] == [
        f.name for f in dataclasses.fields(expected_cls)
    ]
    assert made_cls.__match_args__ == expected_cls.__match_args__
    assert made_cls.__doc__ == expected_cls.__doc__  # "Sample(id: 'int', ...)", made when read
    assert made_cls(1).__doc__ == expected_cls(1).__doc__
    assert getattr(made_cls, "__slots__", None) == getattr(expected_cls, "__slots__", None)


def test_a_frozen_record_refuses_writes_and_survives_pickling() -> None:
    _, made_cls = pair(frozen=True)
    globals()["FrozenSample"] = made_cls  # pickle finds the class by its module and name
    made_cls.__qualname__ = "FrozenSample"
    made = made_cls(1, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "b"
    assert pickle.loads(pickle.dumps(made)) == made
    assert dataclasses.replace(made, name="c") == made_cls(1, "c")


def test_a_record_shown_inside_itself_shows_dots() -> None:
    expected_cls, made_cls = pair()
    expected, made = expected_cls(1), made_cls(1)
    expected.tags.append(expected)  # type: ignore[arg-type]
    made.tags.append(made)  # type: ignore[arg-type]
    assert repr(made) == repr(expected)
    assert repr(made).endswith("tags=[...])")


def test_a_docstring_of_its_own_is_kept() -> None:
    @record_class
    class Documented:
        """Said here."""

        id: int

    assert Documented.__doc__ == "Said here."
    assert Documented(1).__doc__ == "Said here."


def test_methods_the_class_defines_itself_are_kept() -> None:
    @record_class(frozen=True)
    class Own:
        id: int

        def __repr__(self) -> str:
            return "own"

        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 7

    assert repr(Own(1)) == "own"
    assert Own(1) == Own(2)
    assert hash(Own(1)) == 7

    @record_class
    class EqOnly:
        id: int

        def __eq__(self, other: object) -> bool:
            return True

    assert EqOnly(1) == EqOnly(2)
    with pytest.raises(TypeError, match="unhashable"):
        hash(EqOnly(1))


def test_the_store_records_keep_their_memory_layout() -> None:
    """Records have no ``__dict__`` (``__slots__``; docs/design/store.md "Memory")."""
    from datetime import UTC, datetime

    from keapsim.store.records import Tag

    when = datetime(2026, 1, 2, tzinfo=UTC)
    tag = Tag(
        id=1, name="vip", description=None, category_id=None, create_time=when, update_time=when
    )
    assert not hasattr(tag, "__dict__")
    assert tag == dataclasses.replace(tag)
    assert tag != dataclasses.replace(tag, name="other")
    assert repr(tag).startswith("Tag(id=1, name='vip', description=None, category_id=None, ")


def init_pair(**options: Any) -> tuple[type, type]:
    """A class body with every kind of field ``__init__`` handles, both ways."""

    def body() -> type:
        class Made:
            id: int
            name: str = "x"
            tags: list[str] = field(default_factory=list)
            seen: int = field(default=3, init=False)
            note: str = field(default="n", kw_only=True)

            def __post_init__(self) -> None:
                object.__setattr__(self, "seen", self.seen + len(self.tags))

        return Made

    return dataclass(**options)(body()), record_class(**options)(body())


@pytest.mark.parametrize("options", [{}, {"frozen": True}, {"slots": False}])
def test_init_is_the_dataclasses_own_made_at_the_first_instance(options: dict[str, Any]) -> None:
    slots = options.pop("slots", True)
    expected_cls, made_cls = init_pair(slots=slots, **options)
    assert made_cls.__init__.__qualname__ == "init_pair.<locals>.body.<locals>.Made.__init__"
    for args, kwargs in [((1,), {}), ((2, "b", ["t", "u"]), {"note": "m"})]:
        made, expected = made_cls(*args, **kwargs), expected_cls(*args, **kwargs)
        assert [getattr(made, f.name) for f in dataclasses.fields(made)] == [
            getattr(expected, f.name) for f in dataclasses.fields(expected)
        ]
    assert made_cls(1).tags is not made_cls(1).tags  # a fresh list each time
    for args, kwargs in [((), {}), ((1, "a", [], 4), {}), ((1,), {"seen": 2})]:
        with pytest.raises(TypeError) as made_error:
            made_cls(*args, **kwargs)
        with pytest.raises(TypeError) as expected_error:
            expected_cls(*args, **kwargs)
        assert str(made_error.value) == str(expected_error.value)


def test_the_signature_and_a_subclass_see_the_real_init() -> None:
    expected_cls, made_cls = init_pair()
    assert str(inspect.signature(made_cls)) == str(inspect.signature(expected_cls))
    _, parent = init_pair()

    class Child(parent):  # type: ignore[valid-type,misc]
        pass

    assert Child(5).id == 5
    assert inspect.isfunction(parent.__init__)  # the stand-in is gone


def test_an_init_var_is_refused() -> None:
    with pytest.raises(TypeError, match="InitVar"):

        @record_class
        class WithInitVar:
            id: int
            secret: dataclasses.InitVar[str]


def test_a_frozen_records_hash_is_made_at_the_first_hash() -> None:
    expected_cls, made_cls = pair(frozen=True)
    assert not inspect.isfunction(made_cls.__dict__["__hash__"])  # not made yet
    made, expected = made_cls(1, "a", "s", 9), expected_cls(1, "a", "s", 9)
    assert hash(made) == hash(expected)  # seen=9 takes no part (compare=False), tags neither
    assert inspect.isfunction(made_cls.__dict__["__hash__"])
    assert hash(made) == hash(made_cls(1, "a", "s", 0))  # only `seen` differs


def frozen_pair(slots: bool) -> tuple[type, type]:
    """A frozen class body made both ways, and named where pickle finds it."""

    def body() -> type:
        class Frozen:
            id: int
            name: str = "x"
            tags: tuple[str, ...] = ()

        return Frozen

    expected = dataclass(frozen=True, slots=slots)(body())
    made = record_class(frozen=True, slots=slots)(body())
    name = f"Frozen{'Slotted' if slots else 'Plain'}"
    for cls in (expected, made):  # the same names, so that error texts naming them agree
        cls.__qualname__ = cls.__name__ = name
    globals()[name] = made
    return expected, made


def outcome(action: Any) -> tuple[str, str]:
    try:
        action()
    except Exception as error:  # the class and text are what is compared
        return type(error).__name__, str(error)
    return "ok", ""


@pytest.mark.parametrize("slots", [True, False], ids=["slots", "plain"])
def test_frozen_guards_written_without_compiling_answer_as_the_generated_ones(slots: bool) -> None:
    """``_guard_frozen``: writes and deletes meet the errors ``@dataclass(frozen=True)`` gives,
    on the class and on a plain subclass, and pickling and copying go past the guards."""
    import copy

    expected_cls, made_cls = frozen_pair(slots)
    assert made_cls.__dataclass_params__.frozen is True
    for guard in ("__setattr__", "__delattr__"):
        made_guard, expected_guard = getattr(made_cls, guard), getattr(expected_cls, guard)
        assert made_guard.__qualname__ == expected_guard.__qualname__
        assert made_guard.__module__ == expected_guard.__module__
    subclasses = tuple(type("Sub", (c,), {}) for c in (expected_cls, made_cls))
    for expected_type, made_type in [(expected_cls, made_cls), subclasses]:
        expected, made = expected_type(1, "a"), made_type(1, "a")
        for name in ["id", "name", "other"]:
            assert outcome(lambda o=made, n=name: setattr(o, n, 2)) == outcome(
                lambda o=expected, n=name: setattr(o, n, 2)
            )
            assert outcome(lambda o=made, n=name: delattr(o, n)) == outcome(
                lambda o=expected, n=name: delattr(o, n)
            )
    made = made_cls(1, "a", ("t",))
    assert pickle.loads(pickle.dumps(made)) == made
    assert copy.deepcopy(made) == made and copy.copy(made) == made
    assert ("__getstate__" in made_cls.__dict__) == ("__getstate__" in expected_cls.__dict__)
    assert made.__getstate__() == expected_cls(1, "a", ("t",)).__getstate__()
    assert dataclasses.replace(made, name="b") == made_cls(1, "b", ("t",))


def test_frozenness_is_checked_across_record_subclasses() -> None:
    _, parent = frozen_pair(slots=False)
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):
        record_class(slots=False)(type("Thawed", (parent,), {"__annotations__": {"more": int}}))
    child = record_class(frozen=True, slots=False)(
        type("Child", (parent,), {"__annotations__": {"more": "int"}, "more": 0})
    )
    made = child(1, "a", (), 5)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'more'"):
        made.more = 6
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'id'"):
        made.id = 6


def test_a_frozen_body_that_defines_its_own_setattr_is_refused_as_by_dataclasses() -> None:
    def body() -> type:
        class Guarded:
            id: int

            def __setattr__(self, name: str, value: Any) -> None:
                raise AttributeError(name)

        return Guarded

    with pytest.raises(TypeError) as expected:
        dataclass(frozen=True)(body())
    with pytest.raises(TypeError) as made:
        record_class(frozen=True)(body())
    assert str(made.value) == str(expected.value)


@pytest.mark.parametrize(
    "options", [{}, {"frozen": True}, {"slots": False}], ids=["slots", "frozen", "plain"]
)
def test_without_eq_a_record_is_equal_to_itself_only_as_a_dataclass(
    options: dict[str, Any],
) -> None:
    expected_cls, made_cls = pair(eq=False, **options)
    expected, made = expected_cls(1), made_cls(1)
    assert repr(made) == repr(expected)
    assert made == made and made != made_cls(1)
    assert expected == expected and expected != expected_cls(1)
    assert hash(made) == object.__hash__(made)
    assert made_cls.__eq__ is object.__eq__ and made_cls.__hash__ is object.__hash__
    assert expected_cls.__eq__ is object.__eq__ and expected_cls.__hash__ is object.__hash__


def test_only_the_method_asked_for_is_made() -> None:
    """A frozen record's first instance makes ``__init__`` alone; its first hash, the hash."""
    _, made_cls = pair(frozen=True)
    made = made_cls(1)
    assert inspect.isfunction(made_cls.__dict__["__init__"])
    assert not inspect.isfunction(made_cls.__dict__["__hash__"])
    hash(made)
    assert inspect.isfunction(made_cls.__dict__["__hash__"])

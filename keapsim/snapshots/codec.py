"""Dataclass records to JSON values and back, guided by the records' type hints.

The store's records (``keapsim/store/models.py``, ``identity.py``) are plain dataclasses of
strings, numbers, datetimes, lists and dicts. JSON has no datetime and only string keys, so
datetimes travel as ISO 8601 strings (``isoformat``, microseconds and offset kept: a round trip
is exact) and ``dict[int, ...]`` keys are turned back into ints on the way in.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

Record = TypeVar("Record")


def to_json(value: Any) -> Any:
    """A JSON-ready copy of a record (or of any nesting of records, lists and dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(cls: type[Record], data: Any) -> Record:
    """Build a ``cls`` record from :func:`to_json` output.

    Raises ``ValueError`` naming the record type and the field when ``data`` does not fit.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {', '.join(sorted(unknown))}")
    values = {}
    for name, raw in data.items():
        try:
            values[name] = _decode(hints[name], raw)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{cls.__name__}.{name}: {err}") from None
    try:
        return cls(**values)
    except TypeError as err:  # a required field is missing
        raise ValueError(f"{cls.__name__}: {err}") from None


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, raw: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return raw
    if origin in (typing.Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return _decode(option, raw)
            except (TypeError, ValueError) as err:
                errors.append(str(err))
        raise ValueError("; ".join(errors))
    if origin is typing.Literal:
        if raw not in args:
            raise ValueError(f"{raw!r} is not one of {', '.join(map(repr, args))}")
        return raw
    if hint is datetime:
        if not isinstance(raw, str):
            raise ValueError(f"expected an ISO 8601 date-time string, got {raw!r}")
        return datetime.fromisoformat(raw)
    if dataclasses.is_dataclass(hint):
        return from_json(hint, raw)
    if origin is list:
        if not isinstance(raw, list):
            raise ValueError(f"expected a list, got {type(raw).__name__}")
        return [_decode(args[0] if args else Any, item) for item in raw]
    if origin is dict:
        if not isinstance(raw, dict):
            raise ValueError(f"expected an object, got {type(raw).__name__}")
        key_hint, value_hint = args or (str, Any)
        return {_decode_key(key_hint, k): _decode(value_hint, v) for k, v in raw.items()}
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"expected a number, got {raw!r}")
        return float(raw)
    if hint in (int, str, bool):
        # bool is an int in Python; a JSON true must not pass as an id.
        if not isinstance(raw, hint) or (hint is int and isinstance(raw, bool)):
            raise ValueError(f"expected {hint.__name__}, got {raw!r}")
        return raw
    return raw


def _decode_key(hint: Any, key: str) -> Any:
    if hint is int:
        return int(key)
    return key

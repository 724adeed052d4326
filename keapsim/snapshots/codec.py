"""Dataclass records to JSON values and back, guided by the records' type hints.

The store's records (``keapsim/store/models.py``, ``records.py``, ...) are plain dataclasses of
strings, numbers, datetimes, lists and dicts. JSON has no datetime and only string keys, so
datetimes travel as ISO 8601 strings (``isoformat``, microseconds and offset kept: a round trip
is exact) and ``dict[int, ...]`` keys are turned back into ints on the way in. Money is a
``Decimal``, saved as its string (a JSON number would pass through a binary float). Bytes (a
file's contents) travel as base64 text.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import Any, TypeVar, cast

Record = TypeVar("Record")


def to_json(value: Any) -> Any:
    """A JSON-ready copy of a record (or of any nesting of records, lists and dicts)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):  # file contents
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict | Mapping):  # a Mapping: a contact's items (store.models.Item)
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    names = _field_names(cast(type, type(value))) if dataclasses.is_dataclass(value) else None
    if names is not None:
        return {name: to_json(getattr(value, name)) for name in names}
    return value


def from_json(cls: type[Record], data: Any) -> Record:
    """Build a ``cls`` record from :func:`to_json` output.

    Raises ``ValueError`` naming the record type and the field when ``data`` does not fit.
    """
    return _record_decoder(cast(type, cls))(data)


# Decoding is compiled once per type (a snapshot holds thousands of records of a few types).
Decoder = Callable[[Any], Any]


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@cache
def _record_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = {name: _decoder(hints[name]) for name in _field_names(cls)}

    def decode(data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
        values = {}
        for name, raw in data.items():
            field = fields.get(name)
            if field is None:
                unknown = sorted(set(data) - set(fields))
                raise ValueError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
            try:
                values[name] = field(raw)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{cls.__name__}.{name}: {err}") from None
        try:
            return cls(**values)
        except TypeError as err:  # a required field is missing
            raise ValueError(f"{cls.__name__}: {err}") from None

    return decode


def _decoder(hint: Any) -> Decoder:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return _identity
    if origin in (typing.Union, types.UnionType):
        return _union([_decoder(a) for a in args if a is not type(None)], type(None) in args)
    if origin is typing.Literal:
        return partial(_literal, args)
    if hint is datetime:
        return _datetime
    if hint is Decimal:
        return _decimal
    if hint is bytes:
        return _bytes
    if dataclasses.is_dataclass(hint):
        return _record_decoder(cast(type, hint))
    if origin is list:
        return partial(_list, _decoder(args[0]) if args else _identity)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
        return partial(_tuple, _decoder(args[0]))
    if origin is dict:
        key_hint, value_hint = args or (str, Any)
        return partial(_dict, int if key_hint is int else str, _decoder(value_hint))
    if hint is float:
        return _float
    if hint in (int, str, bool):
        return partial(_exact, hint)
    return _identity


def _identity(raw: Any) -> Any:
    return raw


def _union(options: list[Decoder], nullable: bool) -> Decoder:
    def decode(raw: Any) -> Any:
        if raw is None and nullable:
            return None
        errors = []
        for option in options:
            try:
                return option(raw)
            except (TypeError, ValueError) as err:
                errors.append(str(err))
        raise ValueError("; ".join(errors) or f"unexpected {raw!r}")

    return decode


def _literal(allowed: tuple[Any, ...], raw: Any) -> Any:
    if raw not in allowed:
        raise ValueError(f"{raw!r} is not one of {', '.join(map(repr, allowed))}")
    return raw


def _datetime(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise ValueError(f"expected an ISO 8601 date-time string, got {raw!r}")
    return datetime.fromisoformat(raw)


def _decimal(raw: Any) -> Decimal:
    if not isinstance(raw, str):
        raise ValueError(f"expected a decimal number as a string, got {raw!r}")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"expected a decimal number, got {raw!r}") from None


def _bytes(raw: Any) -> bytes:
    if not isinstance(raw, str):
        raise ValueError(f"expected base64 text, got {type(raw).__name__}")
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error:
        raise ValueError("expected base64 text") from None


def _list(item: Decoder, raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"expected a list, got {type(raw).__name__}")
    return [item(v) for v in raw]


def _tuple(item: Decoder, raw: Any) -> tuple[Any, ...]:
    return tuple(_list(item, raw))


def _dict(key: type, value: Decoder, raw: Any) -> dict[Any, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {type(raw).__name__}")
    return {key(k): value(v) for k, v in raw.items()}


def _float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"expected a number, got {raw!r}")
    return float(raw)


def _exact(kind: type, raw: Any) -> Any:
    # bool is an int in Python; a JSON true must not pass as an id.
    if not isinstance(raw, kind) or (kind is int and isinstance(raw, bool)):
        raise ValueError(f"expected {kind.__name__}, got {raw!r}")
    return raw

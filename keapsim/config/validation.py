"""The pydantic models that check settings input, derived from the dataclasses of
:mod:`keapsim.config` (their fields, defaults, bounds and descriptions are declared there once).

Loaded only on the paths that take untrusted settings: the admin API, scenario files,
``--state-file`` documents and settings handed to the simulator from Python. Each derived model
carries its class's name, forbids unknown keys and, once it has checked a value, converts it
into the plain dataclass the store and the simulator carry.
"""

from __future__ import annotations

import dataclasses
import types
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import BaseModel, ConfigDict, Field, create_model

# The settings classes call into this module; it knows them only as dataclasses (no import
# back: keapsim has no import cycles, tests/architecture/test_layers.py).
if TYPE_CHECKING:
    from . import Settings

S = TypeVar("S", bound="Settings")


def validate(kind: type[S], data: Any) -> S:
    """``data`` (a dict or a ``kind`` instance) as a checked ``kind``; raises
    ``pydantic.ValidationError`` naming each bad field."""
    return to_plain(kind, model_of(kind).model_validate(_as_data(data)))


def _as_data(data: Any) -> Any:
    """Settings objects among the input (``limits=Limits(...)``) as the dicts the models read."""
    if _is_settings(type(data)):
        return data.model_dump()
    if isinstance(data, dict):
        return {key: _as_data(value) for key, value in data.items()}
    return data


def to_plain(kind: type[S], model: BaseModel) -> S:
    """A validated model as its dataclass (nested settings included)."""
    values: dict[str, Any] = {}
    for name, hint in _hints(kind).items():
        value = getattr(model, name)
        nested = _settings_class(hint)
        values[name] = to_plain(nested, value) if nested is not None else value
    return kind(**values)


_MODELS: dict[type[Settings], type[BaseModel]] = {}


def model_of(kind: type[Settings]) -> type[BaseModel]:
    """The pydantic model of a settings dataclass: same name, fields, defaults and bounds
    (built once; a race builds it twice, harmlessly)."""
    model = _MODELS.get(kind)
    if model is None:
        model = _MODELS[kind] = _derive(kind)
    return model


def _derive(kind: type[Settings]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for spec in dataclasses.fields(kind):  # type: ignore[arg-type]
        hint = _hints(kind)[spec.name]
        nested = _settings_class(hint)
        annotation = model_of(nested) if nested is not None else _bounded(hint, spec.metadata)
        fields[spec.name] = (annotation, _field(spec, nested))
    return create_model(
        kind.__name__,
        __config__=ConfigDict(extra="forbid"),
        __doc__=kind.__doc__,
        **fields,
    )


def _hints(kind: type[Settings]) -> dict[str, Any]:
    return {
        name: hint
        for name, hint in get_type_hints(kind, include_extras=True).items()
        if name in {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    }


def _is_settings(kind: type[Any]) -> bool:
    return dataclasses.is_dataclass(kind) and hasattr(kind, "model_dump")


def _settings_class(hint: Any) -> type[Settings] | None:
    return hint if isinstance(hint, type) and _is_settings(hint) else None


def _bounded(hint: Any, metadata: Any) -> Any:
    """``hint`` with the field's bounds; in a union with literals (``HookSettings.delay``) the
    bounds apply to its number alone."""
    bounds = metadata.get("bounds") or {}
    if not bounds:
        return hint
    if get_origin(hint) in (Union, types.UnionType):
        members = [
            Annotated[m, Field(**bounds)] if m in (int, float) else m for m in get_args(hint)
        ]
        return Union[tuple(members)]  # noqa: UP007 (built from a list)
    return Annotated[hint, Field(**bounds)]


def _field(spec: dataclasses.Field[Any], nested: type[Settings] | None) -> Any:
    description = spec.metadata.get("description")
    if spec.default_factory is not dataclasses.MISSING:
        factory = spec.default_factory
        if nested is not None:
            model = model_of(nested)
            return Field(
                default_factory=lambda: model.model_validate(factory().model_dump()),
                description=description,
            )
        return Field(default_factory=factory, description=description)
    return Field(default=spec.default, description=description)

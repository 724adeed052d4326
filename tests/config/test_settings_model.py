"""The settings the simulator carries are plain dataclasses; the pydantic models that check
settings input are derived from them (keapsim/config/validation.py). These tests hold the two
to one declaration: same names, defaults and bounds, and validated input comes back plain."""

from __future__ import annotations

import dataclasses
import math

import pytest
from pydantic import ValidationError

from keapsim import Simulator
from keapsim.config import (
    MAX_TTL_SECONDS,
    HookSettings,
    Limits,
    Settings,
    TenantSettings,
    Window,
)
from keapsim.config.validation import model_of

SETTINGS_CLASSES = (Window, Limits, HookSettings, TenantSettings)


@pytest.mark.parametrize("kind", SETTINGS_CLASSES, ids=lambda k: k.__name__)
def test_each_model_has_its_class_name_fields_and_defaults(kind: type[Settings]) -> None:
    model = model_of(kind)
    assert model.__name__ == kind.__name__
    assert tuple(model.model_fields) == kind.field_names()
    assert model().model_dump() == kind().model_dump()


def test_validated_settings_come_back_as_the_plain_classes() -> None:
    settings = TenantSettings.model_validate(
        {"limits": {"api_key": {"per_minute": 5}}, "hooks": {"delay": 2}}
    )
    assert type(settings) is TenantSettings
    assert type(settings.limits) is Limits
    assert type(settings.limits.api_key) is Window
    assert type(settings.hooks) is HookSettings
    assert settings.limits.api_key == Window(per_minute=5)
    assert settings.limits.tenant == Limits().tenant  # nested defaults kept
    assert settings.hooks.delay == 2.0


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ({"access_token_ttl": 0}, ("access_token_ttl",), "greater than 0"),
        ({"refresh_token_ttl": MAX_TTL_SECONDS + 1}, ("refresh_token_ttl",), "less than or equal"),
        ({"file_storage_bytes": -1}, ("file_storage_bytes",), "greater than or equal to 0"),
        ({"limits": {"tenant": {"per_day": -1}}}, ("limits", "tenant", "per_day"), ">= 0"),
        ({"hooks": {"timeout": 301}}, ("hooks", "timeout"), "less than or equal to 300"),
        ({"hooks": {"delay": math.inf}}, ("hooks", "delay", "constrained-float"), "finite"),
        ({"hooks": {"delay": -1}}, ("hooks", "delay", "constrained-float"), ">= 0"),
        ({"profile": "other"}, ("profile",), "'keap' or 'guide'"),
        ({"throttel": True}, ("throttel",), "Extra inputs are not permitted"),
    ],
)
def test_the_declared_bounds_are_the_validated_bounds(
    data: dict[str, object], where: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        TenantSettings.model_validate(data)
    errors = {tuple(e["loc"]): e["msg"] for e in caught.value.errors()}
    assert where in errors
    expected = message.replace(">= 0", "greater than or equal to 0")
    assert expected in errors[where]


def _breaking(bound: str, limit: float) -> float:
    """A value just outside ``bound`` (``ge``, ``gt``, ``le``, ``allow_inf_nan``)."""
    return {"ge": limit - 1, "gt": limit, "le": limit + 1, "allow_inf_nan": math.inf}[bound]


@pytest.mark.parametrize("kind", SETTINGS_CLASSES, ids=lambda k: k.__name__)
def test_every_bound_declared_in_a_dataclass_is_enforced_by_its_model(
    kind: type[Settings],
) -> None:
    model = model_of(kind)
    for spec in dataclasses.fields(kind):  # type: ignore[arg-type]
        for bound, limit in (spec.metadata.get("bounds") or {}).items():
            with pytest.raises(ValidationError) as caught:
                model.model_validate({spec.name: _breaking(bound, limit)})
            assert all(e["loc"][0] == spec.name for e in caught.value.errors()), (spec, bound)


def test_the_model_keeps_descriptions_and_defaults_for_its_schema() -> None:
    ttl = model_of(TenantSettings).model_json_schema()["properties"]["access_token_ttl"]
    assert (ttl["exclusiveMinimum"], ttl["maximum"], ttl["default"]) == (0, MAX_TTL_SECONDS, 86_400)
    assert ttl["description"] == "seconds (Keap: 24 h)"


def test_nested_settings_may_be_given_as_dicts_and_copied() -> None:
    settings = TenantSettings(throttle=False, hooks={"delay": "immediate"})  # type: ignore[arg-type]
    assert settings.hooks == HookSettings(delay="immediate")
    copy = settings.model_copy(update={"throttle": True})
    assert (copy.throttle, settings.throttle) == (True, False)
    deep = settings.model_copy(deep=True)
    deep.hooks.delay = 5.0
    assert settings.hooks.delay == "immediate"


def test_each_tenant_owns_its_settings() -> None:
    sim = Simulator(throttle=False)
    first = sim.tenant()
    second = sim.tenant(sim.create_tenant().tenant_id)
    first.settings.file_storage_bytes = 4
    first.settings.limits.api_key.per_minute = 1
    assert second.settings.file_storage_bytes == TenantSettings().file_storage_bytes
    assert second.settings.limits.api_key == Limits().api_key
    assert sim.defaults == TenantSettings(throttle=False)


def test_the_simulator_checks_settings_handed_in_from_python() -> None:
    with pytest.raises(ValidationError, match="access_token_ttl"):
        Simulator(settings=TenantSettings(access_token_ttl=-5))
    with pytest.raises(ValidationError, match="'keap' or 'guide'"):
        Simulator(profile="other")  # type: ignore[arg-type]
    sim = Simulator(throttle=False)
    with pytest.raises(ValidationError, match="Extra inputs"):
        sim.create_tenant(throttel=False)
    tenant = sim.tenant(sim.create_tenant(limits=Limits(api_key=Window(per_minute=2))).tenant_id)
    assert tenant.settings.limits.api_key == Window(per_minute=2)
    assert type(tenant.settings) is TenantSettings

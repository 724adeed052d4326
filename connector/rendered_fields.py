"""``contact.fields``: any contact property the flow sets, rendered over the lead.

Also the ``fields:`` columns mapped to ``contact.<property>``. Empty values are left out,
dates and ids are written as the API version wants them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.apiversion import wire_id
from connector.config import ApiVersion, ConnectorConfig
from connector.contact_fields import DATE_PROPERTIES, canonical_property
from connector.templates import render
from connector.validation import normalise_date

_ID_PROPERTIES = {"owner_id", "leadsource_id", "lead_source_id"}


def render_contact_fields(config: ConnectorConfig, lead: Mapping[str, Any]) -> dict[str, Any]:
    """``contact.fields`` rendered over the lead, plus ``fields:`` columns mapped to
    ``contact.<property>``; empty values are left out, dates put in the version's format."""
    version = config.keap.api_version
    values: dict[str, Any] = {}
    for key, value in lead.items():
        if key.startswith("contact.") and value not in (None, ""):
            # ``contact.company.company_name``: a nested property of a structured field
            prop, *path = key.removeprefix("contact.").split(".")
            prop = canonical_property(version, prop)
            for part in reversed(path):
                value = {part: value}
            if isinstance(value, dict) and isinstance(values.get(prop), dict):
                value = {**values[prop], **value}
            values[prop] = value
    for name, spec in config.contact.fields.items():
        value = _render_tree(spec, lead, f"contact.fields.{name}")
        if value not in (None, "", [], {}):
            values[canonical_property(version, name)] = value
    return {key: _wire_value(version, key, value) for key, value in values.items()}


def _render_tree(spec: Any, lead: Mapping[str, Any], name: str) -> Any:
    if isinstance(spec, str):
        return render(spec, lead, name=name)
    if isinstance(spec, list):
        items = [_render_tree(v, lead, f"{name}[{i}]") for i, v in enumerate(spec)]
        return [v for v in items if v not in (None, "", {}, [])]
    if isinstance(spec, dict):
        out = {k: _render_tree(v, lead, f"{name}.{k}") for k, v in spec.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    return spec


def _wire_value(version: ApiVersion, key: str, value: Any) -> Any:
    if key in DATE_PROPERTIES:
        day = normalise_date(f"contact.fields.{key}", value)
        # v1 declares these as date-time; midnight UTC keeps the calendar day intact.
        return day if version is ApiVersion.V2 else f"{day}T00:00:00.000Z"
    if key in _ID_PROPERTIES and str(value).strip().isdigit():
        return wire_id(version, int(str(value).strip()))
    return value

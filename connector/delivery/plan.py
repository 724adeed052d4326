"""Planning a delivery: validate the lead and render every template before the first request."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connector.config import ConnectorConfig, When
from connector.delivery.run import FlowProblem, Plan, Run
from connector.fields import FieldMap
from connector.mapping import render_contact_fields
from connector.templates import is_template, lead_budget, render
from connector.validation import normalise_lead


def plan_delivery(run: Run, config: ConnectorConfig, fields: FieldMap) -> Plan:
    """The lead normalised (its warnings added to ``run``) and the flow's templates rendered."""
    run.stage = "validation"
    lead = fields.apply(run.lead)
    norm = normalise_lead(
        lead,
        default_region=config.contact.default_region,
        address_type=config.contact.address_type,
        truncate=config.truncate_long_values,
        phone_policy=config.phone_policy,
    )
    run.warnings.extend(norm.warnings)
    run.stage = "templates"
    with lead_budget():
        source = config.contact.lead_source
        if isinstance(source, str) and is_template(source):
            source = render(source, lead, name="contact.lead_source") or None
        note = config.note
        return Plan(
            lead=norm,
            tags=_planned_tags(config, lead),
            custom_values=_planned_custom_values(config, lead),
            lead_source=source,
            note_title=render(note.title, lead, name="note.title") or "Lead comments",
            note_body=render(note.body, lead, name="note.body") if note.body else None,
            contact_fields=render_contact_fields(config, lead),
        )


def _planned_tags(config: ConnectorConfig, lead: Mapping[str, Any]) -> list[tuple[int, When]]:
    tags: list[tuple[int, When]] = []
    for i, rule in enumerate(config.tags):
        for tag_id in _ids(rule.id, lead, f"tags[{i}]"):
            if (tag_id, rule.when) not in tags:
                tags.append((tag_id, rule.when))
    return tags


def _planned_custom_values(
    config: ConnectorConfig, lead: Mapping[str, Any]
) -> list[tuple[int | str, str]]:
    custom = []
    for i, rule in enumerate(config.custom_fields):
        content = render(rule.value, lead, name=f"custom_fields[{i}]")
        if content:
            custom.append((rule.field, content))
    return custom


_ID_SPLIT = re.compile(r"[\s,;]+")


def _ids(ref: int | str, lead: Mapping[str, Any], name: str) -> list[int]:
    if isinstance(ref, int):
        return [ref]
    text = render(ref, lead, name=name)
    ids = []
    for part in filter(None, _ID_SPLIT.split(text)):
        if not part.isdigit():
            # Do not quote the rendered text: it may come from the lead.
            raise FlowProblem(f"{name} rendered something that is not a numeric tag id")
        ids.append(int(part))
    return ids

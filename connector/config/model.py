"""``ConnectorConfig``: a whole flow, and the checks that need more than one of its sections."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator

from connector.config.base import StrictModel, strings_in
from connector.config.choices import Action, DuplicateMode, ErrorBehaviour, PhonePolicy
from connector.config.keap import KeapSettings
from connector.config.operations import Failures, Monitoring, ServeSettings
from connector.config.rules import (
    ContactDefaults,
    CustomFieldRule,
    Duplicates,
    ExistingContacts,
    NoteSettings,
    SequenceRule,
    TagRule,
    UtmSettings,
)
from connector.contact_fields import UPDATABLE_FIELDS, contact_field_problem, property_for


class ConnectorConfig(StrictModel):
    _load_notes: list[str] = PrivateAttr(default_factory=list)
    keap: KeapSettings
    action: Action = Action.CONTACT
    duplicates: Duplicates = Duplicates()
    # ``error_behavior`` is the key's name in the text (``error_behavior: stop``); both
    # spellings are accepted, giving both at once is an error (the second is an unknown key).
    on_error: ErrorBehaviour = Field(
        default=ErrorBehaviour.CONTINUE,
        validation_alias=AliasChoices("on_error", "error_behavior"),
    )
    contact: ContactDefaults = ContactDefaults()
    tags: list[TagRule] = []
    sequences: list[SequenceRule] = []
    custom_fields: list[CustomFieldRule] = []
    note: NoteSettings = NoteSettings()
    utm: UtmSettings = UtmSettings()
    existing_contacts: ExistingContacts = ExistingContacts()
    #: Cut over-long values to Keap's limits instead of failing the lead.
    truncate_long_values: bool = False
    #: Input column -> lead field (``E-mail Addr: email``) or ``contact.<Keap field>``.
    fields: dict[str, str] = {}
    phone_policy: PhonePolicy = PhonePolicy.LENIENT
    monitoring: Monitoring = Monitoring()
    failures: Failures = Failures()
    serve: ServeSettings = ServeSettings()

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_shorthand(cls, value: Any) -> Any:
        # ``tags: [12, "{{ ... }}"]`` is shorthand for ``[{id: 12}, {id: "{{ ... }}"}]``.
        if isinstance(value, list):
            return [{"id": v} if isinstance(v, int | str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _coherent(self) -> ConnectorConfig:
        if self.duplicates.mode is not DuplicateMode.UPDATE_EXISTING and (
            self.existing_contacts.restricted
        ):
            raise ValueError(
                "existing_contacts.update_fields/preserve_fields only apply with "
                "duplicates.mode: update_existing"
            )
        version = self.keap.api_version
        for name in self.contact.fields:
            problem = contact_field_problem(version, name)
            if problem:
                raise ValueError(f"contact.fields.{name}: {problem}")
        for column, target in self.fields.items():
            if target.startswith("contact."):
                prop = target.removeprefix("contact.").split(".", 1)[0]
                problem = contact_field_problem(version, prop)
                if problem:
                    raise ValueError(f"fields.{column}: {problem}")
        rules = self.existing_contacts
        for key in ("update_fields", "preserve_fields"):
            for name in getattr(rules, key):
                if property_for(version, name, self.custom_field_labels) is None:
                    raise ValueError(
                        f"existing_contacts.{key}: unknown field {name!r}; use a group "
                        f"({', '.join(UPDATABLE_FIELDS)}), a slot (phone_1, email_2), "
                        "custom_<label> for a custom field, or a Keap contact field"
                    )
        return self

    def templates(self) -> list[str]:
        """Every template string of the flow (tags, custom fields, note, contact fields...)."""
        found = [r.id for r in self.tags if isinstance(r.id, str)]
        found += [r.value for r in self.custom_fields]
        found += [self.note.title, self.note.body or ""]
        if isinstance(self.contact.lead_source, str):
            found.append(self.contact.lead_source)
        found += strings_in(self.contact.fields)
        return [t for t in found if "{{" in t or "{%" in t]

    @property
    def load_notes(self) -> list[str]:
        """What loading changed: templates translated from the guide's syntax."""
        return list(self._load_notes)

    @property
    def custom_field_labels(self) -> dict[str, int | str]:
        """``custom_<label>`` names of the flow's custom fields -> their label or id."""
        out: dict[str, int | str] = {}
        for rule in self.custom_fields:
            out[f"custom_{_snake(str(rule.field))}"] = rule.field
        return out


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")

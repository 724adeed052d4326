"""What a flow does with a lead: duplicates, contact fields, tags, sequences, custom fields,
the note, UTM values, and the rules for contacts that already exist."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from connector.apiversion import ApiVersion
from connector.config.base import StrictModel, checked_template, strings_in
from connector.config.choices import AddressType, DuplicateMode, MatchRule, When, source_type_for


class Duplicates(StrictModel):
    mode: DuplicateMode = DuplicateMode.UPDATE_EXISTING
    match: MatchRule = MatchRule.EMAIL


class TagRule(StrictModel):
    #: A tag id, or a template rendering to an id, a comma-separated list of ids, or nothing.
    id: int | str
    when: When = When.ALWAYS

    @field_validator("id")
    @classmethod
    def _template_compiles(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            checked_template(value)
        return value


class SequenceRule(StrictModel):
    campaign_id: int
    sequence_id: int
    when: When = When.ALWAYS


class CustomFieldRule(StrictModel):
    #: A Keap custom-field label (resolved once via the contact model) or its numeric id.
    field: int | str
    #: Template over the lead; an empty result leaves the field untouched.
    value: str

    @field_validator("value")
    @classmethod
    def _template_compiles(cls, value: str) -> str:
        return checked_template(value)


class NoteSettings(StrictModel):
    enabled: bool = True
    title: str = "Lead comments"
    #: Template for the note's text; without it the note holds the lead's comments. Tracking
    #: data (referring URL, UTM values without a form id) is appended either way.
    body: str | None = None
    #: Keap note type; v1 accepts Appointment, Call, Email, Fax, Letter, Other.
    type: str | None = "Other"
    #: v2 requires a user id on notes; falls back to owner_id, then to the token's own user.
    user_id: int | None = None
    #: Put the referring URL into the note (Keap has no other place for it), and the UTM
    #: parameters too when no ``utm.keap_source_id`` is configured.
    include_tracking: bool = True

    @field_validator("title", "body")
    @classmethod
    def _template_compiles(cls, value: str | None) -> str | None:
        return None if value is None else checked_template(value)


class UtmSettings(StrictModel):
    #: Keap records UTM values only with ``keap_source_id`` (a Keap form id): v2 in the contact's
    #: ``utm_parameters``, v1 through ``POST /v1/contacts/{id}/utm``. Without it they go to the
    #: note instead.
    keap_source_id: str | None = None


class ContactDefaults(StrictModel):
    address_type: AddressType = AddressType.BILLING
    contact_type: str | None = None
    preferred_locale: str | None = None
    source_type: str | None = None
    #: An id, a lead source name (looked up in Keap and cached) or a template producing either.
    lead_source: int | str | None = None
    owner_id: int | None = None
    #: Region used for phone numbers without a country prefix and for addresses without country.
    default_region: str = Field(default="US", min_length=2, max_length=2)
    #: Any other Keap contact field (``company``, ``middle_name``, ``birth_date``/``birthday``,
    #: ``social_accounts`` ...) -> a value whose strings are templates over the lead. Checked
    #: against the contact model of ``keap.api_version`` when the flow loads.
    fields: dict[str, Any] = {}

    @field_validator("fields")
    @classmethod
    def _field_templates(cls, value: dict[str, Any]) -> dict[str, Any]:
        for template in strings_in(value):
            checked_template(template)
        return value

    @field_validator("source_type")
    @classmethod
    def _known_source_type(cls, value: str | None) -> str | None:
        if value is not None:
            source_type_for(ApiVersion.V2, value)
        return value

    @field_validator("preferred_locale")
    @classmethod
    def _locale_shape(cls, value: str | None) -> str | None:
        if value is not None and not (2 <= len(value) <= 10):
            raise ValueError("expected a locale such as en_US")
        return value

    @field_validator("lead_source")
    @classmethod
    def _lead_source_template(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str):
            checked_template(value)
        return value

    @field_validator("default_region")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ExistingContacts(StrictModel):
    #: Only these fields are written to a contact that already exists (empty = all).
    update_fields: list[str] = []
    #: These fields are never overwritten on a contact that already exists.
    preserve_fields: list[str] = []

    @field_validator("update_fields", "preserve_fields")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        # Group names (phones, custom_fields ...), single slots (phone_1), custom fields by
        # label (custom_score) and any contact property; checked per version in the flow.
        return value

    @property
    def restricted(self) -> bool:
        return bool(self.update_fields or self.preserve_fields)

    def allows(self, field: str) -> bool:
        if self.update_fields and field not in self.update_fields:
            return False
        return field not in self.preserve_fields

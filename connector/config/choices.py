"""The choices a flow offers: the enumerations of its keys, and Keap's source types."""

from __future__ import annotations

from enum import StrEnum

from connector.apiversion import ApiVersion


class Action(StrEnum):
    #: create or update the contact, then run tags, sequences and the note
    CONTACT = "contact"
    #: validate, normalise and map only; nothing is sent (useful to check a flow)
    VALIDATE_ONLY = "validate_only"


class DuplicateMode(StrEnum):
    UPDATE_EXISTING = "update_existing"
    CREATE_NEW = "create_new"
    SKIP_EXISTING = "skip_existing"


class MatchRule(StrEnum):
    EMAIL = "email"
    EMAIL_AND_NAME = "email_and_name"

    @property
    def duplicate_option(self) -> str:
        """The value Keap expects in ``duplicate_option``."""
        return "Email" if self is MatchRule.EMAIL else "EmailAndName"


class ErrorBehaviour(StrEnum):
    CONTINUE = "continue"
    STOP = "stop"


class PhonePolicy(StrEnum):
    """What to do with a phone number libphonenumber does not validate.

    Keap stores phone numbers as text, so a number it cannot dial (``555-0123``, a local
    number without area code) can still be worth keeping.
    """

    #: the default: a *possible* number (``555-0123``) is sent as given, with a warning; one
    #: that cannot be a phone number at all (``12345``: too short) fails the lead
    LENIENT = "lenient"
    #: any such number is sent as given, with a warning
    RAW = "raw"
    #: any such number is left out (the lead is delivered without it), with a warning
    DROP = "drop"
    #: any such number fails the lead
    STRICT = "strict"


class AddressType(StrEnum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"
    OTHER = "OTHER"


class When(StrEnum):
    """When a follow-up (tag, sequence) applies, judged on the contact step's result."""

    ALWAYS = "always"
    NEW = "new"  # only when Keap created the contact
    DUPLICATE = "duplicate"  # only when an existing contact was matched


# v1 and v2 spell the source types differently (WEBFORM vs LANDING_PAGE / LANDINGPAGE); users may
# write either and the mapping converts to the spelling of the configured API version.
SOURCE_TYPES_V2 = {
    "API",
    "APPOINTMENT",
    "FORM_API_HOSTED",
    "FORM_API_INTERNAL",
    "IMPORT",
    "INTERNAL_FORM",
    "LANDING_PAGE",
    "MANUAL",
    "OTHER",
    "UNKNOWN",
    "WEBFORM",
}


def source_type_for(version: ApiVersion, value: str) -> str:
    """Spell a source type the way the given API version wants it."""
    canonical = value.strip().upper().replace("-", "_").replace(" ", "_")
    squashed = canonical.replace("_", "")
    v2 = next((s for s in SOURCE_TYPES_V2 if s.replace("_", "") == squashed), None)
    if v2 is None:
        raise ValueError(f"unknown source type {value!r}")
    return v2 if version is ApiVersion.V2 else v2.replace("_", "")

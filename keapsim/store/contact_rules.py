"""Contact rules that do not depend on where a contact is stored: validation, normalisation,
duplicate matching. Messages are Keap's own where keap-facts.md quotes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import UNCONVERTIBLE, Invalid
from .models import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    DUPLICATE_OPTIONS,
    EMAIL_FIELDS,
    FAX_FIELDS,
    PHONE_FIELDS,
    SOCIAL_TYPES,
    SOURCE_TYPES,
    Contact,
)
from .regions import normalise_region

MISSING_EMAIL_OR_PHONE = "Contact must contain an e-mail address or phone number"

# Length limits from the v2 SDK document (keap-facts.md §4.1). Keap does not publish the 400
# message for an over-long value; the wording below is keapsim's own.
SCALAR_MAX_LENGTH = {
    "given_name": 40,
    "family_name": 40,
    "middle_name": 100,
    "preferred_name": 100,
    "spouse_name": 100,
    "job_title": 255,
    "website": 100,
    "assistant_name": 20,
    "assistant_phone": 15,
    "prefix": 20,
    "suffix": 20,
    "company_name": 255,
}


def too_long(name: str, limit: int) -> Invalid:
    return Invalid(f"{name} exceeds the maximum length of {limit}", field=name)


def unconvertible(field: str) -> Invalid:
    return Invalid(UNCONVERTIBLE, field=field)


def _check_text(value: Any, limit: int, label: str, field: str) -> str:
    """``value`` if it is a string of at most ``limit`` characters; ``label`` names it in the
    too-long message, ``field`` in the wrong-type one."""
    if not isinstance(value, str):
        raise unconvertible(field)
    if len(value) > limit:
        raise too_long(label, limit)
    return value


def _check_enum(value: Any, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise Invalid(f"{name} must be one of {', '.join(allowed)}", field=name)


def _email_limit(field: str) -> int:
    return 75 if field == "EMAIL1" else 100


def _phone_limit(field: str) -> int:
    return 40 if field in ("PHONE1", "PHONE2", "PHONE3") else 20


def _copied_items(items: Any, name: str) -> list[dict[str, Any]]:
    """A copy of a collection (a list of objects) that normalising may change in place."""
    if not isinstance(items, list) or not all(
        isinstance(i, dict) or isinstance(i, Mapping) for i in items
    ):
        raise unconvertible(name)
    return [dict(i) for i in items]


def _email_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = _copied_items(value, name)
    for item in items:
        _check_enum(item.get("field"), EMAIL_FIELDS, "email_addresses.field")
        field = item["field"]
        email = item.get("email")
        # The length counts after the surrounding blanks are dropped.
        email = email.strip() if isinstance(email, str) else email
        if not isinstance(email, str) or len(email) > _email_limit(field):
            # The label is built only for the error (issue 18: most creates are valid).
            _check_text(email, _email_limit(field), f"{field} email", name)
        item["email"] = email
    return items


def _phone_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = _copied_items(value, name)
    for item in items:
        _check_enum(item.get("field"), PHONE_FIELDS, "phone_numbers.field")
        field = item["field"]
        number = item.get("number")
        if not isinstance(number, str) or len(number) > _phone_limit(field):
            _check_text(number, _phone_limit(field), f"{field} number", name)
    return items


def _fax_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = _copied_items(value, name)
    for item in items:
        _check_enum(item.get("field"), FAX_FIELDS, "fax_numbers.field")
    return items


def _address_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = _copied_items(value, name)
    for item in items:
        _normalise_address(item)
    return items


def _social_items(value: Any, name: str) -> list[dict[str, Any]]:
    items = _copied_items(value, name)
    for item in items:
        _check_enum(item.get("type"), SOCIAL_TYPES, "social_accounts.type")
    return items


def _whole_number(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise unconvertible(name)
    return value


def _text_of_at_most(limit: int) -> Callable[[Any, str], str]:
    def check(value: Any, name: str) -> str:
        return _check_text(value, limit, name, name)

    return check


def _source_type(value: Any, name: str) -> Any:
    _check_enum(value, SOURCE_TYPES, name)
    return value


# How each field with a rule is checked and normalised (a field not named here is kept as it
# is): one dictionary lookup per field where a chain of comparisons ran for each (issue 18).
_FIELD_RULES: dict[str, Callable[[Any, str], Any]] = {
    **{name: _text_of_at_most(limit) for name, limit in SCALAR_MAX_LENGTH.items()},
    "company_id": _whole_number,
    "owner_id": _whole_number,
    "lead_source_id": _whole_number,
    "source_type": _source_type,
    "email_addresses": _email_items,
    "phone_numbers": _phone_items,
    "fax_numbers": _fax_items,
    "addresses": _address_items,
    "social_accounts": _social_items,
    "birthday": lambda value, name: _normalise_date(value, name),
    "anniversary": lambda value, name: _normalise_date(value, name),
}
_KNOWN_FIELDS = frozenset(CONTACT_FIELDS)


def normalise_contact_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the canonical contact fields in ``data`` and return a normalised copy.

    Raises :class:`Invalid` with the message Keap would answer.
    """
    if not _KNOWN_FIELDS.issuperset(data):
        unknown = set(data) - _KNOWN_FIELDS
        raise Invalid(f"Unknown contact field(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    rules = _FIELD_RULES
    for name, value in data.items():
        if value is not None:
            rule = rules.get(name)
            if rule is not None:
                value = rule(value, name)
        out[name] = value
    return out


def _normalise_address(item: dict[str, Any]) -> None:
    field = item.get("field")
    _check_enum(field, ADDRESS_FIELDS, "addresses.field")
    line1 = item.get("line1")
    if line1 is not None:
        _check_text(line1, 75 if field == "BILLING" else 100, f"{field} line1", "line1")
    postal = item.get("postal_code") or item.get("zip_code")
    if postal is not None:
        limit = 20 if field == "SHIPPING" else 15
        _check_text(postal, limit, f"{field} postal_code", "postal_code")
    region = item.get("region")
    if region:
        country = item.get("country_code")
        if not country:
            # Quoted in keap-facts.md §5.2 (third-party guide): "COUNTRY CODE needed if Region
            # Exists".
            raise Invalid("COUNTRY CODE needed if Region Exists", field="country_code")
        try:
            item["region"] = normalise_region(str(region), str(country))
        except ValueError:
            raise Invalid(f"{field} Region is invalid", field="region") from None


def _normalise_date(value: Any, name: str) -> str:
    """Keap takes ``yyyy-MM-dd`` or a date-time; it stores the date part."""
    from datetime import date, datetime

    if not isinstance(value, str):
        raise unconvertible(name)
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise unconvertible(name) from None


def has_required_identity(data: dict[str, Any], *, address_suffices: bool = False) -> bool:
    """v1 needs an email or a phone; v2 also accepts an address (its create description says
    "at least one of email_addresses, phone_numbers or addresses is required")."""
    return (
        any(e.get("email") for e in data.get("email_addresses") or ())
        or any(p.get("number") for p in data.get("phone_numbers") or ())
        or bool(address_suffices and data.get("addresses"))
    )


def check_duplicate_option(option: str) -> str:
    if option not in DUPLICATE_OPTIONS:
        raise Invalid(
            f"duplicate_option must be one of {', '.join(DUPLICATE_OPTIONS)}",
            field="duplicate_option",
        )
    return option


def primary_email_of(data: dict[str, Any]) -> str | None:
    emails = [e for e in data.get("email_addresses") or [] if e.get("email")]
    for item in emails:
        if item.get("field") == "EMAIL1":
            return str(item["email"])
    return str(emails[0]["email"]) if emails else None


def _same_text(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def matches(existing: Contact, data: dict[str, Any], option: str) -> bool:
    """Does ``existing`` match the incoming contact under ``duplicate_option``?

    The email part is assumed matched already (the store looks candidates up by email).
    EmailAndNameAndCompany compares the formal company record only, not the company-name text
    (keap-facts.md §5.3), so it rarely matches, as in Keap.
    """
    if option == "Email":
        return True
    names_match = _same_text(existing.given_name, data.get("given_name")) and _same_text(
        existing.family_name, data.get("family_name")
    )
    if option == "EmailAndName":
        return names_match
    company_id = data.get("company_id")
    return names_match and company_id is not None and existing.company_id == company_id


def merge_collection(
    current: list[dict[str, Any]], incoming: list[dict[str, Any]], key: str = "field"
) -> list[dict[str, Any]]:
    """Upsert semantics: incoming items replace the items with the same slot, others stay."""
    slots = {item.get(key): item for item in current}
    for item in incoming:
        slots[item.get(key)] = item
    return list(slots.values())

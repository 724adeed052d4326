"""Validation and normalisation of a lead before any request is sent.

Two ways a lead can end here:

* ``LeadSkipped``: the lead lacks what Keap requires (an email or a phone). Nothing is wrong with
  the values, there just is nothing to deliver.
* ``LeadInvalid``: a value is present but unusable (bad email syntax, unparseable phone, too long
  for Keap). The reason names the field and never quotes the value, because reasons end up in
  logs and delivery reports that must not carry personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from connector.config import AddressType, PhonePolicy
from connector.regions import country_alpha2, country_alpha3, us_state_code, us_state_name

PHONE_FIELDS = ("phone_1", "phone_2", "phone_3")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

# Keap's documented maximum lengths (v2 CreateUpdateContactRequest; the same columns back v1).
MAX_LEN = {
    "first_name": 40,
    "last_name": 40,
    "title": 255,
    "website": 100,
    "email": 75,  # EMAIL1
    "phone": 40,  # PHONE1-3
    "region": 50,
}
# Address limits depend on the address slot: BILLING is narrower than SHIPPING/OTHER.
ADDRESS_MAX_LEN = {
    AddressType.BILLING: {"line": 75, "locality": 50, "postal_code": 15},
    AddressType.SHIPPING: {"line": 100, "locality": 100, "postal_code": 20},
    AddressType.OTHER: {"line": 100, "locality": 100, "postal_code": 15},
}


class LeadSkipped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LeadInvalid(Exception):
    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name} {problem}")
        self.field = field_name
        self.reason = f"{field_name} {problem}"


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    locality: str | None = None
    #: ISO 3166-2 code (``US-AZ``) when known; what v2 wants in ``region_code``
    region_code: str | None = None
    #: Full name (``Arizona``) for US states, else the raw region; what v1 stores in ``region``
    region_name: str | None = None
    #: ISO alpha-3 (``USA``); Keap requires it whenever a region is present
    country_code: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class NormalisedLead:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    #: (slot number 1..3, E.164 number)
    phones: tuple[tuple[int, str], ...] = ()
    address: Address | None = None
    website: str | None = None
    title: str | None = None
    dob: str | None = None  # YYYY-MM-DD
    comments: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    referrer: str | None = None
    #: What the lead delivers with but the result should say (a phone sent as given...)
    warnings: tuple[str, ...] = ()


def _text(lead: Mapping[str, Any], key: str) -> str | None:
    value = lead.get(key)
    if value is None:
        return None
    text = " ".join(str(value).split()) if key != "comments" else str(value).strip()
    return text or None


def _limit(name: str, value: str | None, limit: int, truncate: bool) -> str | None:
    if value is None or len(value) <= limit:
        return value
    if truncate:
        return value[:limit]
    raise LeadInvalid(name, f"is longer than Keap's limit of {limit} characters")


def normalise_email(value: str) -> str:
    try:
        # No DNS: delivery must not depend on (or leak leads to) resolvers.
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise LeadInvalid("email", "is not a valid email address") from None


def normalise_phone(name: str, value: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise LeadInvalid(name, "is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise LeadInvalid(name, f"is not a valid phone number (default region {region})")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _possible(value: str, region: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, region))
    except phonenumbers.NumberParseException:
        return False


def apply_phone_policy(
    raw_phones: list[tuple[int, str]], region: str, policy: PhonePolicy, truncate: bool
) -> tuple[tuple[tuple[int, str], ...], list[str]]:
    """E.164 numbers, with those libphonenumber rejects handled by ``policy``; the warnings."""
    phones: list[tuple[int, str]] = []
    warnings: list[str] = []
    for slot, raw in raw_phones:
        name = f"phone_{slot}"
        try:
            phones.append((slot, normalise_phone(name, raw, region)))
            continue
        except LeadInvalid:
            keep_raw = policy is PhonePolicy.RAW or (
                policy is PhonePolicy.LENIENT and _possible(raw, region)
            )
            if policy is not PhonePolicy.DROP and not keep_raw:
                raise
        if policy is PhonePolicy.DROP:
            warnings.append(f"{name} is not a valid phone number; delivered without it")
            continue
        raw = _limit(name, raw, MAX_LEN["phone"], truncate) or raw
        phones.append((slot, raw))
        warnings.append(
            f"{name} is not a valid phone number (default region {region}); sent as given"
        )
    return tuple(phones), warnings


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y", "%Y%m%d")


def normalise_date(name: str, value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise LeadInvalid(name, "is not a recognisable date (expected YYYY-MM-DD)")


_ISO_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def normalise_address(
    lead: Mapping[str, Any], slot: AddressType, default_region: str, truncate: bool
) -> Address | None:
    line1, line2 = _text(lead, "address_1"), _text(lead, "address_2")
    city, state = _text(lead, "city"), _text(lead, "state")
    postal, country = _text(lead, "postal_code"), _text(lead, "country")
    if not any((line1, line2, city, state, postal)):
        return None
    limits = ADDRESS_MAX_LEN[slot]
    line1 = _limit("address_1", line1, limits["line"], truncate)
    line2 = _limit("address_2", line2, limits["line"], truncate)
    city = _limit("city", city, limits["locality"], truncate)
    postal = _limit("postal_code", postal, limits["postal_code"], truncate)

    alpha2 = country_alpha2(country) if country else default_region.upper()
    if alpha2 is None:
        raise LeadInvalid("country", "is not a recognised country")
    alpha3 = country_alpha3(alpha2)
    region_code, region_name = _region(state, alpha2, alpha3, truncate) if state else (None, None)
    if postal and alpha2 == "US" and not re.fullmatch(r"\d{5}(-\d{4})?", postal):
        raise LeadInvalid("postal_code", "is not a US ZIP code")
    return Address(
        line1=line1,
        line2=line2,
        locality=city,
        region_code=region_code,
        region_name=region_name,
        country_code=alpha3,
        postal_code=postal,
    )


def _region(
    state: str, alpha2: str, alpha3: str | None, truncate: bool
) -> tuple[str | None, str | None]:
    """``state``'s ISO 3166-2 code (None when only free text fits) and its name."""
    if alpha2 == "US":
        code = us_state_code(state)
        if code is None:
            raise LeadInvalid("state", "is not a US state or territory")
        region: tuple[str | None, str | None] = (f"US-{code}", us_state_name(code))
    elif _ISO_REGION.match(state.upper()):
        region = (state.upper(), state.upper())
    else:
        # Keap v1 takes free-text regions outside the US; v2 needs ISO 3166-2 and gets none.
        region = (None, _limit("state", state, MAX_LEN["region"], truncate))
    if alpha3 is None:
        raise LeadInvalid("country", "is needed with a state, and is not one Keap accepts")
    return region


def normalise_lead(
    lead: Mapping[str, Any],
    *,
    default_region: str = "US",
    address_type: AddressType = AddressType.BILLING,
    truncate: bool = False,
    phone_policy: PhonePolicy = PhonePolicy.STRICT,
) -> NormalisedLead:
    """Validate and normalise the standard lead fields, or raise LeadSkipped / LeadInvalid."""
    email, phones, warnings = _contact_points(lead, default_region, phone_policy, truncate)
    dob_raw = lead.get("dob")
    utm = {k: v for k in UTM_FIELDS if (v := _text(lead, k))}
    referrer = _text(lead, "referring_url") or _text(lead, "referrer")
    return NormalisedLead(
        first_name=_limit("first_name", _text(lead, "first_name"), MAX_LEN["first_name"], truncate),
        last_name=_limit("last_name", _text(lead, "last_name"), MAX_LEN["last_name"], truncate),
        email=email,
        phones=phones,
        address=normalise_address(lead, address_type, default_region, truncate),
        website=_limit("website", _text(lead, "website"), MAX_LEN["website"], truncate),
        title=_limit("title", _text(lead, "title"), MAX_LEN["title"], truncate),
        dob=normalise_date("dob", dob_raw) if dob_raw not in (None, "") else None,
        comments=_text(lead, "comments"),
        utm=utm,
        referrer=referrer,
        warnings=tuple(warnings),
    )


def _contact_points(
    lead: Mapping[str, Any], default_region: str, phone_policy: PhonePolicy, truncate: bool
) -> tuple[str | None, tuple[tuple[int, str], ...], list[str]]:
    """The lead's e-mail address and phones (at least one of them), and the phones' warnings."""
    raw_email = _text(lead, "email")
    raw_phones = [(i + 1, _text(lead, name)) for i, name in enumerate(PHONE_FIELDS)]
    if not raw_email and not any(p for _, p in raw_phones):
        raise LeadSkipped("lead has neither an email address nor a phone number; Keap needs one")

    email = normalise_email(raw_email) if raw_email else None
    if email and len(email) > MAX_LEN["email"]:
        raise LeadInvalid("email", f"is longer than Keap's limit of {MAX_LEN['email']} characters")

    phones, warnings = apply_phone_policy(
        [(slot, raw) for slot, raw in raw_phones if raw], default_region, phone_policy, truncate
    )
    if not email and not phones:
        raise LeadInvalid("phone_1", "is not a valid phone number, and the lead has no email")
    return email, phones, warnings

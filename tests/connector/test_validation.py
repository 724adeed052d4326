"""Validation and normalisation happen before any request, with data-free reasons."""

from __future__ import annotations

from datetime import date

import pytest

from connector.config import AddressType
from connector.validation import LeadInvalid, LeadSkipped, normalise_lead

FULL = {
    "first_name": "  Ada ",
    "last_name": "Lovelace",
    "email": "Ada.Lovelace@Example.COM",
    "phone_1": "(602) 555-0123",
    "phone_2": "+44 20 7946 0958",
    "address_1": "1 Main St",
    "address_2": "Suite 9",
    "city": "Phoenix",
    "state": "arizona",
    "postal_code": "85001",
    "website": "https://ada.example.com",
    "title": "Analyst",
    "dob": "12/10/1815",
    "comments": "Call me\nafter 5",
    "utm_source": "google",
    "utm_campaign": "spring",
    "referring_url": "https://ref.example.com/x",
}


def test_full_lead_is_normalised():
    lead = normalise_lead(FULL)
    assert lead.first_name == "Ada"
    assert lead.email == "Ada.Lovelace@example.com"  # domain lower-cased, local part kept
    assert lead.phones == ((1, "+16025550123"), (2, "+442079460958"))
    assert lead.address.region_code == "US-AZ"
    assert lead.address.region_name == "Arizona"
    assert lead.address.country_code == "USA"
    assert lead.dob == "1815-12-10"
    assert lead.comments == "Call me\nafter 5"
    assert lead.utm == {"utm_source": "google", "utm_campaign": "spring"}
    assert lead.referrer == "https://ref.example.com/x"


@pytest.mark.parametrize("state", ["AZ", "az", "US-AZ", "Arizona", "  arizona "])
def test_us_state_spellings(state):
    assert normalise_lead({"email": "a@example.com", "state": state}).address.region_code == "US-AZ"


@pytest.mark.parametrize(
    "value", ["1985-03-15", "1985/03/15", "03/15/1985", "1985-03-15T10:00:00Z", date(1985, 3, 15)]
)
def test_dates_to_iso(value):
    assert normalise_lead({"email": "a@example.com", "dob": value}).dob == "1985-03-15"


def test_missing_email_and_phone_is_skip():
    with pytest.raises(LeadSkipped, match="neither an email address nor a phone"):
        normalise_lead({"first_name": "Ada", "email": "  ", "phone_1": ""})


def test_phone_only_lead_is_fine():
    assert normalise_lead({"phone_1": "602 555 0123"}).phones == ((1, "+16025550123"),)


def test_default_region_for_phones():
    assert normalise_lead({"phone_1": "020 7946 0958"}, default_region="GB").phones == (
        (1, "+442079460958"),
    )


SECRET = "zz-secret-value-zz"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": f"{SECRET}@"}, "email"),
        ({"phone_1": f"{SECRET}"}, "phone_1"),
        ({"phone_3": "555-1234"}, "phone_3"),
        ({"state": SECRET}, "state"),
        ({"postal_code": "ABC" + SECRET[:5]}, "postal_code"),
        ({"dob": SECRET}, "dob"),
        ({"first_name": SECRET * 3}, "first_name"),
        ({"title": "x" * 256}, "title"),
        ({"country": SECRET, "state": "ON"}, "country"),
    ],
)
def test_invalid_values_are_failures_naming_the_field(patch, field):
    with pytest.raises(LeadInvalid) as err:
        normalise_lead({"email": "ok@example.com", **patch})
    assert err.value.field == field
    assert err.value.reason.startswith(field)
    assert SECRET not in err.value.reason


def test_length_limits_depend_on_address_slot():
    line = "x" * 90
    with pytest.raises(LeadInvalid, match="address_1"):
        normalise_lead({"email": "a@example.com", "address_1": line})
    shipping = normalise_lead(
        {"email": "a@example.com", "address_1": line}, address_type=AddressType.SHIPPING
    )
    assert shipping.address.line1 == line


def test_truncation_when_configured():
    lead = normalise_lead({"email": "a@example.com", "first_name": "y" * 60}, truncate=True)
    assert lead.first_name == "y" * 40


def test_non_us_regions():
    lead = normalise_lead({"email": "a@example.com", "state": "CA-ON", "country": "Canada"})
    assert lead.address.region_code == "CA-ON" and lead.address.country_code == "CAN"
    lead = normalise_lead({"email": "a@example.com", "state": "Ontario", "country": "CA"})
    assert lead.address.region_code is None and lead.address.region_name == "Ontario"

"""Synthetic test data for scenarios: clearly fake people at reserved example domains."""

from __future__ import annotations

import uuid
from typing import Any

from faker import Faker

_faker = Faker("en_US")


def person(*, phone: bool = False, address: bool = False) -> dict[str, Any]:
    """A v1 ``CreateOrPatchContact`` body for a new, unique, fake person."""
    tag = uuid.uuid4().hex[:10]
    body: dict[str, Any] = {
        "given_name": _faker.first_name(),
        "family_name": _faker.last_name(),
        "email_addresses": [{"email": f"contract.{tag}@example.com", "field": "EMAIL1"}],
    }
    if phone:
        body["phone_numbers"] = [{"number": "+1 212-555-0142", "field": "PHONE1", "type": "Work"}]
    if address:
        body["addresses"] = [
            {
                "line1": _faker.street_address(),
                "locality": "Phoenix",
                "region": "Arizona",
                "postal_code": "85001",
                "country_code": "USA",
                "field": "BILLING",
            }
        ]
    return body


def email_of(contact: dict[str, Any]) -> str:
    return contact["email_addresses"][0]["email"]


def unique_name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"

"""A contact's credit cards (v1 ``/contacts/{id}/creditCards``).

keapsim never keeps a full card number: a card is stored with its last four digits, type and
expiry. The number must pass the Luhn check (a 400 otherwise); nothing is ever charged. The v2
payment-method endpoints (commerce) are meant to read this same store.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query, Table
from .errors import Invalid
from .indexes import HashIndex
from .resource import RecordStore

CONSENT_TYPES = ("RECURRING_CONSENT", "IMPLICIT_CONSENT", "EXPLICIT_CONSENT", "NO_CONSENT")
# Leading digits → card type, the common IIN ranges (keapsim's choice when no type is given).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("34", "American Express"),
    ("37", "American Express"),
    ("4", "Visa"),
)
_PREFIXES += tuple((str(p), "MasterCard") for p in range(51, 56))
_PREFIXES += (("6011", "Discover"), ("65", "Discover"))


@record_class
class CreditCard:
    id: int
    contact_id: int
    last_four: str
    card_type: str
    expiration_month: str
    expiration_year: str
    name_on_card: str | None
    email_address: str | None
    consent_type: str | None
    date_created: datetime
    address: dict[str, Any] = field(default_factory=dict)
    status: str = "Valid"  # v1 ``validation_status``

    @property
    def masked_number(self) -> str:
        return "*" * 12 + self.last_four


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_type_of(number: str) -> str:
    for prefix, name in sorted(_PREFIXES, key=lambda p: -len(p[0])):
        if number.startswith(prefix):
            return name
    return "Unknown"


class CreditCardStore(RecordStore[CreditCard]):
    record_type = CreditCard

    def make_table(self) -> Table[CreditCard]:
        by_contact = HashIndex[CreditCard]("contact_id", lambda c: (c.contact_id,))
        return Table(
            self.core,
            kind="Credit Card",
            id_kind="credit_card",
            # No source names a hook event for credit cards; the noun is keapsim's own.
            noun="creditCard",
            indexes=[by_contact],
        )

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Any) -> None:
        for card in self.of_contact(contact.id):
            self.table.remove(card.id)

    def of_contact(self, contact_id: int) -> list[CreditCard]:
        return list(self.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    def create(
        self,
        contact_id: int,
        card_number: str,
        expiration_month: str,
        expiration_year: str,
        *,
        card_type: str | None = None,
        name_on_card: str | None = None,
        email_address: str | None = None,
        consent_type: str | None = None,
        address: dict[str, Any] | None = None,
    ) -> CreditCard:
        number = "".join(card_number.split()).replace("-", "")
        if not number.isdigit() or not 12 <= len(number) <= 19 or not luhn_valid(number):
            raise Invalid("card_number is not a valid card number", field="card_number")
        month, year = _expiry(expiration_month, expiration_year)
        if consent_type is not None and consent_type not in CONSENT_TYPES:
            raise Invalid(
                f"consent_type must be one of {', '.join(CONSENT_TYPES)}", field="consent_type"
            )
        with self.core.write():
            self.tenant.contacts.get(contact_id)
            card = CreditCard(
                self.table.new_id(),
                contact_id,
                number[-4:],
                card_type or card_type_of(number),
                month,
                year,
                name_on_card,
                email_address,
                consent_type,
                self.core.now(),
                address=dict(address or {}),
            )
            return self.table.add(card)

    def move_to_contact(self, from_contact: int, to_contact: int) -> None:
        """A merge: the duplicate's cards become the primary's."""
        with self.core.write():
            for card in self.of_contact(from_contact):
                self.table.replace(replace(card, contact_id=to_contact))


def _expiry(month: str, year: str) -> tuple[str, str]:
    if not (isinstance(month, str) and month.isdigit() and 1 <= int(month) <= 12):
        raise Invalid("expiration_month must be 1 to 12", field="expiration_month")
    if not (isinstance(year, str) and year.isdigit() and len(year) in (2, 4)):
        raise Invalid("expiration_year must be a 2- or 4-digit year", field="expiration_year")
    return f"{int(month):02d}", year if len(year) == 4 else f"20{year}"

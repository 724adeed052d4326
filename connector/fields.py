"""Input columns -> lead fields: forgiving header matching, the `fields:` map, typed values.

Rules (the configuration reference in ``docs/connector/configuration.md`` repeats them):

1. A column named in the flow's ``fields:`` map becomes the field it is mapped to.
2. Otherwise a column whose name matches a standard lead field or one of its aliases, ignoring
   case, spaces, dashes, underscores and dots (``E-mail``, ``Email Address``, ``First Name``,
   ``Zip``, ``Mobile`` ...), becomes that field.
3. Any other column is kept for templates under its snake_case name (``Lead Score`` ->
   ``lead.lead_score``) and under its own name.

Typed values: a text value of a field that is *not* a standard lead field becomes a number when
it is a plain number (``85``, ``-3``, ``12.50``: digits, an optional minus sign and decimal
point, no leading zero, no blanks; decimals become ``Decimal`` so ``12.50`` keeps its digits)
and a boolean when it is ``true`` or ``false`` (any case). Standard fields (e-mail, phones, ZIP
codes, ...) stay text: ``08730`` is a ZIP code, not a number. So a flow sees the same values
from a CSV file as from JSON lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

#: The lead fields the connector maps to the contact (see ``connector.mapping``).
STANDARD_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone_1",
    "phone_2",
    "phone_3",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "country",
    "website",
    "title",
    "dob",
    "comments",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referring_url",
    "referrer",
)
#: Fields that identify a lead in Keap: a lead needs one of them.
IDENTIFYING_FIELDS = ("email", "phone_1", "phone_2", "phone_3")

#: Common column names of exports (LeadConduit, web forms, spreadsheets), squashed.
ALIASES: dict[str, str] = {
    "emailaddress": "email",
    "mail": "email",
    "primaryemail": "email",
    "firstname": "first_name",
    "first": "first_name",
    "fname": "first_name",
    "givenname": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "last": "last_name",
    "lname": "last_name",
    "surname": "last_name",
    "familyname": "last_name",
    "phone": "phone_1",
    "phonenumber": "phone_1",
    "telephone": "phone_1",
    "tel": "phone_1",
    "mobile": "phone_1",
    "mobilephone": "phone_1",
    "mobilenumber": "phone_1",
    "cell": "phone_1",
    "cellphone": "phone_1",
    "homephone": "phone_2",
    "workphone": "phone_3",
    "address": "address_1",
    "street": "address_1",
    "streetaddress": "address_1",
    "addressline1": "address_1",
    "address1": "address_1",
    "addressline2": "address_2",
    "address2": "address_2",
    "town": "city",
    "locality": "city",
    "province": "state",
    "region": "state",
    "stateprovince": "state",
    "zip": "postal_code",
    "zipcode": "postal_code",
    "postcode": "postal_code",
    "postal": "postal_code",
    "countrycode": "country",
    "url": "website",
    "web": "website",
    "jobtitle": "title",
    "birthday": "dob",
    "birthdate": "dob",
    "dateofbirth": "dob",
    "comment": "comments",
    "message": "comments",
    "notes": "comments",
    "referer": "referrer",
    "referringurl": "referring_url",
}

_SQUASH = re.compile(r"[\s\-_.]+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,30})(?:\.\d{1,30})?")
_BY_SQUASHED = {_SQUASH.sub("", f): f for f in STANDARD_FIELDS} | ALIASES


def squash(name: str) -> str:
    """A column name without case, blanks, dashes, underscores or dots: ``E-Mail`` -> ``email``."""
    return _SQUASH.sub("", name.strip().lower())


def snake(name: str) -> str:
    """``Lead Score`` -> ``lead_score``: the name a non-standard column has in templates."""
    return _NOT_WORD.sub("_", name.strip().lower()).strip("_")


def standard_field(name: str) -> str | None:
    """The standard lead field a column name means, or None."""
    return _BY_SQUASHED.get(squash(name))


class FieldMap:
    """The flow's ``fields:`` map plus the standard names and aliases, applied to a lead."""

    def __init__(self, explicit: Mapping[str, str] | None = None) -> None:
        self._explicit = {squash(column): target for column, target in (explicit or {}).items()}

    def target(self, column: str) -> str | None:
        """The field a column becomes, or None when it is kept as it is."""
        return self._explicit.get(squash(column)) or standard_field(column)

    def apply(self, lead: Mapping[str, Any]) -> dict[str, Any]:
        """The lead with its columns renamed and its non-standard text values typed."""
        out: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for column, value in lead.items():
            target = self.target(column)
            if target is None:
                extra[column] = typed(value)
                name = snake(column)
                if name and name != column:
                    extra.setdefault(name, extra[column])
            elif not _blank(value) or target not in out:
                # Two columns for one field (Phone and Mobile): the first non-blank one wins.
                out[target] = value if target in STANDARD_FIELDS else typed(value)
        return {**{k: v for k, v in extra.items() if k not in out}, **out}

    def unknown(self, columns: Iterable[str], used: set[str]) -> list[str]:
        """Columns that neither map to a field nor appear in any template of the flow."""
        return [
            c for c in columns if self.target(c) is None and c not in used and snake(c) not in used
        ]

    def identifies(self, columns: Iterable[str]) -> bool:
        """Whether some column can identify a lead (an e-mail or a phone)."""
        return any(self.target(c) in IDENTIFYING_FIELDS for c in columns)


def typed(value: Any) -> Any:
    """A plain-number text as a number, ``true``/``false`` as a boolean, anything else as is."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _PLAIN_NUMBER.fullmatch(text):
        return int(text) if "." not in text else Decimal(text)
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: ``lead.name``, ``lead['name']`` and ``lead["name"]`` in a template.
_LEAD_REF = re.compile(r"""lead\s*(?:\.\s*(\w+)|\[\s*['"]([^'"]+)['"]\s*\])""")


def template_references(templates: Iterable[str]) -> set[str]:
    """The lead field names the given templates use."""
    names: set[str] = set()
    for source in templates:
        for dotted, quoted in _LEAD_REF.findall(source):
            names.add(dotted or quoted)
    return names

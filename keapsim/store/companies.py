"""Companies (v1 ``/companies``, v2 ``/companies``) and the company ↔ tag links (v2
``/companies/{id}/tags``, v1 and v2 ``/tags/{id}/companies``).

One record serves both versions: field names are the v2 document's (the wider one); the v1
adapter renames on the way out. A company has one address, one phone, one fax and one email
address (both documents' ``Company`` schema), its own custom fields (record type ``COMPANY``)
and tags. Decisions where the documents are silent are listed in
``docs/reference/crm-companies-opportunities.md``.
"""

from __future__ import annotations

from dataclasses import field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..datarecord import record_class
from .base import Extra
from .contact_rules import unconvertible
from .custom_fields import COMPANY
from .errors import Invalid
from .indexes import HashIndex, Index, SortedIndex
from .links import Links
from .records import CustomField, Tag
from .regions import normalise_region
from .resource import DeclaredStore, Field, ResourceSpec

if TYPE_CHECKING:
    from .tenant import Tenant

# The keys the store keeps of a company's nested objects (the v2 schemas, which include v1's).
ADDRESS_KEYS = (
    "line1",
    "line2",
    "locality",
    "region",
    "country_code",
    "postal_code",
    "zip_code",
    "zip_four",
)
PHONE_KEYS = ("number", "extension", "type", "field", "number_e164")
FAX_KEYS = ("number", "type", "field")
# Free-text properties of the v2 Company that v1 does not have.
PERSON_TEXT = (
    "first_name",
    "middle_name",
    "last_name",
    "preferred_name",
    "title",
    "suffix",
    "job_title",
    "spouse_name",
    "assistant_name",
    "assistant_phone",
    "billing_information",
    "contact_type",
    "referral_code",
)
DATES = ("anniversary_date", "birth_date")


@record_class
class Company:
    id: int
    company_name: str
    create_time: datetime
    update_time: datetime
    email_address: str | None = None
    opt_in_reason: str | None = None  # set: the email address is marketable (v1 and v2)
    phone_number: dict[str, Any] | None = None
    fax_number: dict[str, Any] | None = None
    address: dict[str, Any] | None = None
    notes: str | None = None
    website: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    title: str | None = None
    suffix: str | None = None
    job_title: str | None = None
    spouse_name: str | None = None
    assistant_name: str | None = None
    assistant_phone: str | None = None
    billing_information: str | None = None
    contact_type: str | None = None
    referral_code: str | None = None
    anniversary_date: str | None = None  # YYYY-MM-DD
    birth_date: str | None = None  # YYYY-MM-DD
    owner_id: int | None = None
    created_by: int | None = None
    last_updated_by: int | None = None
    custom_fields: dict[int, Any] = field(default_factory=dict)

    @property
    def email_opted_in(self) -> bool:
        # As for contacts: an opt-in reason given through the API makes the address
        # marketable (the v1 description of opt_in_reason).
        return bool(self.email_address and self.opt_in_reason)

    @property
    def email_status(self) -> str:
        return "UnengagedMarketable" if self.email_opted_in else "UnengagedNonMarketable"

    @property
    def city(self) -> str | None:
        return (self.address or {}).get("locality")

    @property
    def state(self) -> str | None:
        return (self.address or {}).get("region")


def _folded(value: str | None) -> tuple[str, ...]:
    return (value.casefold(),) if value else ()


def company_indexes() -> list[Index[Any]]:
    return [
        SortedIndex[Company]("name", lambda c: _folded(c.company_name), ordering=True),
        SortedIndex[Company]("email", lambda c: _folded(c.email_address), ordering=True),
        SortedIndex[Company]("create_time", lambda c: (c.create_time,), ordering=True),
        SortedIndex[Company]("update_time", lambda c: (c.update_time,), ordering=True),
        HashIndex[Company]("owner_id", lambda c: () if c.owner_id is None else (c.owner_id,)),
    ]


COMPANY_SPEC = ResourceSpec(
    record=Company,
    kind="Company",
    id_kind="company",
    noun="company",  # company.add / company.edit / company.delete (Keap's event keys)
    fields=(
        # "Company must contain at least the company name" (v1 create description).
        Field("company_name", required=True),
        Field("email_address"),
        Field("opt_in_reason"),
        Field("phone_number", dict),
        Field("fax_number", dict),
        Field("address", dict),
        Field("notes"),
        Field("website"),
        *(Field(name) for name in PERSON_TEXT),
        *(Field(name) for name in DATES),
        Field("owner_id", int, reference="users"),
        Field("custom_fields", dict, factory=dict),
    ),
    created="create_time",
    updated="update_time",
    created_by="created_by",
    updated_by="last_updated_by",
    indexes=company_indexes,
)


class CompanyStore(DeclaredStore[Company]):
    spec = COMPANY_SPEC

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.tags: Links[int, int] = Links()  # company id ↔ tag id

    def attach(self) -> None:
        self.table.on_remove.append(self._forget_company_tags)
        self.tenant.tags.table.on_remove.append(self._forget_tag)
        self.tenant.custom_fields.table.on_remove.append(self._drop_custom_field)

    def _forget_company_tags(self, company: Company) -> None:
        self.tags.forget_left(company.id)

    def _forget_tag(self, tag: Tag) -> None:
        self.tags.forget_right(tag.id)

    def extras(self) -> list[Extra]:
        return [
            Extra("company_tags", self._dump_links, self._load_links, lambda: self.tags.version)
        ]

    # -- Keap's rules for a write ---------------------------------------------------------------
    def normalise(
        self, values: dict[str, Any], current: Company | None, now: datetime
    ) -> dict[str, Any]:
        out = dict(values)
        if "address" in out:
            out["address"] = _address(out["address"])
        if "phone_number" in out:
            out["phone_number"] = _text_object(out["phone_number"], PHONE_KEYS, "phone_number")
        if "fax_number" in out:
            out["fax_number"] = _text_object(out["fax_number"], FAX_KEYS, "fax_number")
        for name in DATES:
            if out.get(name) is not None:
                out[name] = _date(out[name], name)
        if out.get("custom_fields") is None and "custom_fields" in out:
            out["custom_fields"] = {}
        if out.get("custom_fields"):
            self.tenant.custom_fields.check_values(COMPANY, out["custom_fields"], "custom_fields")
            if current is not None:  # values given replace those stored, the others stay
                out["custom_fields"] = {**current.custom_fields, **out["custom_fields"]}
        if "email_address" in out and not out["email_address"]:
            out["opt_in_reason"] = None  # no address, nothing to be opted in
        return out

    def _drop_custom_field(self, field: CustomField) -> None:
        for company in self.table.scan(lambda c: field.id in c.custom_fields):
            values = {k: v for k, v in company.custom_fields.items() if k != field.id}
            self.table.replace(replace(company, custom_fields=values))

    # -- tags (v2 applies one tag to one company; v1 and v2 list a tag's companies) -------------
    def apply_tag(self, company_id: int, tag_id: int) -> bool:
        """Apply a tag; ``False`` when it was applied already (nothing changes)."""
        with self.core.write():
            self.get(company_id)
            self.tenant.tags.get(tag_id)
            applied = self.tags.link(company_id, tag_id, self.core.now())
            if applied:
                # No source names a hook event for company tags; the company's ``groups``
                # changed, so keapsim raises company.edit.
                self.core.record("company.edit", "company", company_id)
            return applied

    def remove_tag(self, company_id: int, tag_id: int) -> bool:
        """Remove a tag; ``False`` when it was not applied."""
        with self.core.write():
            self.get(company_id)
            self.tenant.tags.get(tag_id)
            removed = self.tags.unlink(company_id, tag_id)
            if removed:
                self.core.record("company.edit", "company", company_id)
            return removed

    def tags_of(self, company_id: int) -> list[tuple[Tag, datetime]]:
        """The tags applied to a company with the time each was applied, by tag id."""
        with self.core.lock:
            self.get(company_id)
            links = self.tags.rights_of(company_id)
            return [(self.tenant.tags.get(t), at) for t, at in sorted(links.items())]

    def tag_ids_of(self, company_id: int) -> list[int]:
        with self.core.lock:
            return sorted(self.tags.rights_of(company_id))

    def with_tag(self, tag_id: int) -> list[tuple[Company, datetime]]:
        """The companies a tag is applied to with the time it was applied, by company id."""
        with self.core.lock:
            self.tenant.tags.get(tag_id)
            links = self.tags.lefts_of(tag_id)
            return [(self.table.fetch(c), at) for c, at in sorted(links.items())]

    def _dump_links(self) -> list[dict[str, Any]]:
        return [
            {"company_id": company_id, "tag_id": tag_id, "applied": applied.isoformat()}
            for company_id, tag_id, applied in self.tags.pairs()
        ]

    def _load_links(self, rows: list[dict[str, Any]]) -> None:
        self.tags.clear()
        for row in rows:
            applied = datetime.fromisoformat(row["applied"])
            self.tags.link(int(row["company_id"]), int(row["tag_id"]), applied)


def _text_object(
    value: dict[str, Any] | None, keys: tuple[str, ...], name: str
) -> dict[str, Any] | None:
    """A nested object of text values, its known keys kept (empty: none)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise unconvertible(name)
    kept = {k: value[k] for k in keys if value.get(k) is not None}
    if any(not isinstance(v, str) for v in kept.values()):
        raise unconvertible(name)
    return kept or None


def _address(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The address with its region stored by its full name; "The country_code is required if
    region is specified" (both documents' create descriptions)."""
    address = _text_object(value, ADDRESS_KEYS, "address")
    if address is None or not address.get("region"):
        return address
    country = address.get("country_code")
    if not country:
        # The wording keap-facts.md §5.2 quotes for contacts.
        raise Invalid("COUNTRY CODE needed if Region Exists", field="country_code")
    try:
        address["region"] = normalise_region(address["region"], country)
    except ValueError:
        raise Invalid("Region is invalid", field="region") from None
    return address


def _date(value: Any, name: str) -> str:
    """A ``YYYY-MM-DD`` date (the documents' examples); a date-time keeps its date part."""
    if not isinstance(value, str):
        raise unconvertible(name)
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise unconvertible(name) from None

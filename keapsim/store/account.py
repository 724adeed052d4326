"""The account itself: its business profile (v1 ``AccountProfile``, v2 business profile) and
the settings both versions read (application status, dropdown options).

An account has exactly one profile: record 1 of this store, made with the tenant (and again
after a reset). The profile is stored once; v1 and v2 show it in their own shapes.
"""

from __future__ import annotations

from dataclasses import field, replace
from typing import Any

from ..datarecord import record_class
from .base import Table
from .errors import Invalid
from .resource import RecordStore

PROFILE_ID = 1

# keapsim's choices: no document lists an account's dropdown values. These are the defaults a
# new Keap account shows in its contact form (title, suffix, contact type, phone/fax types).
CONTACT_TYPES = ("Lead", "Customer", "Other")
TITLE_TYPES = ("Mr.", "Mrs.", "Ms.", "Miss", "Dr.")
SUFFIX_TYPES = ("Jr", "Sr", "II", "III", "IV")
PHONE_TYPES = ("Work", "Home", "Mobile", "Other")
FAX_TYPES = ("Work", "Home", "Other")

PROFILE_FIELDS = (
    "name",
    "email",
    "website",
    "phone",
    "phone_ext",
    "address",
    "time_zone",
    "logo_url",
    "currency_code",
    "language_tag",
    "business_type",
    "business_goals",
    "business_primary_color",
    "business_secondary_color",
)
ADDRESS_KEYS = (
    "line1",
    "line2",
    "locality",
    "region",
    "country_code",
    "postal_code",
    "zip_code",
    "zip_four",
    "field",
)


@record_class
class AccountProfile:
    id: int
    name: str
    email: str
    website: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    address: dict[str, Any] = field(default_factory=dict)
    time_zone: str = "America/New_York"
    logo_url: str | None = None
    currency_code: str = "USD"
    language_tag: str = "en-US"
    business_type: str | None = None
    business_goals: list[str] = field(default_factory=list)
    business_primary_color: str | None = None
    business_secondary_color: str | None = None
    application_enabled: bool = True
    contact_types: list[str] = field(default_factory=lambda: list(CONTACT_TYPES))


class AccountStore(RecordStore[AccountProfile]):
    record_type = AccountProfile

    def make_table(self) -> Table[AccountProfile]:
        # No source names a hook event for the account profile; the noun is keapsim's own.
        return Table(self.core, kind="Account Profile", id_kind="account", noun="account")

    def profile(self) -> AccountProfile:
        """The account's profile; made on first use (a state document saved before keapsim kept
        one has none)."""
        with self.core.write():
            current = self.table.get(PROFILE_ID)
            if current is not None:
                return current
            owner = self.tenant.users.account_owner()
            return self.table.add(
                AccountProfile(PROFILE_ID, name=self.tenant.name, email=owner.email_address)
            )

    def update(self, **changes: Any) -> AccountProfile:
        """Change the given profile fields (``None`` clears an optional one)."""
        unknown = set(changes) - set(PROFILE_FIELDS) - {"application_enabled", "contact_types"}
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}")
        for name in ("name", "email"):
            if name in changes and not changes[name]:
                raise Invalid(f"{name} is required", field=name)
        if "address" in changes:
            changes["address"] = _address(changes["address"])
        if "business_goals" in changes:
            changes["business_goals"] = list(changes["business_goals"] or [])
        with self.core.write():
            return self.table.replace(replace(self.profile(), **changes))


def _address(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    unknown = set(value) - set(ADDRESS_KEYS)
    if unknown:
        raise Invalid(f"Unknown address field(s): {', '.join(sorted(unknown))}", field="address")
    return {k: v for k, v in value.items() if v is not None}

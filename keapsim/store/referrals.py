"""Referrals (v2 ``/referrals``): a referral partner (affiliate) referred a contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .indexes import HashIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

REFERRAL_TYPES = ("COOKIE", "MANUAL", "PERMANENT")


@record_class
class Referral:
    id: int
    contact_id: int
    referral_partner_id: int | None = None
    source: str | None = None
    description: str | None = None
    referral_time: datetime | None = None
    expiration_time: datetime | None = None
    ip_address: str | None = None
    referral_type: str = "MANUAL"


REFERRAL = ResourceSpec(
    record=Referral,
    kind="Referral",
    id_kind="referral",
    # No source names a hook event for referrals; the noun is keapsim's own.
    noun="referral",
    fields=(
        Field("contact_id", int, required=True, reference="contacts"),
        # Affiliates are commerce (not yet in keapsim): the partner id is kept unchecked.
        Field("referral_partner_id", int, minimum=1),
        Field("source", max_length=255),
        Field("description"),
        Field("referral_time", datetime),
        Field("expiration_time", datetime),
        Field("ip_address", max_length=45),
        # A referral recorded through the API is a manual one unless the body says otherwise.
        Field("referral_type", default="MANUAL", choices=REFERRAL_TYPES),
    ),
    indexes=lambda: [HashIndex[Referral]("contact_id", lambda r: (r.contact_id,))],
)


class ReferralStore(DeclaredStore[Referral]):
    spec = REFERRAL

    def attach(self) -> None:
        # A deleted contact's referrals go with it.
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        query: Query[Referral] = Query(lookups=[Lookup("contact_id", "eq", contact.id)])
        for referral in list(self.table.select(query)):
            self.table.remove(referral.id)

    def normalise(
        self, values: dict[str, Any], current: Referral | None, now: datetime
    ) -> dict[str, Any]:
        # Without a referral time, the referral happened when it was recorded.
        if current is None and values.get("referral_time") is None:
            return {**values, "referral_time": now}
        return values

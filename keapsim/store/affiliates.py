"""Affiliates (referral partners): v1 ``/affiliates`` and v2 ``/affiliates``.

An affiliate is a contact with an affiliate code; it may have a parent affiliate (the level-2
recipient of commissions, ``docs/design/commerce.md`` "Affiliates"), belongs to commission
programs (``program_ids``, kept on the affiliate so one index answers "the affiliates of a
program") and carries custom-field values of the ``REFERRAL_PARTNER`` record type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .affiliate_programs import program_ids
from .base import Lookup, Query
from .custom_fields import REFERRAL_PARTNER
from .errors import Invalid
from .indexes import HashIndex
from .models import Contact
from .records import CustomField
from .resource import DeclaredStore, Field, ResourceSpec

AFFILIATE_STATUSES = ("ACTIVE", "INACTIVE")  # v2's words; v1 writes them in lower case


@record_class
class Affiliate:
    id: int
    contact_id: int
    code: str
    name: str | None = None
    status: str = "ACTIVE"
    parent_id: int | None = None
    notify_on_lead: bool = False
    notify_on_sale: bool = False
    track_leads_days: int | None = None
    password: str | None = None  # write-only: no answer shows it
    program_ids: tuple[int, ...] = ()
    custom_fields: dict[int, Any] = field(default_factory=dict)
    date_created: datetime | None = None


AFFILIATE = ResourceSpec(
    record=Affiliate,
    kind="Affiliate",
    id_kind="affiliate",
    # No source names a hook event for affiliates: the noun is keapsim's own.
    noun="affiliate",
    fields=(
        Field("contact_id", int, required=True, reference="contacts"),
        Field("code", required=True, max_length=255),
        Field("name", max_length=255),
        Field("status", default="ACTIVE", choices=AFFILIATE_STATUSES),
        Field("parent_id", int, reference="affiliates"),
        Field("notify_on_lead", bool, default=False),
        Field("notify_on_sale", bool, default=False),
        Field("track_leads_days", int, minimum=0),
        Field("password", max_length=255),
        Field("program_ids", tuple, default=()),
        Field("custom_fields", dict, factory=dict),
    ),
    created="date_created",
    indexes=lambda: [
        HashIndex[Affiliate]("contact_id", lambda a: (a.contact_id,)),
        HashIndex[Affiliate]("code", lambda a: (a.code.casefold(),)),
        HashIndex[Affiliate]("program_id", lambda a: a.program_ids),
        HashIndex[Affiliate]("parent_id", lambda a: () if a.parent_id is None else (a.parent_id,)),
    ],
)


class AffiliateStore(DeclaredStore[Affiliate]):
    spec = AFFILIATE

    def attach(self) -> None:
        # A deleted contact's affiliate records go with it; a deleted parent leaves its
        # children without one; a deleted program or custom field leaves its members.
        self.tenant.contacts.table.on_remove.append(self._forget_contact)
        self.table.on_remove.append(self._orphan_children)
        self.tenant.custom_fields.table.on_remove.append(self._drop_custom_field)

    def create(self, *positional: Any, **values: Any) -> Affiliate:
        # From the first affiliate on, paid orders earn commissions (affiliate_ledger.py);
        # under the write lock, so two first affiliates made at once subscribe the ledger once.
        with self.core.write():
            affiliate = super().create(*positional, **values)
            self.tenant.affiliate_commissions.listen()
        return affiliate

    def load(self, records: Sequence[Affiliate]) -> None:
        with self.core.write():
            super().load(records)
            if records:
                self.tenant.affiliate_commissions.listen()

    # -- reads ---------------------------------------------------------------------------------
    def with_code(self, code: str) -> Affiliate | None:
        found = self.table.select(Query(lookups=[Lookup("code", "eq", code.casefold())]))
        return next(iter(found), None)

    def in_program(self, program_id: int) -> list[Affiliate]:
        return list(self.table.select(Query(lookups=[Lookup("program_id", "eq", program_id)])))

    def of_contact(self, contact_id: int) -> list[Affiliate]:
        return list(self.table.select(Query(lookups=[Lookup("contact_id", "eq", contact_id)])))

    # -- writes --------------------------------------------------------------------------------
    def normalise(
        self, values: dict[str, Any], current: Affiliate | None, now: datetime
    ) -> dict[str, Any]:
        values = program_ids(self.tenant, values, "program_ids")
        code = values.get("code")
        if isinstance(code, str):
            if not code.strip():
                raise Invalid("code is required", field="code")
            holder = self.with_code(code)
            # Keap identifies an affiliate by its code in referral links: one code, one affiliate.
            if holder is not None and (current is None or holder.id != current.id):
                raise Invalid(f"Affiliate code {code} is already in use", field="code")
        parent = values.get("parent_id")
        if current is not None and parent is not None and self._is_below(parent, current.id):
            raise Invalid("An affiliate cannot be its own parent or ancestor", field="parent_id")
        custom = values.get("custom_fields")
        if "custom_fields" in values and custom is None:
            values = {**values, "custom_fields": {}}
        elif custom:
            self.tenant.custom_fields.check_values(REFERRAL_PARTNER, custom, "custom_fields")
            if current is not None:
                values = {**values, "custom_fields": {**current.custom_fields, **custom}}
        return values

    def _is_below(self, candidate: int, ident: int) -> bool:
        """Whether ``candidate`` is ``ident`` or one of its descendants (a parent cycle)."""
        seen: set[int] = set()
        node: int | None = candidate
        while node is not None and node not in seen:
            if node == ident:
                return True
            seen.add(node)
            found = self.table.get(node)
            node = None if found is None else found.parent_id
        return False

    def assign_program(self, ident: int, program_id: int) -> Affiliate:
        with self.core.write():
            affiliate = self.table.fetch(ident)
            self.tenant.affiliate_programs.get(program_id)
            if program_id in affiliate.program_ids:
                return affiliate
            return self.update(ident, program_ids=(*affiliate.program_ids, program_id))

    def remove_program(self, ident: int, program_id: int) -> Affiliate:
        with self.core.write():
            affiliate = self.table.fetch(ident)
            self.tenant.affiliate_programs.get(program_id)
            kept = tuple(p for p in affiliate.program_ids if p != program_id)
            return self.update(ident, program_ids=kept)

    def forget_program(self, program_id: int) -> None:
        """Called inside the write that deletes a program."""
        for affiliate in self.in_program(program_id):
            kept = tuple(p for p in affiliate.program_ids if p != program_id)
            self.table.replace(replace(affiliate, program_ids=kept))

    # -- cascades (inside the write that removes the other record) -----------------------------
    def _forget_contact(self, contact: Contact) -> None:
        for affiliate in self.of_contact(contact.id):
            self.table.remove(affiliate.id)

    def _orphan_children(self, parent: Affiliate) -> None:
        children = self.table.select(Query(lookups=[Lookup("parent_id", "eq", parent.id)]))
        for child in list(children):
            self.table.replace(replace(child, parent_id=None))

    def _drop_custom_field(self, custom: CustomField) -> None:
        for affiliate in list(self.table.scan(lambda a: custom.id in a.custom_fields)):
            values = {k: v for k, v in affiliate.custom_fields.items() if k != custom.id}
            self.table.replace(replace(affiliate, custom_fields=values))

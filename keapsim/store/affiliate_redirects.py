"""Affiliate redirect links (v1 ``/affiliates/redirectlinks``, v2 ``/affiliates/redirects``).

A link has a tracking ``code`` and a destination ``website_address``; the v2 document marks
``local_url_code`` ("Deprecated: use 'code' instead") and ``redirect_url`` ("deprecated. Use
'website_address' instead") as the old names of the same values, so the answers show both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .affiliate_programs import program_ids
from .affiliates import Affiliate
from .base import Lookup, Query
from .errors import Invalid
from .indexes import HashIndex
from .resource import DeclaredStore, Field, ResourceSpec


@record_class
class RedirectLink:
    id: int
    name: str
    code: str
    website_address: str
    affiliate_id: int | None = None
    program_ids: tuple[int, ...] = ()
    date_created: datetime | None = None


REDIRECT_LINK = ResourceSpec(
    record=RedirectLink,
    kind="AffiliateLink",
    id_kind="affiliate_redirect",
    noun="affiliateRedirect",  # keapsim's own: no source names a hook for redirect links
    fields=(
        Field("name", required=True, max_length=255),
        Field("code", required=True, max_length=255),
        Field("website_address", required=True, max_length=2048),
        Field("affiliate_id", int, reference="affiliates"),
        Field("program_ids", tuple, default=()),
    ),
    created="date_created",
    indexes=lambda: [
        HashIndex[RedirectLink](
            "affiliate_id", lambda r: () if r.affiliate_id is None else (r.affiliate_id,)
        ),
        HashIndex[RedirectLink]("program_id", lambda r: r.program_ids),
    ],
)


class RedirectLinkStore(DeclaredStore[RedirectLink]):
    spec = REDIRECT_LINK

    def attach(self) -> None:
        # A deleted affiliate's links go with it.
        self.tenant.affiliates.table.on_remove.append(self._forget_affiliate)

    def normalise(
        self, values: dict[str, Any], current: RedirectLink | None, now: datetime
    ) -> dict[str, Any]:
        for name in ("name", "code", "website_address"):
            value = values.get(name)
            if isinstance(value, str) and not value.strip():
                raise Invalid(f"{name} is required", field=name)
        return program_ids(self.tenant, values, "program_ids")

    def of_affiliate(self, affiliate_id: int) -> list[RedirectLink]:
        query: Query[RedirectLink] = Query(lookups=[Lookup("affiliate_id", "eq", affiliate_id)])
        return list(self.table.select(query))

    def forget_program(self, program_id: int) -> None:
        query: Query[RedirectLink] = Query(lookups=[Lookup("program_id", "eq", program_id)])
        for link in list(self.table.select(query)):
            kept = tuple(p for p in link.program_ids if p != program_id)
            self.table.replace(replace(link, program_ids=kept))

    def _forget_affiliate(self, affiliate: Affiliate) -> None:
        for link in self.of_affiliate(affiliate.id):
            self.table.remove(link.id)

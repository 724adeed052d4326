"""Lead sources and their categories (v2 only; keap-facts.md §4.6)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .base import Table
from .errors import Invalid
from .models import LeadSource, LeadSourceCategory
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec

LEAD_SOURCE_CATEGORY = ResourceSpec(
    record=LeadSourceCategory,
    kind="Lead Source Category",
    id_kind="lead_source_category",
    # No source names a hook event for lead source categories; the noun is keapsim's own.
    noun="leadsourceCategory",
    fields=(Field("name"), Field("description")),
)


class LeadSourceCategoryStore(DeclaredStore[LeadSourceCategory]):
    spec = LEAD_SOURCE_CATEGORY


class LeadSourceStore(RecordStore[LeadSource]):
    record_type = LeadSource

    def make_table(self) -> Table[LeadSource]:
        return Table(self.core, kind="Lead Source", id_kind="lead_source", noun="leadsource")

    def create(self, name: str, **fields: Any) -> LeadSource:
        if not name or not isinstance(name, str):
            raise Invalid("name is required", field="name")
        with self.core.write():
            category_id = fields.get("category_id")
            if category_id is not None:
                self.tenant.lead_source_categories.get(category_id)
            return self.table.add(LeadSource(self.table.new_id(), name, **fields))

    def update(self, source_id: int, **changes: Any) -> LeadSource:
        with self.core.write():
            return self.table.replace(replace(self.get(source_id), **changes))

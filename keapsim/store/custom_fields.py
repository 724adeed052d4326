"""Contact custom fields (keap-facts.md §4.7); deleting one drops its values from contacts."""

from __future__ import annotations

from typing import Any

from .base import Table
from .errors import Invalid
from .models import CUSTOM_FIELD_TYPES, CustomField
from .resource import RecordStore


class CustomFieldStore(RecordStore[CustomField]):
    record_type = CustomField

    def make_table(self) -> Table[CustomField]:
        # No source names a hook event for custom fields; the noun is keapsim's own.
        return Table(self.core, kind="Custom Field", id_kind="custom_field", noun="customField")

    def create(
        self,
        label: str,
        field_type: str,
        options: list[dict[str, Any]] | None = None,
        group_id: int | None = None,
        default_value: str | None = None,
    ) -> CustomField:
        if not label or not isinstance(label, str):
            raise Invalid("label is required", field="label")
        if field_type not in CUSTOM_FIELD_TYPES:
            raise Invalid(
                f"field_type must be one of {', '.join(CUSTOM_FIELD_TYPES)}", field="field_type"
            )
        numbered = [
            {"id": str(i), "label": str(o.get("label", ""))}
            for i, o in enumerate(options or [], start=1)
        ]
        with self.core.write():
            field = CustomField(
                self.table.new_id(), label, field_type, numbered, group_id, default_value
            )
            return self.table.add(field)

    def delete(self, ident: int) -> None:
        with self.core.write():
            self.table.remove(ident)
            self.tenant.contacts.drop_custom_field(ident)

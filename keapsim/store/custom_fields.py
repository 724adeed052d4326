"""Custom fields of every record type (keap-facts.md §4.7): one table, each field belonging to
one record type (``CONTACT``, ``COMPANY``, ``OPPORTUNITY`` … the v2 document's
``record_type`` enum). Deleting a field drops its values from the records of its type.

The seam other record types use: :meth:`CustomFieldStore.of_record_type` (the fields a record
of that type carries) and :meth:`CustomFieldStore.check_values` (values a write may store); a
store of another record type drops a deleted field's values by subscribing to this table's
``on_remove`` (``table.on_remove``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Table
from .errors import Invalid
from .models import CUSTOM_FIELD_TYPES, CustomField
from .resource import RecordStore

# The record types of the v2 document's ``record_type`` enum that keapsim stores.
CONTACT, COMPANY, OPPORTUNITY = "CONTACT", "COMPANY", "OPPORTUNITY"
RECORD_TYPES = (
    CONTACT,
    "REFERRAL_PARTNER",
    OPPORTUNITY,
    "TASK_NOTE_APPOINTMENT",
    COMPANY,
    "ORDER",
    "SUBSCRIPTION",
)


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
        *,
        record_type: str = CONTACT,
    ) -> CustomField:
        if not label or not isinstance(label, str):
            raise Invalid("label is required", field="label")
        if field_type not in CUSTOM_FIELD_TYPES:
            raise Invalid(
                f"field_type must be one of {', '.join(CUSTOM_FIELD_TYPES)}", field="field_type"
            )
        if record_type not in RECORD_TYPES:
            raise Invalid(
                f"record_type must be one of {', '.join(RECORD_TYPES)}", field="record_type"
            )
        numbered = [
            {"id": str(i), "label": str(o.get("label", ""))}
            for i, o in enumerate(options or [], start=1)
        ]
        with self.core.write():
            field = CustomField(
                self.table.new_id(),
                label,
                field_type,
                numbered,
                group_id,
                default_value,
                record_type,
            )
            return self.table.add(field)

    def delete(self, ident: int) -> None:
        with self.core.write():
            self.table.remove(ident)
            self.tenant.contacts.drop_custom_field(ident)

    # -- the seam for every record type --------------------------------------------------------
    def of_record_type(self, record_type: str) -> list[CustomField]:
        """The fields records of ``record_type`` carry, in id order."""
        return [f for f in self.table.values() if f.record_type == record_type]

    def check_values(self, record_type: str, values: Mapping[int, Any], field: str) -> None:
        """Refuse values for a custom field that records of ``record_type`` do not have
        (unknown, or another record type's); ``field`` names the body property in the 400."""
        for field_id in values:
            found = self.table.get(field_id)
            if found is None or found.record_type != record_type:
                # Keap's wording for an unknown custom field id is not documented.
                raise Invalid(f"Custom field {field_id} does not exist", field=field)

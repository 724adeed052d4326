"""Custom fields of every record type (keap-facts.md §4.7): one table, each field belonging to
one record type (``CONTACT``, ``COMPANY``, ``OPPORTUNITY`` … the v2 document's
``record_type`` enum). Deleting a field drops its values from the records of its type.

The seam other record types use: :meth:`CustomFieldStore.of_record_type` (the fields a record
of that type carries) and :meth:`CustomFieldStore.check_values` (values a write may store); a
store of another record type drops a deleted field's values by subscribing to this table's
``on_remove`` (``table.on_remove``).

Fields are laid out in **tabs** holding **groups** (the v2 document's ``CustomFieldTab`` and
``CustomFieldGroup``), each of one record type: a field's ``group_id`` names a group of its
record type, a group's ``tab_id`` a tab of its record type. Deleting a tab that still holds
groups, or a group that still holds fields, is a Conflict (409: "Returns 409 Conflict if the
tab still contains groups", DELETE .../customFields/tabs/{tab_id}, v2 document).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from ..datarecord import record_class
from .base import Table
from .errors import Invalid, NotFound
from .records import CUSTOM_FIELD_TYPES, CustomField
from .resource import DeclaredStore, Field, RecordStore, ResourceSpec, refuse_if_used

# The record types of the v2 document's ``record_type`` enum that keapsim stores.
CONTACT, COMPANY, OPPORTUNITY = "CONTACT", "COMPANY", "OPPORTUNITY"
# Tasks, notes and appointments share one custom-field model (the documents' enum has one
# TASK_NOTE_APPOINTMENT value for the three).
TASK_NOTE_APPOINTMENT = "TASK_NOTE_APPOINTMENT"
# Affiliates are "referral partners" in the enum.
REFERRAL_PARTNER, ORDER, SUBSCRIPTION = "REFERRAL_PARTNER", "ORDER", "SUBSCRIPTION"
RECORD_TYPES = (
    CONTACT,
    REFERRAL_PARTNER,
    OPPORTUNITY,
    TASK_NOTE_APPOINTMENT,
    COMPANY,
    ORDER,
    SUBSCRIPTION,
)
# The tab a group without a ``tab_id`` goes to ("If `tab_id` is omitted, the group is added to
# the default 'Custom Fields' tab", POST .../customFields/groups, v2 document). keapsim makes
# it when a group first needs it, so a fresh account lists no tabs.
DEFAULT_TAB_NAME = "Custom Fields"


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
        check_record_type(record_type)
        numbered = [
            {"id": str(i), "label": str(o.get("label", ""))}
            for i, o in enumerate(options or [], start=1)
        ]
        with self.core.write():
            if group_id is not None:
                self.tenant.custom_field_groups.of_type(record_type, group_id, field="group_id")
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

    def update(
        self,
        ident: int,
        record_type: str,
        *,
        label: str | None = None,
        options: list[dict[str, Any]] | None = None,
        group_id: int | None = None,
    ) -> CustomField:
        """Change a field of ``record_type`` (another type's field is not found): only the given
        properties change. ``options`` replaces the list: an option naming one of the field's
        option ids keeps that id, one without an id gets a new one."""
        with self.core.write():
            current = self.of_type(record_type, ident)
            changes: dict[str, Any] = {}
            if label is not None:
                if not label:
                    raise Invalid("label is required", field="label")
                changes["label"] = label
            if options is not None:
                changes["options"] = _renumbered(options, current.options)
            if group_id is not None:
                self.tenant.custom_field_groups.of_type(record_type, group_id, field="group_id")
                changes["group_id"] = group_id
            return self.table.replace(replace(current, **changes))

    def delete(self, ident: int) -> None:
        with self.core.write():
            self.table.remove(ident)
            self.tenant.contacts.drop_custom_field(ident)

    def delete_of_type(self, record_type: str, ident: int) -> None:
        """Delete a field of ``record_type`` (another type's field is not found)."""
        with self.core.write():
            self.of_type(record_type, ident)
            self.delete(ident)

    # -- the seam for every record type --------------------------------------------------------
    def of_record_type(self, record_type: str) -> list[CustomField]:
        """The fields records of ``record_type`` carry, in id order."""
        return [f for f in self.table.values() if f.record_type == record_type]

    def of_type(self, record_type: str, ident: int) -> CustomField:
        """The field ``ident`` if it belongs to ``record_type``, else NotFound."""
        found = self.table.get(ident)
        if found is None or found.record_type != record_type:
            raise NotFound("Custom Field", ident)
        return found

    def check_values(self, record_type: str, values: Mapping[int, Any], field: str) -> None:
        """Refuse values for a custom field that records of ``record_type`` do not have
        (unknown, or another record type's); ``field`` names the body property in the 400."""
        for field_id in values:
            found = self.table.get(field_id)
            if found is None or found.record_type != record_type:
                # Keap's wording for an unknown custom field id is not documented.
                raise Invalid(f"Custom field {field_id} does not exist", field=field)


def check_record_type(record_type: str) -> None:
    if record_type not in RECORD_TYPES:
        raise Invalid(f"record_type must be one of {', '.join(RECORD_TYPES)}", field="record_type")


def _renumbered(
    options: list[dict[str, Any]], current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    known = {str(o["id"]) for o in current}
    highest = max((int(i) for i in known if i.isdecimal()), default=0)
    out = []
    for option in options:
        ident = option.get("id")
        if ident is None:
            highest += 1
            ident = str(highest)
        elif str(ident) not in known:
            raise Invalid(f"Option {ident} does not belong to this field", field="options")
        out.append({"id": str(ident), "label": str(option.get("label") or "")})
    return out


# -- tabs and groups -------------------------------------------------------------------------
@record_class
class CustomFieldTab:
    id: int
    record_type: str
    name: str
    order: int


@record_class
class CustomFieldGroup:
    id: int
    record_type: str
    name: str
    order: int
    tab_id: int


L = TypeVar("L", CustomFieldTab, CustomFieldGroup)


def _layout_fields(*extra: Field) -> tuple[Field, ...]:
    return (
        Field("record_type", required=True, choices=RECORD_TYPES),
        # Neither document gives a length limit; 255 is keapsim's, as for other names.
        Field("name", required=True, max_length=255),
        # ``order`` is 1-based (the document's example is 1); a new one goes last.
        Field("order", int, required=True, minimum=0, maximum=2**31 - 1),
        *extra,
    )


# No source names hook events for tabs and groups; the nouns are keapsim's own.
CUSTOM_FIELD_TAB = ResourceSpec(
    record=CustomFieldTab,
    kind="Custom Field Tab",
    id_kind="custom_field_tab",
    noun="customFieldTab",
    fields=_layout_fields(),
)
CUSTOM_FIELD_GROUP = ResourceSpec(
    record=CustomFieldGroup,
    kind="Custom Field Group",
    id_kind="custom_field_group",
    noun="customFieldGroup",
    fields=_layout_fields(Field("tab_id", int, required=True)),
)


class _LayoutStore(DeclaredStore[L]):
    """What tabs and groups share: scoped by record type, listed in display order, a new one
    placed last of its record type."""

    def of_type(self, record_type: str, ident: int, field: str | None = None) -> L:
        """The record ``ident`` if it belongs to ``record_type``; else NotFound, or with
        ``field`` (a body property naming it) a 400."""
        found = self.table.get(ident)
        if found is None or found.record_type != record_type:
            if field is not None:
                raise Invalid(f"{field} {ident} does not exist", field=field)
            raise NotFound(self.spec.kind, ident)
        return found

    def update_of_type(self, record_type: str, ident: int, **changes: Any) -> L:
        with self.core.write():
            self.of_type(record_type, ident)
            return self.update(ident, **changes)

    def delete_of_type(self, record_type: str, ident: int) -> None:
        with self.core.write():
            self.of_type(record_type, ident)
            self.delete(ident)

    def list_of(self, record_type: str) -> list[L]:
        """The record type's tabs (groups) in display order (``order``, then id)."""
        mine = [r for r in self.table.values() if r.record_type == record_type]
        return sorted(mine, key=lambda r: (r.order, r.id))

    def normalise(self, values: dict[str, Any], current: L | None, now: datetime) -> dict[str, Any]:
        if current is None and values.get("order") is None:
            record_type = values.get("record_type")
            taken = [r.order for r in self.table.values() if r.record_type == record_type]
            values = {**values, "order": max(taken, default=0) + 1}
        return values


class CustomFieldTabStore(_LayoutStore[CustomFieldTab]):
    spec = CUSTOM_FIELD_TAB

    def default_tab(self, record_type: str) -> CustomFieldTab:
        """The record type's 'Custom Fields' tab, made on first need."""
        with self.core.write():
            for tab in self.list_of(record_type):
                if tab.name == DEFAULT_TAB_NAME:
                    return tab
            return self.create(record_type=record_type, name=DEFAULT_TAB_NAME)

    def check_delete(self, record: CustomFieldTab) -> None:
        groups = self.tenant.custom_field_groups.values()
        count = sum(1 for group in groups if group.tab_id == record.id)
        refuse_if_used(count, self.spec.kind, record.id, "group(s)")


class CustomFieldGroupStore(_LayoutStore[CustomFieldGroup]):
    spec = CUSTOM_FIELD_GROUP

    def add(self, record_type: str, name: Any, tab_id: int | None) -> CustomFieldGroup:
        """A new group in ``tab_id`` (a tab of ``record_type``), or in the default tab."""
        check_record_type(record_type)
        with self.core.write():
            if tab_id is None:
                tab_id = self.tenant.custom_field_tabs.default_tab(record_type).id
            return self.create(record_type=record_type, name=name, tab_id=tab_id)

    def normalise(
        self, values: dict[str, Any], current: CustomFieldGroup | None, now: datetime
    ) -> dict[str, Any]:
        tab_id = values.get("tab_id")
        if isinstance(tab_id, int) and not isinstance(tab_id, bool):
            record_type = values.get("record_type") or (current and current.record_type)
            self.tenant.custom_field_tabs.of_type(str(record_type), tab_id, field="tab_id")
        return super().normalise(values, current, now)

    def check_delete(self, record: CustomFieldGroup) -> None:
        fields = self.tenant.custom_fields.values()
        count = sum(1 for f in fields if f.group_id == record.id)
        refuse_if_used(count, self.spec.kind, record.id, "custom field(s)")

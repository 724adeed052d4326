"""Automation categories (v2 ``/automationCategory``). The automations themselves are the
campaigns (``store/campaigns.py``); a category knows nothing of them, the campaigns keep their
category ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .errors import Conflict, Invalid
from .resource import DeclaredStore, Field, ResourceSpec


@record_class
class AutomationCategory:
    id: int
    name: str


AUTOMATION_CATEGORY = ResourceSpec(
    record=AutomationCategory,
    kind="Automation Category",
    id_kind="automation_category",
    # No source names a hook event for automation categories; the noun is keapsim's own.
    noun="automationCategory",
    # "maxLength: 100, minLength: 1" (PatchAutomationCategoryRequest).
    fields=(Field("name", required=True, max_length=100),),
)


class AutomationCategoryStore(DeclaredStore[AutomationCategory]):
    spec = AUTOMATION_CATEGORY

    def attach(self) -> None:
        self.table.on_remove.append(self._leave_automations)

    def _leave_automations(self, category: AutomationCategory) -> None:
        self.tenant.campaigns.forget_category(category.id)

    def normalise(
        self, values: dict[str, Any], current: AutomationCategory | None, now: datetime
    ) -> dict[str, Any]:
        """Names are trimmed and unique, ignoring case (keapsim's rule: the document does not
        say; a second category of the same name would be indistinguishable in Keap's UI)."""
        name = values.get("name")
        if name is None:
            return values
        if not isinstance(name, str) or not name.strip():
            raise Invalid("name is required", field="name")
        name = name.strip()
        for other in self.table.values():
            if other.name.casefold() == name.casefold() and (
                current is None or other.id != current.id
            ):
                raise Conflict(
                    f"An automation category named {name!r} already exists",
                    other.id,
                    kind="Automation Category",
                )
        return {**values, "name": name}

    def delete_many(self, ids: list[int]) -> None:
        """Delete the categories (all or none: an unknown id changes nothing); they leave the
        automations they were on."""
        with self.core.write():
            for ident in [self.get(i).id for i in dict.fromkeys(ids)]:
                self.table.remove(ident)

    def automation_count(self, category: AutomationCategory) -> int:
        return self.tenant.campaigns.in_category(category.id)

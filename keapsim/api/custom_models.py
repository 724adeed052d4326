"""The custom-field model of every record type, as both documents route it: one table naming,
per record type, the path segment (``/companies/model``), the store's record type, and the
model operations each document declares for it. The v1 and v2 adapters
(``api/v1/custom_fields.py``, ``api/v2/custom_fields.py``) register one implementation per row,
so a record type that gains custom fields is one more row here.

The operations come from the documents' paths (``2025-11-05-v1.json``, ``swagger.yml``); an
operation a document does not declare for a record type is not served (v2 has no PATCH
``/contacts/model/customFields/{id}``; v1 creates fields for contacts, tasks, notes and
appointments only). The model is independent of the records: a record type keapsim does not
store yet (orders, subscriptions, affiliates) still has its fields, tabs and groups.
"""

from __future__ import annotations

from ..datarecord import record_class
from ..store.custom_fields import (
    COMPANY,
    CONTACT,
    OPPORTUNITY,
    ORDER,
    REFERRAL_PARTNER,
    SUBSCRIPTION,
    TASK_NOTE_APPOINTMENT,
)

# v1 operations
MODEL, CREATE = "model", "create"
# v2 operations besides MODEL and CREATE: field PATCH and DELETE, tab CRUD, group CRUD
UPDATE, DELETE, TABS, GROUPS = "update", "delete", "tabs", "groups"
V2_ALL = frozenset({MODEL, CREATE, UPDATE, DELETE, TABS, GROUPS})


@record_class(frozen=True)
class ModelType:
    segment: str  # the path segment: ``/<segment>/model``
    record_type: str  # the store's (and the documents' enum) record type
    v1: frozenset[str]  # the v1 document's operations for it
    v2: frozenset[str]  # the v2 document's operations for it
    # POST /tasks/model/customFields answers CreateCustomFieldResponse ``{custom_field: …}``
    # where every other record type answers the CustomFieldMetaData itself (v2 document).
    v2_create_wrapped: bool = False


MODEL_TYPES = (
    ModelType("contacts", CONTACT, frozenset({MODEL, CREATE}), V2_ALL - {UPDATE}),
    ModelType("companies", COMPANY, frozenset({MODEL}), V2_ALL),
    ModelType("opportunities", OPPORTUNITY, frozenset({MODEL}), V2_ALL),
    ModelType("tasks", TASK_NOTE_APPOINTMENT, frozenset({MODEL, CREATE}), V2_ALL, True),
    ModelType("notes", TASK_NOTE_APPOINTMENT, frozenset({MODEL, CREATE}), V2_ALL),
    ModelType("appointments", TASK_NOTE_APPOINTMENT, frozenset({MODEL, CREATE}), frozenset()),
    ModelType("affiliates", REFERRAL_PARTNER, frozenset({MODEL}), V2_ALL),
    ModelType("orders", ORDER, frozenset({MODEL}), V2_ALL),
    ModelType("subscriptions", SUBSCRIPTION, frozenset({MODEL}), V2_ALL),
)

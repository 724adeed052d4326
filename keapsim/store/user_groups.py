"""User groups (v2 ``/userGroups``: list and get only; they come from seed data and scenario
files, as campaigns do)."""

from __future__ import annotations

from ..datarecord import record_class
from .resource import DeclaredStore, Field, ResourceSpec


@record_class
class UserGroup:
    id: int
    name: str


USER_GROUP = ResourceSpec(
    record=UserGroup,
    kind="User Group",
    id_kind="user_group",
    # No source names a hook event for user groups; the noun is keapsim's own.
    noun="userGroup",
    fields=(Field("name", required=True, max_length=255),),
)


class UserGroupStore(DeclaredStore[UserGroup]):
    spec = USER_GROUP

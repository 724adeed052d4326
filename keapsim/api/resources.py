"""The declared resources: plain CRUD resources whose routes both versions generate.

One declaration per resource (fields and their wire names, filters, orders, routes); add it
to :data:`DECLARED`. The store side is the resource's ``ResourceSpec`` in its store module.
"""

from __future__ import annotations

from ..store.contact_links import CONTACT_LINK_TYPE
from ..store.tags import TAG_CATEGORY
from ..store.user_groups import USER_GROUP
from .crud import ApiResource, Routes, WireField
from .opportunity_stages import OPPORTUNITY_STAGES

EQ = ("==",)  # v2 filter operators (as keapsim.api.v2.filters.EQ)

# Tag categories: v1 has only create (``POST /tags/categories``, declared 200); v2 has all
# five (keap-facts.md §4.2). The store keeps no timestamps for them, so v2's create_time and
# update_time are left out.
TAG_CATEGORIES = ApiResource(
    store="tag_categories",
    spec=TAG_CATEGORY,
    fields=(
        WireField("id", writable=False),
        WireField("name", filters=EQ, order=True),
        WireField("description", filters=EQ),
    ),
    v1=Routes("/tags/categories", "tag_categories", frozenset({"create"}), create_status=200),
    v2=Routes("/tags/categories", "tag_categories"),
)

# Contact link types: v2 only; the document has list, create, update and delete (no get).
CONTACT_LINK_TYPES = ApiResource(
    store="contact_link_types",
    spec=CONTACT_LINK_TYPE,
    fields=(
        WireField("id", writable=False),
        WireField("name", filters=EQ, order=True),
        WireField("max_links", order=True),
        WireField("create_time", writable=False, order=True),
    ),
    v2=Routes(
        "/contacts/links/types",
        "contact_link_types",
        frozenset({"list", "create", "update", "delete"}),
    ),
)

# User groups: v2 list and get only; the groups come from seed data and scenario files.
USER_GROUPS = ApiResource(
    store="user_groups",
    spec=USER_GROUP,
    fields=(WireField("id", writable=False), WireField("name")),
    v2=Routes("/userGroups", "user_groups", frozenset({"list", "get"})),
)

DECLARED: tuple[ApiResource, ...] = (
    TAG_CATEGORIES,
    OPPORTUNITY_STAGES,
    CONTACT_LINK_TYPES,
    USER_GROUPS,
)

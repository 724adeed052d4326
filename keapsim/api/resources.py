"""The declared resources: plain CRUD resources whose routes both versions generate.

One declaration per resource (fields and their wire names, filters, orders, routes); add it
to :data:`DECLARED`. The store side is the resource's ``ResourceSpec`` in its store module.
"""

from __future__ import annotations

from ..store.tags import TAG_CATEGORY
from .crud import ApiResource, Routes, WireField
from .opportunity_stages import OPPORTUNITY_STAGES
from .task_resources import APPOINTMENTS, TASKS

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

DECLARED: tuple[ApiResource, ...] = (TAG_CATEGORIES, OPPORTUNITY_STAGES, TASKS, APPOINTMENTS)

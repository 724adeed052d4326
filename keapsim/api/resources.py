"""The declared resources: plain CRUD resources whose routes both versions generate.

One declaration per resource (fields and their wire names, filters, orders, routes); add it
to :data:`DECLARED`. The store side is the resource's ``ResourceSpec`` in its store module.
"""

from __future__ import annotations

from ..store.affiliate_redirects import REDIRECT_LINK
from ..store.contact_links import CONTACT_LINK_TYPE
from ..store.lead_sources import LEAD_SOURCE_CATEGORY
from ..store.product_categories import PRODUCT_CATEGORY
from ..store.referrals import REFERRAL
from ..store.tags import TAG_CATEGORY
from ..store.user_groups import USER_GROUP
from .common import UNCONVERTIBLE, BadInput
from .crud import ApiResource, ListKey, Routes, WireField
from .opportunity_stages import OPPORTUNITY_STAGES
from .task_resources import APPOINTMENTS, TASKS

EQ = ("==",)  # v2 filter operators (as keapsim.api.v2.filters.EQ)
# "Allowable operators: "==", "<=", "<", ">=", ">", "!="" (v2 document, GET /referrals).
ALL_COMPARE = ("==", "!=", ">", "<", ">=", "<=")

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

# Lead-source categories: v2 only (keap-facts.md §4.6); shapes LeadSourceCategory and
# CreateUpdateLeadSourceCategoryRequest; filters name and description ("Wildcard matching
# allowed"), order_by name.
LEAD_SOURCE_CATEGORIES = ApiResource(
    store="lead_source_categories",
    spec=LEAD_SOURCE_CATEGORY,
    fields=(
        WireField("id", v1=None, writable=False),
        WireField("name", v1=None, filters=EQ, order=True),
        WireField("description", v1=None, filters=EQ),
        WireField("create_time", v1=None, writable=False),
        WireField("update_time", v1=None, writable=False),
    ),
    v2=Routes("/leadSourceCategories", "lead_source_categories"),
)

# Referrals: v2 list and create (Referral, CreateReferralRequest). The document's filter
# ``type`` reads ``referral_type``; order_by id and referral_time.
REFERRALS = ApiResource(
    store="referrals",
    spec=REFERRAL,
    fields=(
        WireField("id", v1=None, writable=False),
        WireField("contact_id", v1=None, filters=ALL_COMPARE),
        WireField("referral_partner_id", v1=None, filters=ALL_COMPARE),
        WireField("source", v1=None, filters=EQ),
        WireField("description", v1=None, filters=EQ),
        WireField("referral_time", v1=None, order=True),
        WireField("expiration_time", v1=None),
        WireField("ip_address", v1=None),
        WireField("referral_type", v1=None),
    ),
    v2=Routes("/referrals", "referrals", frozenset({"list", "create"})),
    filters=(ListKey("type", "referral_type"),),
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

# Product categories: v2 only (ProductCategory, Create/UpdateProductCategoryRequest). The
# list filters ``name`` (wildcards) and ``product_category_id`` (comparisons); order_by id only.
# The filter ``product_id`` (categories a product is in) is served by
# ``keapsim/api/v2/product_categories.py``'s assignment routes, not here: keapsim's list
# refuses it as an unknown filter field.
PRODUCT_CATEGORIES = ApiResource(
    store="product_categories",
    spec=PRODUCT_CATEGORY,
    fields=(
        WireField("id", v1=None, writable=False),
        WireField("name", v1=None, filters=EQ),
        WireField("display_order_index", v1=None),
        WireField("parent_category_id", v1=None),
    ),
    v2=Routes("/productCategories", "product_categories"),
    filters=(ListKey("product_category_id", "id", ALL_COMPARE),),
)


def _program_ids_in(value: object, wire: str) -> tuple[int, ...]:
    """A list of program ids (strings or numbers, as v2 sends ids)."""
    if not isinstance(value, list):
        raise BadInput(UNCONVERTIBLE, field=wire)
    ids = []
    for item in value:
        text = (
            str(item).strip() if isinstance(item, str | int) and not isinstance(item, bool) else ""
        )
        if not text.isdecimal() or len(text) > 18:
            raise BadInput(UNCONVERTIBLE, field=wire)
        ids.append(int(text))
    return tuple(ids)


# Affiliate redirect links: v2 CRUD (AffiliateLink, CreateOrUpdateAffiliateLinkRequest); the
# list filters name (wildcards) and affiliate_id, order_by name and date_created. The document
# calls ``local_url_code`` and ``redirect_url`` deprecated names of ``code`` and
# ``website_address``: answers carry both. v1's list is hand-written (keapsim/api/v1/affiliates.py).
AFFILIATE_REDIRECTS = ApiResource(
    store="affiliate_redirects",
    spec=REDIRECT_LINK,
    fields=(
        WireField("id", v1=None, writable=False),
        WireField("name", v1=None, filters=EQ, order=True),
        WireField("code", v1=None),
        WireField("affiliate_id", v1=None, filters=EQ),
        WireField("code", v1=None, v2="local_url_code", writable=False),
        WireField("website_address", v1=None, v2="redirect_url", writable=False),
        WireField("website_address", v1=None),
        WireField(
            "program_ids",
            v1=None,
            out=lambda ids: [str(i) for i in ids],
            into=_program_ids_in,
        ),
        WireField("date_created", v1=None, writable=False, order=True),
    ),
    v2=Routes("/affiliates/redirects", "affiliate_links"),
)

DECLARED: tuple[ApiResource, ...] = (
    TAG_CATEGORIES,
    OPPORTUNITY_STAGES,
    LEAD_SOURCE_CATEGORIES,
    REFERRALS,
    TASKS,
    APPOINTMENTS,
    CONTACT_LINK_TYPES,
    USER_GROUPS,
    PRODUCT_CATEGORIES,
    AFFILIATE_REDIRECTS,
)

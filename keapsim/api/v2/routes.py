"""The v2 API's blueprint with every route on it.

Each module below registers its routes on the package's ``blueprint`` when imported. They are
imported here rather than in the package's ``__init__`` (which they import for ``blueprint``),
so the package and its modules form no import cycle. A new resource module is one more name
on this line.
"""

# The resource modules are imported for their decorators, which register the routes.
from . import (  # noqa: F401
    account,
    affiliate_programs,
    affiliates,
    automations,
    blueprint,
    campaigns,
    companies,
    contact_links,
    contacts,
    custom_fields,
    declared,
    discounts,
    emails,
    files,
    lead_source_expenses,
    lead_sources,
    notes,
    opportunities,
    orders,
    product_categories,
    product_interests,
    product_options,
    products,
    reporting,
    sales,
    subscriptions,
    tags,
    tasks,
    users,
    wordpress,
)

__all__ = ["blueprint"]

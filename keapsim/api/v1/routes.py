"""The v1 API's blueprint with every route on it.

Each module below registers its routes on the package's ``blueprint`` when imported. They are
imported here rather than in the package's ``__init__`` (which they import for ``blueprint``),
so the package and its modules form no import cycle. A new resource module is one more name
on this line.
"""

# The resource modules are imported for their decorators, which register the routes.
from . import (  # noqa: F401
    account,
    affiliates,
    blueprint,
    campaigns,
    companies,
    contacts,
    custom_fields,
    declared,
    emails,
    files,
    hooks,
    notes,
    opportunities,
    orders,
    products,
    subscriptions,
    tags,
    tasks,
    transactions,
    users,
)

__all__ = ["blueprint"]

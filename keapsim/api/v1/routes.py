"""Which modules of the v1 package declare the routes of each route family.

A family is the first segment of a path after ``/crm/rest/v1/`` (``contacts`` for
``/crm/rest/v1/contacts/<id>/tags``). When a request first names a family, the simulator
imports its modules, whose decorators declare their routes on the package's ``blueprint``,
and compiles that family's routes (:mod:`keapsim.api.routing`); a family nobody asked for
costs nothing. A new resource module is one more name here, in each family it declares a route
of; ``tests/architecture/test_route_families.py`` says when this table and the modules disagree.
This module imports nothing: the package reads it before any of its modules exist.
"""

FAMILIES: dict[str, tuple[str, ...]] = {
    "account": ("account",),
    "affiliates": ("affiliates", "custom_fields"),
    "appointments": ("custom_fields", "declared", "tasks"),
    "campaigns": ("campaigns",),
    "companies": ("companies", "custom_fields"),
    "contacts": ("account", "contacts", "custom_fields", "emails", "tags"),
    "emailAddresses": ("emails",),
    "emails": ("emails",),
    "files": ("files",),
    "hooks": ("hooks",),
    "locales": ("account",),
    "merchants": ("transactions",),
    "notes": ("custom_fields", "notes"),
    "oauth": ("users",),
    "opportunities": ("custom_fields", "opportunities"),
    "opportunity": ("opportunities",),
    "orders": ("custom_fields", "orders", "transactions"),
    "products": ("products",),
    "setting": ("account",),
    "subscriptions": ("custom_fields", "subscriptions"),
    "tags": ("companies", "declared", "tags"),
    "tasks": ("custom_fields", "declared", "tasks"),
    "transactions": ("transactions",),
    "users": ("account", "users"),
}

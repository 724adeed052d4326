"""Which modules of the v2 package declare the routes of each route family.

A family is the first segment of a path after ``/crm/rest/v2/`` (``contacts`` for
``/crm/rest/v2/contacts/<id>/tags``). When a request first names a family, the simulator
imports its modules, whose decorators declare their routes on the package's ``blueprint``,
and compiles that family's routes (:mod:`keapsim.api.routing`); a family nobody asked for
costs nothing. A new resource module is one more name here, in each family it declares a route
of; ``tests/architecture/test_route_families.py`` says when this table and the modules disagree.
This module imports nothing: the package reads it before any of its modules exist.
"""

FAMILIES: dict[str, tuple[str, ...]] = {
    "affiliates": ("affiliate_programs", "affiliates", "custom_fields", "declared"),
    "automationCategory": ("automations",),
    "automations": ("automations", "campaigns"),
    "businessProfile": ("account",),
    "campaigns": ("automations", "campaigns"),
    "companies": ("companies", "custom_fields"),
    "contacts": (
        "contact_links",
        "contacts",
        "custom_fields",
        "declared",
        "notes",
        "sales",
        "tags",
    ),
    "discounts": ("discounts",),
    "easy-automations": ("automations",),
    "emailAddresses": ("emails",),
    "emails": ("emails",),
    "files": ("files",),
    "integrations": ("wordpress",),
    "leadSourceCategories": ("declared",),
    "leadSources": ("lead_source_expenses", "lead_sources"),
    "locales": ("account",),
    "merchants": ("sales",),
    "notes": ("custom_fields", "notes"),
    "oauth": ("users",),
    "opportunities": ("custom_fields", "declared", "opportunities"),
    "orders": ("custom_fields", "orders"),
    "paymentMethodConfigs": ("sales",),
    "paymentMethods": ("sales",),
    "productCategories": ("declared", "product_categories"),
    "productInterestBundles": ("product_interests",),
    "products": ("product_options", "products"),
    "referrals": ("declared",),
    "reporting": ("reporting",),
    "sales": ("sales",),
    "settings": ("account",),
    "shipping": ("sales",),
    "subscriptions": ("custom_fields", "subscriptions"),
    "tags": ("companies", "declared", "tags"),
    "tasks": ("custom_fields", "declared", "tasks"),
    "userGroups": ("declared",),
    "users": ("account", "users"),
    "webforms": ("reporting",),
}

"""The v1 package's route families: for each first path segment after ``/crm/rest/v1/``, the
modules that declare its routes (imported when a request first names it). What a family is and
why: :mod:`keapsim.api.routing`. Imports nothing: the package reads it before its modules."""

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

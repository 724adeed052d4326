"""The names of Keap's quota and throttle headers (keap-facts.md §6.3): the throttle stage fills
them in, authentication sends them blank on a 401."""

from __future__ import annotations

PRODUCT_QUOTA = "x-keap-product-quota-"
PRODUCT_THROTTLE = "x-keap-product-throttle-"
TENANT_THROTTLE = "x-keap-tenant-throttle-"
SPIKE_LIMIT = "x-keap-product-spike-limit"
TENANT_ID = "x-keap-tenant-id"
_FAMILY_FIELDS = ("limit", "time-unit", "interval", "available", "used")

# Keap sends the header families even on unauthenticated 401s, with empty values (facts §6.3,
# third-party measurement); the spike limit belongs to keys, so an unknown caller has none.
BLANK_HEADERS: dict[str, str] = {
    **{f"{PRODUCT_QUOTA}{f}": "" for f in (*_FAMILY_FIELDS, "expiry-time")},
    **{f"{PRODUCT_THROTTLE}{f}": "" for f in _FAMILY_FIELDS},
    TENANT_ID: "",
    **{f"{TENANT_THROTTLE}{f}": "" for f in _FAMILY_FIELDS},
}

"""Headers and bodies several evidence cassettes share, each as a source showed it."""

from __future__ import annotations

from contracts.evidence.sources import V1

JSON_CT = "application/json"
JSON_UTF8 = "application/json;charset=UTF-8"

# ---------------------------------------------------------------------------- headers
#: Header set seen on a real PAT/SAK call, 2024-08-14 (pastebin), tenant host scrubbed.
QUOTA_HEADERS_OK: dict[str, str] = {
    "x-keap-product-spike-limit": "10ps",
    "x-keap-product-throttle-limit": "240",
    "x-keap-product-throttle-time-unit": "minute",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": "239",
    "x-keap-product-throttle-used": "1",
    "x-keap-product-quota-limit": "150000",
    "x-keap-product-quota-time-unit": "day",
    "x-keap-product-quota-interval": "1",
    "x-keap-product-quota-available": "149862",
    "x-keap-product-quota-used": "138",
    "x-keap-product-quota-expiry-time": "1723680000000",
    "x-keap-tenant-id": "tenant0001.keap.invalid",
    "x-keap-tenant-throttle-limit": "5000",
    "x-keap-tenant-throttle-time-unit": "minute",
    "x-keap-tenant-throttle-interval": "1",
    "x-keap-tenant-throttle-available": "4999",
    "x-keap-tenant-throttle-used": "1",
}
#: The 2025 forum post's set on a 429: quota limit 30000, expiry 1771459200000.
QUOTA_HEADERS_429: dict[str, str] = {
    **QUOTA_HEADERS_OK,
    "x-keap-product-quota-limit": "30000",
    "x-keap-product-quota-available": "0",
    "x-keap-product-quota-used": "30000",
    "x-keap-product-quota-expiry-time": "1771459200000",
}
#: w6w (2026-08-11): the header families are present but blank on unauthenticated 401s.
QUOTA_HEADERS_BLANK: dict[str, str] = {k: "" for k in QUOTA_HEADERS_OK}

API_KEY_AUTH = {"X-Keap-API-Key": "SCRUBBED-API-KEY"}
FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}

# ---------------------------------------------------------------------------- gateway faults
MISSING_TOKEN = {
    "fault": {
        "faultstring": "Invalid access token",
        "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
    }
}
INVALID_TOKEN = {
    "fault": {
        "faultstring": "Invalid Access Token",
        "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
    }
}
EXPIRED_TOKEN = {
    "fault": {
        "faultstring": "Access Token expired",
        "detail": {"errorcode": "keymanagement.service.access_token_expired"},
    }
}
THROTTLED = {
    "code": "429",
    "message": "Quota Exceeded",
    "status": "Request Throttled",
    "details": None,
}

# ---------------------------------------------------------------------------- token endpoint
INVALID_GRANT_BODY = {"error": "invalid_grant", "error_description": "Invalid refresh token"}
TOKEN_RESPONSE = {
    "access_token": "SCRUBBED-ACCESS-TOKEN-2",
    "token_type": "bearer",
    "expires_in": 86400,
    "refresh_token": "SCRUBBED-REFRESH-TOKEN-2",
    "scope": "full|tenant0001.keap.invalid",
}

# ---------------------------------------------------------------------------- records
ADA_EMAILS = [{"email": "ada@example.com", "field": "EMAIL1"}]
#: v1 list envelope (ContactList): next/previous are absolute URLs (keap-facts.md §1.2).
V1_EMPTY_LIST = {
    "contacts": [],
    "count": 0,
    "next": f"{V1}/contacts/?limit=1&offset=1",
    "previous": f"{V1}/contacts/?limit=1&offset=0",
}

"""The connector suite's test lead and flow configuration (shared by its test modules)."""

from __future__ import annotations

from typing import Any

#: The test lead used across the suite: every standard field filled in.
GUIDE_LEAD: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "phone_1": "(602) 555-0123",
    "phone_2": "602-555-0188",
    "phone_3": "+44 20 7946 0958",
    "address_1": "1 Analytical Engine Way",
    "address_2": "Suite 1843",
    "city": "Phoenix",
    "state": "Arizona",
    "postal_code": "85001",
    "website": "https://ada.example.com",
    "comments": "Please call after 5pm about the enterprise plan.",
    "title": "Chief Analyst",
    "dob": "12/10/1985",
    "score": 91,
    "source": "Spring Expo",
    "touchpoints": ["ad", "landing page", "form"],
    "utm_source": "google",
    "utm_medium": "cpc",
    "utm_campaign": "spring",
    "referring_url": "https://partner.example.com/review",
}


def flow(sim, version: str = "v2", credentials: dict | None = None, **extra: Any) -> dict:
    """A flow (config mapping) pointing at the in-process simulator."""
    keap = {
        "base_url": f"{sim.base_url}/crm/rest",
        "api_version": version,
        "credentials": credentials or {"type": "api_key", "api_key": sim.default_tenant.api_key},
        "retries": {"initial_delay": 0.2},
    }
    keap.update(extra.pop("keap", {}))
    return {"keap": keap, **extra}

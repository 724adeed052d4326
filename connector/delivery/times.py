"""Keap's contact timestamps, and how far this machine's clock may be trusted against them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

#: Clock-skew allowance of ``deliver_in_doubt``. A lead's start stamp comes from this machine's
#: clock, the contact's ``last_updated``/``update_time`` from Keap's: if ours runs ahead, the
#: write our lead made carries a time *before* our stamp. 5 s covers a host without working NTP
#: drifting a few seconds and a server that keeps whole seconds only. It is kept small because
#: a larger one widens the other risk: a contact some other system updated in the seconds just
#: before the lead started would be taken for our write and the lead not sent (it is never sent
#: twice either way; a miss here only means the lead is delivered again, as an upsert).
CLOCK_SKEW_MARGIN = timedelta(seconds=5)

#: Stands in for a missing timestamp where one is compared: older than any real one.
NEVER = datetime.min.replace(tzinfo=UTC)


def contact_time(contact: Mapping[str, Any], v1_key: str, v2_key: str) -> datetime | None:
    """A contact's ISO 8601 timestamp (v1 or v2 name) as an aware datetime, None if absent."""
    value = contact.get(v1_key) or contact.get(v2_key)
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

"""The connector and the contract engine read both of Keap's time forms: v1's
``2024-11-12T21:45:54.000+0000`` (offset without a colon) and v2's ``...Z``
(keap-facts.md §9.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.delivery.times import contact_time as _contact_time
from contracts.compare import normalise_timestamps

V1_TIME = "2024-11-12T21:46:01.341+0000"
V2_TIME = "2024-11-12T21:46:01.341Z"
INSTANT = datetime(2024, 11, 12, 21, 46, 1, 341000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("contact", "v1_key", "v2_key"),
    [
        ({"last_updated": V1_TIME}, "last_updated", "update_time"),
        ({"update_time": V2_TIME}, "last_updated", "update_time"),
    ],
)
def test_the_connector_reads_both_forms(contact: dict[str, str], v1_key: str, v2_key: str) -> None:
    assert _contact_time(contact, v1_key, v2_key) == INSTANT


def test_the_contract_engine_normalises_both_forms() -> None:
    assert normalise_timestamps({"a": V1_TIME, "b": V2_TIME}) == {
        "a": "<timestamp>",
        "b": "<timestamp>",
    }

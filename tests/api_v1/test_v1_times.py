"""v1's time texts, formatted in one step and cached (issue 18), equal what the clock's ISO
form gave: ``iso(moment)`` with ``+0000`` for ``Z``; epoch milliseconds in integer arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from keapsim.api.v1.shapes import EPOCH, utc_millis, v1_time
from keapsim.clock import iso

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
moments = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=zones
)


@given(moments)
def test_v1_time_is_the_iso_text_with_v1s_offset(moment: datetime) -> None:
    expected = iso(moment)[:-1] + "+0000"
    assert v1_time(moment) == expected
    assert v1_time(moment) == expected  # the cached text too


def test_equal_instants_in_other_zones_write_the_same_text() -> None:
    moment = datetime(2024, 11, 12, 21, 45, 54, 123999, tzinfo=UTC)
    shifted = moment.astimezone(timezone(timedelta(hours=-3)))
    assert v1_time(moment) == v1_time(shifted) == "2024-11-12T21:45:54.123+0000"
    assert v1_time(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000+0000"


@given(moments)
def test_utc_millis_floors_to_the_millisecond(moment: datetime) -> None:
    assert utc_millis(moment) == (moment - EPOCH) // timedelta(milliseconds=1)

"""The region table comes from pycountry: it must keep the names Keap stores."""

from __future__ import annotations

import pytest

from keapsim.store.regions import normalise_region, us_state_code, us_states


def test_states_dc_and_inhabited_territories_only() -> None:
    states = us_states()
    assert len(states) == 56  # 50 states, DC, AS, GU, MP, PR, VI
    assert "UM" not in states
    assert states["DC"] == "District of Columbia"
    assert states["VI"] == "Virgin Islands"
    assert states["PR"] == "Puerto Rico"


@pytest.mark.parametrize("given", ["US-AZ", "us-az", "AZ", "az", "Arizona", " ARIZONA "])
def test_spellings_of_a_state(given: str) -> None:
    assert us_state_code(given) == "AZ"
    assert normalise_region(given, "USA") == "Arizona"


def test_unknown_and_outlying_regions_are_refused() -> None:
    for region in ("Atlantis", "US-UM", "United States Minor Outlying Islands"):
        assert us_state_code(region) is None
        with pytest.raises(ValueError):
            normalise_region(region, "USA")


def test_regions_outside_the_us_pass_through() -> None:
    assert normalise_region(" Ontario ", "CAN") == "Ontario"

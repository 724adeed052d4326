"""Country and US state look-ups (pycountry plus the spellings leads use)."""

from __future__ import annotations

import pytest

from connector.regions import (
    country_alpha2,
    country_alpha3,
    us_state_code,
    us_state_name,
    us_states,
)


@pytest.mark.parametrize(
    ("given", "alpha2"),
    [
        ("US", "US"),
        ("usa", "US"),
        ("U.S.A.", "US"),
        ("u.s.", "US"),
        ("United States of America", "US"),
        ("uk", "GB"),
        ("Great Britain", "GB"),
        ("GBR", "GB"),
        ("canada", "CA"),
    ],
)
def test_country_spellings(given: str, alpha2: str) -> None:
    assert country_alpha2(given) == alpha2


@pytest.mark.parametrize("given", ["Narnia", "ZZ", "840", "", "  "])
def test_unknown_countries_and_numeric_codes(given: str) -> None:
    assert country_alpha2(given) is None


def test_alpha3() -> None:
    assert country_alpha3("us") == "USA"
    assert country_alpha3("ZZ") is None


def test_state_names() -> None:
    assert us_state_code("new  york") == "NY"
    assert us_state_name("DC") == "District of Columbia"
    assert us_state_name("VI") == "U.S. Virgin Islands"
    assert us_state_code("U.S. Virgin Islands") == "VI"
    assert us_state_code("US-UM") is None


def test_keapsim_knows_every_us_region_by_the_name_the_connector_sends() -> None:
    """The connector and keapsim keep their own region tables (the connector never imports
    keapsim); for every code, each must recognise the other's name."""
    from keapsim.store import regions as keapsim_regions

    assert set(us_states()) == set(keapsim_regions.us_states())
    for code, name in us_states().items():
        assert keapsim_regions.us_state_code(name) == code, name
        assert keapsim_regions.us_state_code(f"US-{code}") == code
    for code, name in keapsim_regions.us_states().items():
        assert us_state_code(name) == code, name

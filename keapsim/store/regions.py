"""Region normalisation. Keap stores the full region name and accepts "US-AZ", "AZ" or "Arizona"
(keap-facts.md §3.1, help.infusionsoft.com "rest-api-contact-region-location-update").

The US subdivisions come from pycountry (ISO 3166-2), loaded on first use so that importing
keapsim (and the ``keapsim serve`` first answer) does not pay for reading its database.
"""

from __future__ import annotations

from functools import cache

# pycountry names US-VI "Virgin Islands, U.S."; keapsim has always stored the plain name.
_NAME_OVERRIDES = {"VI": "Virgin Islands"}
# Other names accepted as input. Keap's own list of region spellings is not public (keap-facts.md
# §3.1 gives only "US-AZ", "AZ", "Arizona"), so for a renamed region keapsim accepts ISO 3166-2's
# name and the usual English one too (a lead connector sends "U.S. Virgin Islands"; tests compare
# the connector's table with this one for every code).
_ALSO_ACCEPTED = {"VI": ("Virgin Islands, U.S.", "U.S. Virgin Islands", "US Virgin Islands")}
# The outlying islands have no postal addresses and were never accepted as a region.
_LEFT_OUT = {"UM"}


@cache
def us_states() -> dict[str, str]:
    """Two-letter code -> stored name for the 50 states, DC and the inhabited territories."""
    import pycountry

    states = {}
    for subdivision in pycountry.subdivisions.get(country_code="US"):
        code = subdivision.code.removeprefix("US-")
        if code not in _LEFT_OUT:
            states[code] = _NAME_OVERRIDES.get(code, subdivision.name)
    return states


@cache
def _codes_by_name() -> dict[str, str]:
    codes = {name.lower(): code for code, name in us_states().items()}
    for code, names in _ALSO_ACCEPTED.items():
        codes.update((name.lower(), code) for name in names)
    return codes


def us_state_code(region: str) -> str | None:
    """The two-letter code for "US-AZ", "AZ" or "Arizona" (any case, any spacing), else None."""
    text = region.strip()
    upper = text.upper()
    if upper.startswith("US-"):
        upper = upper[3:]
    if upper in us_states():
        return upper
    return _codes_by_name().get(" ".join(text.lower().split()))


def normalise_region(region: str, country_code: str | None) -> str:
    """The stored (full-name) form of a region; US regions must be recognisable.

    Outside the US keapsim keeps the text as given: Keap's own list is not public.
    """
    if country_code in (None, "", "USA", "US"):
        code = us_state_code(region)
        if code is None:
            raise ValueError(region)
        return us_states()[code]
    return region.strip()

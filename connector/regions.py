"""Address normalisation lookups: US states and ISO 3166 country codes, from pycountry.

Keap v2 wants ISO 3166-2 region codes (``US-AZ``) with an ISO alpha-3 country code (``USA``);
v1 accepts the full state name or the code and stores the full name. Only US regions are mapped
by name; other countries' regions pass through when already in ISO 3166-2 form. pycountry's
database is read on first use, not at import.
"""

from __future__ import annotations

from functools import cache

# pycountry names US-VI "Virgin Islands, U.S."; leads and Keap write it this way.
_US_NAME_OVERRIDES = {"VI": "U.S. Virgin Islands"}
# Other names leads use for a renamed region (keapsim stores VI as "Virgin Islands").
_US_ALSO_ACCEPTED = {"VI": ("Virgin Islands", "Virgin Islands, U.S.", "US Virgin Islands")}
# The outlying islands have no postal addresses and were never accepted as a state.
_US_LEFT_OUT = {"UM"}

# Spellings leads use that pycountry's lookup does not know (it knows "usa", "united states").
_COUNTRY_ALIASES = {
    "u.s.": "US",
    "u.s.a.": "US",
    "uk": "GB",
    "great britain": "GB",
}


@cache
def us_states() -> dict[str, str]:
    """Two-letter code -> full name for the 50 states, DC and the inhabited territories."""
    import pycountry

    states = {}
    for subdivision in pycountry.subdivisions.get(country_code="US"):
        code = subdivision.code.removeprefix("US-")
        if code not in _US_LEFT_OUT:
            states[code] = _US_NAME_OVERRIDES.get(code, subdivision.name)
    return states


@cache
def _us_codes_by_name() -> dict[str, str]:
    codes = {name.lower(): code for code, name in us_states().items()}
    for code, names in _US_ALSO_ACCEPTED.items():
        codes.update((name.lower(), code) for name in names)
    return codes


def us_state_name(code: str) -> str:
    """The full name of a code ``us_state_code`` returned, e.g. ``"AZ"`` -> ``"Arizona"``."""
    return us_states()[code]


def country_alpha2(value: str) -> str | None:
    """Return the alpha-2 code for a country code (alpha-2 or alpha-3) or name, or None."""
    import pycountry

    text = value.strip()
    key = text.lower()
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if not text or text.isdigit():  # lookup would also take an ISO numeric code ("840")
        return None
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def country_alpha3(alpha2: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2.upper())
    return country.alpha_3 if country else None


def us_state_code(value: str) -> str | None:
    """``"az"``, ``"AZ"``, ``"US-AZ"`` or ``"Arizona"`` -> ``"AZ"``; None when not a US state."""
    text = value.strip()
    upper = text.upper()
    if upper.startswith("US-"):
        upper = upper[3:]
    if upper in us_states():
        return upper
    return _us_codes_by_name().get(" ".join(text.lower().split()))

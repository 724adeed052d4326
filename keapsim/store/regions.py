"""Region normalisation. Keap stores the full region name and accepts "US-AZ", "AZ" or "Arizona"
(keap-facts.md §3.1, help.infusionsoft.com "rest-api-contact-region-location-update").

The US subdivisions come from pycountry (ISO 3166-2), loaded on first use so that importing
keapsim (and the ``keapsim serve`` first answer) does not pay for reading its database.
"""

from __future__ import annotations

from functools import cache

from ..datarecord import record_class

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
    for subdivision in pycountry.subdivisions.get(country_code="US"):  # type: ignore[no-untyped-call]
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


# -- countries and provinces (v1 and v2 ``/locales``) ------------------------------------------
@record_class(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    name: str


@record_class(frozen=True)
class Province:
    code: str  # ISO 3166-2, e.g. "US-AZ"
    name: str
    country: Country


@cache
def countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country (pycountry), in name order."""
    import pycountry

    found = [Country(c.alpha_2, c.alpha_3, c.name) for c in pycountry.countries]
    return tuple(sorted(found, key=lambda c: c.name))


@cache
def _countries_by_key() -> dict[str, Country]:
    keys: dict[str, Country] = {}
    for item in countries():
        for key in (item.alpha2, item.alpha3, item.name):
            keys[key.casefold()] = item
    return keys


def find_country(code_or_name: str) -> Country | None:
    """A country by its alpha-2 or alpha-3 code or its name (any case; v2: "by its code or
    name")."""
    return _countries_by_key().get(code_or_name.strip().casefold())


@cache
def provinces(country: Country) -> tuple[Province, ...]:
    """The country's ISO 3166-2 subdivisions in code order. For the US these are the regions
    contacts accept (:func:`us_states`), so both answers agree."""
    import pycountry

    if country.alpha2 == "US":
        return tuple(
            Province(f"US-{code}", name, country) for code, name in sorted(us_states().items())
        )
    found = pycountry.subdivisions.get(country_code=country.alpha2) or []  # type: ignore[no-untyped-call]
    return tuple(sorted((Province(s.code, s.name, country) for s in found), key=lambda p: p.code))


def find_province(country: Country, code_or_name: str) -> Province | None:
    """A province by its full code ("US-AZ"), its code within the country ("AZ") or its name."""
    wanted = code_or_name.strip().casefold()
    for item in provinces(country):
        short = item.code.split("-", 1)[-1]
        if wanted in (item.code.casefold(), short.casefold(), item.name.casefold()):
            return item
    return None

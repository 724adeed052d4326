"""Reference tables for address normalisation: US states and ISO 3166 country codes.

Keap v2 wants ISO 3166-2 region codes (``US-AZ``) with an ISO alpha-3 country code (``USA``);
v1 accepts the full state name or the code and stores the full name. Only US regions are mapped
by name; other countries' regions pass through when already in ISO 3166-2 form.
"""

from __future__ import annotations

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "AS": "American Samoa",
    "GU": "Guam",
    "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
}

_US_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}

# alpha-2 -> alpha-3 for the countries leads most often come from; alpha-3 input passes through.
COUNTRIES: dict[str, str] = {
    "US": "USA",
    "CA": "CAN",
    "MX": "MEX",
    "GB": "GBR",
    "IE": "IRL",
    "AU": "AUS",
    "NZ": "NZL",
    "DE": "DEU",
    "FR": "FRA",
    "ES": "ESP",
    "IT": "ITA",
    "NL": "NLD",
    "BE": "BEL",
    "CH": "CHE",
    "AT": "AUT",
    "SE": "SWE",
    "NO": "NOR",
    "DK": "DNK",
    "FI": "FIN",
    "PT": "PRT",
    "PL": "POL",
    "IN": "IND",
    "ZA": "ZAF",
    "BR": "BRA",
    "AR": "ARG",
    "JP": "JPN",
    "SG": "SGP",
    "PH": "PHL",
    "IL": "ISR",
    "AE": "ARE",
}

_COUNTRY_ALIASES = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "canada": "CA",
    "mexico": "MX",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "australia": "AU",
}


def country_alpha2(value: str) -> str | None:
    """Return the alpha-2 code for a country code or common name, or None if unknown."""
    text = value.strip()
    key = text.lower()
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    upper = text.upper()
    if upper in COUNTRIES:
        return upper
    for alpha2, alpha3 in COUNTRIES.items():
        if alpha3 == upper:
            return alpha2
    return None


def country_alpha3(alpha2: str) -> str | None:
    return COUNTRIES.get(alpha2.upper())


def us_state_code(value: str) -> str | None:
    """``"az"``, ``"AZ"``, ``"US-AZ"`` or ``"Arizona"`` -> ``"AZ"``; None when not a US state."""
    text = value.strip()
    upper = text.upper()
    if upper.startswith("US-"):
        upper = upper[3:]
    if upper in US_STATES:
        return upper
    return _US_STATE_BY_NAME.get(" ".join(text.lower().split()))

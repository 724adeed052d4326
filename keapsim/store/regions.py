"""Region normalisation. Keap stores the full region name and accepts "US-AZ", "AZ" or "Arizona"
(keap-facts.md §3.1, help.infusionsoft.com "rest-api-contact-region-location-update")."""

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
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
_BY_NAME = {name.lower(): code for code, name in US_STATES.items()}


def us_state_code(region: str) -> str | None:
    """The two-letter code for "US-AZ", "AZ" or "Arizona" (any case), else None."""
    text = region.strip()
    upper = text.upper()
    if upper.startswith("US-"):
        upper = upper[3:]
    if upper in US_STATES:
        return upper
    return _BY_NAME.get(text.lower())


def normalise_region(region: str, country_code: str | None) -> str:
    """The stored (full-name) form of a region; US regions must be recognisable.

    Outside the US keapsim keeps the text as given: Keap's own list is not public.
    """
    if country_code in (None, "", "USA", "US"):
        code = us_state_code(region)
        if code is None:
            raise ValueError(region)
        return US_STATES[code]
    return region.strip()

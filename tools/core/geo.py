"""Countries and sales regions.

Country names are matched to ISO 3166 through ``pycountry`` (names, official names, alpha-2/3
codes), a short list of everyday aliases ("UK", "USA", "Deutschland") and, for typos
("Philipines"), the closest spelling. Regions are the usual B2B sales regions: North America,
LATAM, EMEA and APAC.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import pandas as pd
import pycountry

from .distinct import map_distinct

ALIASES: dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u s": "US",
    "u s a": "US",
    "united states of america": "US",
    "america": "US",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "turkey": "TR",
    "ivory coast": "CI",
    "uae": "AE",
    "emirates": "AE",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "brasil": "BR",
    "espana": "ES",
    "españa": "ES",
    "schweiz": "CH",
    "suisse": "CH",
    "österreich": "AT",
    "osterreich": "AT",
    "italia": "IT",
    "nederland": "NL",
    "méxico": "MX",
    "czech republic": "CZ",
    "czechia": "CZ",
    "vietnam": "VN",
    "viet nam": "VN",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "iran": "IR",
    "syria": "SY",
    "tanzania": "TZ",
    "moldova": "MD",
    "macedonia": "MK",
    "hong kong sar": "HK",
    "prc": "CN",
    "mainland china": "CN",
}

NORTH_AMERICA = {"US", "CA", "PM", "BM", "GL", "UM"}
LATAM = frozenset(
    (
        "MX GT BZ SV HN NI CR PA CU DO HT JM PR BS BB TT AG DM GD KN LC VC AW CW SX BQ KY TC VG VI AI "
        "MS GP MQ BL MF CO VE EC PE BO CL AR UY PY BR GY SR GF FK "
    ).split()
)
APAC = frozenset(
    (
        "CN HK MO TW JP KR KP MN IN PK BD LK NP BT MV AF SG MY ID TH VN PH KH LA MM BN TL AU NZ PG FJ "
        "SB VU NC PF WS TO KI TV NR FM MH PW GU MP AS CK NU TK WF NF CX CC HM IO KZ UZ TM KG TJ "
    ).split()
)
REGIONS = ("North America", "LATAM", "EMEA", "APAC")


def _key(text: str) -> str:
    return " ".join(str(text).lower().replace(".", " ").replace(",", " ").split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names[_key(value)] = country.alpha_2
    return names


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO alpha-2 code for a country written any common way, or None when unknown."""
    key = _key(value)
    if not key:
        return None
    if key in ALIASES:
        return ALIASES[key]
    if len(key) in (2, 3) and key.isalpha():
        found = pycountry.countries.get(alpha_2=key.upper()) or pycountry.countries.get(alpha_3=key.upper())
        if found:
            return str(found.alpha_2)
    names = _names()
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, list(names) + list(ALIASES), n=1, cutoff=0.85)
    if close:
        return ALIASES.get(close[0]) or names[close[0]]
    return None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def region_of(code: str | None) -> str | None:
    if not code:
        return None
    if code in NORTH_AMERICA:
        return "North America"
    if code in LATAM:
        return "LATAM"
    if code in APAC:
        return "APAC"
    return "EMEA"


def normalize_countries(values: pd.Series) -> tuple[pd.Series, pd.Series, list[str]]:
    """Canonical country names and regions for a column; also the values that matched no country."""
    uniques = values.dropna().astype(str).unique()
    codes = {v: country_code(v) for v in uniques}
    unknown = sorted(v for v, c in codes.items() if c is None)
    names = {v: (country_name(c) if c else v) for v, c in codes.items()}
    regions = {v: region_of(c) for v, c in codes.items()}
    return map_distinct(values, names), map_distinct(values, regions), unknown

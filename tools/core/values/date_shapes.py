"""Date-shaped text: the regexes the date parser reads with (RE2-compatible, for pyarrow) and the
shape checks that decide whether a column holds dates.
"""

from __future__ import annotations

import re

_TIME = (
    r"(?:[ T,]+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"\s*(?P<meridiem>[aApP])?\.?(?:[mM]\.?)?)?\s*"
)
_NUMERIC_DATE = rf"^(?P<a>[0-9]{{1,4}})[/.\-](?P<b>[0-9]{{1,2}})[/.\-](?P<c>[0-9]{{1,4}}){_TIME}$"
_ISO_DATE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)? ?(?:[zZ]|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
_EXCEL_SERIAL = r"[0-9]{5}(?:\.[0-9]+)?"
_MONTHS = frozenset(
    {
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
    }
)
_DATE_WORDS = _MONTHS | frozenset(
    {
        "mon",
        "monday",
        "tue",
        "tues",
        "tuesday",
        "wed",
        "wednesday",
        "thu",
        "thur",
        "thurs",
        "thursday",
        "fri",
        "friday",
        "sat",
        "saturday",
        "sun",
        "sunday",
        "st",
        "nd",
        "rd",
        "th",
        "of",
        "am",
        "pm",
        "utc",
        "gmt",
        "z",
    }
)
_WORDS_RE = "|".join(sorted(_DATE_WORDS, key=len, reverse=True))
_MONTHS_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Lower-cased text made only of date words, numbers and separators, naming a month and a year.
_LOOSE_DATE = rf"(?:{_WORDS_RE}|[0-9]+|[ ,./:+\-])+"
_MONTH_WORD = rf"(?:^|[^a-z])(?:{_MONTHS_RE})(?:[^a-z]|$)"
_FOUR_DIGITS = r"(?:^|[^0-9])[0-9]{4}(?:[^0-9]|$)"
_DATE_SHAPES = tuple(re.compile(p) for p in (_ISO_DATE, _NUMERIC_DATE))


def _looks_loose_date(text: str) -> bool:
    """A month-name date with a four-digit year and only date words: ``"Mar 25, 2021"``."""
    lowered = text.lower()
    return (
        re.fullmatch(_LOOSE_DATE, lowered) is not None
        and re.search(_MONTH_WORD, lowered) is not None
        and re.search(_FOUR_DIGITS, lowered) is not None
    )


def _looks_like_date(text: str) -> bool:
    """A strict-ish shape check used to decide whether a column holds dates."""
    return any(shape.match(text) for shape in _DATE_SHAPES) or _looks_loose_date(text)

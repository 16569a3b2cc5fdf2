"""Parse the values of messy CRM export cells: numbers, money, percentages, dates, booleans and lists.

Exports write the same number many ways (``"1,234"``, ``"1.234,56"``, ``"$1.2M"``, ``"51-200"``,
``"10,000+"``) and the same "nothing" many more (``"N/A"``, ``"--"``, ``"#N/A"``, ``"(blank)"``).
The scalar parsers here return ``None`` for anything they cannot read rather than raising; the
series parsers return NaN / NaT and work on the unique values of a column only, so a column of a
million rows costs no more than its distinct values.

Decimal commas are decided once per column (:func:`guess_decimal`, :func:`guess_dayfirst`) so a
column is read consistently: ``"1.234"`` is one thousand two hundred and thirty-four in a European
column and one point two three four in an American one.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

from .errors import OptionError

__all__ = [
    "PLACEHOLDERS",
    "DecimalMark",
    "ParsedNumber",
    "ValueKind",
    "guess_dayfirst",
    "guess_decimal",
    "infer_kind",
    "is_placeholder",
    "parse_bool",
    "parse_date_series",
    "parse_number",
    "parse_number_series",
    "parse_percent",
    "split_multi",
]

DecimalMark: TypeAlias = Literal[".", ","]
ValueKind: TypeAlias = Literal[
    "number", "money", "percent", "date", "bool", "multi", "category", "text", "id"
]

# --------------------------------------------------------------------------------------------------
# Placeholders
# --------------------------------------------------------------------------------------------------

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "-",
        "--",
        "---",
        "–",
        "—",
        "none",
        "null",
        "nil",
        "nan",
        "nat",
        "<na>",
        "unknown",
        "select",
        "please select",
        "--none--",
        "(none)",
        "(blank)",
        "(empty)",
        "#n/a",
        "#name?",
        "#value!",
        "#ref!",
        "#div/0!",
        "#null!",
        "#num!",
        "#####",
        "?",
        "??",
        "???",
        "tbd",
        "not available",
        "not applicable",
    }
)
_HASH_RUN = re.compile(r"#{3,}")


def is_placeholder(value: object) -> bool:
    """True for a cell that means "missing": None, NaN, NA, NaT, or a placeholder string."""
    if isinstance(value, str):
        text = value.strip().lower()
        return text in PLACEHOLDERS or _HASH_RUN.fullmatch(text) is not None
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _check_decimal(decimal: object) -> None:
    if decimal not in (None, ".", ","):
        raise OptionError(f'decimal must be ".", "," or None (guess), not {decimal!r}.')


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A number read from a cell.

    ``value`` is the point value: the number itself, the midpoint of a range (``"51-200"``), the
    lower bound of an open-ended value (``"10,000+"``) and the midpoint of ``0..x`` for ``"<x"``.
    """

    value: float
    low: float | None
    high: float | None
    is_range: bool
    open_ended: bool


_MULTIPLIERS: dict[str, float] = {
    **dict.fromkeys(("k", "thousand", "thousands", "tsd"), 1e3),
    **dict.fromkeys(("m", "mm", "mn", "mio", "mil", "mill", "million", "millions", "millionen"), 1e6),
    **dict.fromkeys(("b", "bn", "bil", "billion", "billions", "mrd", "milliard", "milliarden"), 1e9),
    **dict.fromkeys(("tn", "trillion", "trillions"), 1e12),
}
_SUFFIX = "|".join(sorted(map(re.escape, _MULTIPLIERS), key=len, reverse=True))
_CURRENCY_CODES = (
    "usd|eur|gbp|jpy|cny|rmb|chf|cad|aud|nzd|brl|inr|sek|nok|dkk|pln|mxn|zar|sgd|hkd|euros?|dollars?"
)
_CURRENCY = re.compile(
    rf"(?:us|au|ca|nz|hk|r|c|a|s)?\$|[€£¥₹₩₽₺₪₫฿₱]|(?<![a-z])(?:{_CURRENCY_CODES})(?![a-z])"
)
_APPROX = re.compile(r"^(?:~|≈|ca\.|approx\.?|approximately|about|around|circa|est\.)\s*")
_LOWER_PREFIX = re.compile(r"^(?:>=|=>|≥|>|more than|greater than|over|above|at least|min\.?)\s*")
_UPPER_PREFIX = re.compile(r"^(?:<=|=<|≤|<|less than|fewer than|under|below|up to|upto|max\.?)\s*")
_LOWER_SUFFIX = re.compile(r"\s*(?:\+|or more|and above|and over|and up|plus)$")
_AMOUNT = re.compile(
    r"(?P<sign>[-+])?\s*(?P<num>[0-9](?:[0-9.,' ]*[0-9])?|[.,][0-9]+)(?P<exp>e[-+]?[0-9]+)?"
    rf"\s*(?P<suffix>{_SUFFIX})?\.?"
)
_RANGE = re.compile(r"(?P<a>.+?)\s*(?:-|to|bis|until)\s*(?P<b>[-+]?[.,]?[0-9].*)")
_SPACED_GROUPS = {sep: re.compile(rf"([0-9]{{1,3}}(?:{sep}[0-9]{{3}})+)([.,][0-9]+)?") for sep in (" ", "'")}
_GROUPED = {sep: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in (".", ",")}
_ONE_GROUP = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")
_DIGITS = re.compile(r"[0-9]+")
_TRANSLATE = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2019": "'",
        "\uff05": "%",
    }
)

_Bound: TypeAlias = Literal["lower", "upper"] | None


def parse_number(text: object, *, decimal: DecimalMark | None = None) -> ParsedNumber | None:
    """Read a number, an amount of money, a range or a percentage from one cell; None if unreadable.

    ``decimal`` is the decimal mark of the column (see :func:`guess_decimal`); None guesses from
    the value alone (``"1,234"`` is thousands, ``"1,5"`` a decimal comma).
    """
    _check_decimal(decimal)
    if isinstance(text, str):
        return _parse_text(text, decimal)
    if isinstance(text, bool | np.bool_) or not isinstance(text, Real | Decimal):
        return None
    number = float(text)
    return ParsedNumber(number, number, number, False, False) if math.isfinite(number) else None


def _parse_text(text: str, decimal: DecimalMark | None) -> ParsedNumber | None:
    if is_placeholder(text):
        return None
    cleaned, percent = _normalise(text)
    negate = cleaned.startswith("(") and cleaned.endswith(")")
    if negate:
        cleaned = cleaned[1:-1].strip()
    bound, cleaned = _split_bound(cleaned)
    amounts = _amounts(cleaned, decimal)
    if amounts is None:
        return None
    if negate:
        amounts = [-a for a in reversed(amounts)]
    if percent:
        amounts = [a / 100 for a in amounts]
    return _build(amounts, bound)


def _normalise(text: str) -> tuple[str, bool]:
    lowered = text.translate(_TRANSLATE).lower()
    percent = "%" in lowered
    cleaned = _CURRENCY.sub(" ", lowered.replace("%", " "))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return _APPROX.sub("", cleaned), percent


_BOUND_MARKS: tuple[tuple[re.Pattern[str], _Bound], ...] = (
    (_LOWER_PREFIX, "lower"),
    (_LOWER_SUFFIX, "lower"),
    (_UPPER_PREFIX, "upper"),
)


def _split_bound(text: str) -> tuple[_Bound, str]:
    """``">10k"`` -> ("lower", "10k"); ``"<50"`` -> ("upper", "50"); no mark -> (None, text)."""
    for pattern, bound in _BOUND_MARKS:
        stripped = pattern.sub("", text, count=1)
        if stripped != text:
            return bound, stripped.strip()
    return None, text


def _amounts(text: str, decimal: DecimalMark | None) -> list[float] | None:
    single = _amount_parts(text, decimal)
    if single is not None:
        return [single[0] * single[1]]
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    low, high = _amount_parts(match["a"], decimal), _amount_parts(match["b"], decimal)
    if low is None or high is None:
        return None
    low_multiplier = low[1]
    if not low[2] and high[2] and low[0] < high[0]:  # "1-5M" is 1M-5M; "500-1k" stays 500-1000
        low_multiplier = high[1]
    return [low[0] * low_multiplier, high[0] * high[1]]


def _amount_parts(text: str, decimal: DecimalMark | None) -> tuple[float, float, bool] | None:
    """(number, multiplier, has_suffix) for one amount like ``"-1,2 Mio"``."""
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        return None
    canonical = _canonical_number(match["num"], decimal)
    if canonical is None:
        return None
    number = float(canonical + (match["exp"] or ""))
    if match["sign"] == "-":
        number = -number
    suffix = match["suffix"]
    return number, _MULTIPLIERS.get(suffix or "", 1.0), suffix is not None


def _canonical_number(num: str, decimal: DecimalMark | None) -> str | None:
    """``"1.234,5"`` -> ``"1234.5"``: digits with an optional ``.`` decimal mark, or None."""
    for sep, pattern in _SPACED_GROUPS.items():
        if sep in num:
            match = pattern.fullmatch(num)
            if match is None:
                return None
            num = match[1].replace(sep, "") + (match[2] or "")
    dots, commas = num.count("."), num.count(",")
    if dots and commas:
        mark = "." if num.rfind(".") > num.rfind(",") else ","
        return _ungroup(num, thousands="," if mark == "." else ".", mark=mark)
    if not dots and not commas:
        return num
    sep = "." if dots else ","
    if dots + commas > 1:
        return _ungroup(num, thousands=sep, mark=None)
    if _ONE_GROUP.fullmatch(num) and (decimal == ",") == (sep == "."):
        return num.replace(sep, "")
    return num.replace(sep, ".")


def _ungroup(num: str, *, thousands: str, mark: str | None) -> str | None:
    whole, _, fraction = num.partition(mark) if mark else (num, "", "")
    if mark and _DIGITS.fullmatch(fraction) is None:
        return None
    if _GROUPED[thousands].fullmatch(whole) is None:
        return None
    whole = whole.replace(thousands, "")
    return f"{whole}.{fraction}" if fraction else whole


def _build(amounts: list[float], bound: _Bound) -> ParsedNumber | None:
    if len(amounts) == 2:
        low, high = amounts
        middle = (low + high) / 2
        if bound is not None or low > high or not math.isfinite(middle):
            return None
        return ParsedNumber(middle, low, high, True, False)
    value = amounts[0]
    if not math.isfinite(value):
        return None
    if bound == "lower":
        return ParsedNumber(value, value, None, True, True)
    if bound == "upper":
        if value > 0:
            return ParsedNumber(value / 2, 0.0, value, True, False)
        return ParsedNumber(value, None, value, True, True)
    return ParsedNumber(value, value, value, False, False)


# --------------------------------------------------------------------------------------------------
# Column-level guesses (RE2-compatible patterns: they run vectorised on Arrow strings)
# --------------------------------------------------------------------------------------------------

_NOT_BEFORE = r"(?:^|[^0-9.,])"
_NOT_AFTER = r"(?:$|[^0-9.,])"


def _evidence(mark: str, sep: str) -> str:
    """A regex matching a number that can only be read with ``mark`` as its decimal mark."""
    m, t = re.escape(mark), re.escape(sep)
    return (
        rf"[0-9]{t}[0-9]{{3}}{m}[0-9]"  # 1.234,5
        rf"|{_NOT_BEFORE}[0-9]+{m}(?:[0-9]{{1,2}}|[0-9]{{4,}}){_NOT_AFTER}"  # 12,5  1,2345
        rf"|{_NOT_BEFORE}0{m}[0-9]+{_NOT_AFTER}"  # 0,125
        rf"|{_NOT_BEFORE}[0-9]{{1,3}}(?:{t}[0-9]{{3}}){{2,}}{_NOT_AFTER}"  # 1.234.567
    )


_EU_EVIDENCE = _evidence(",", ".")
_US_EVIDENCE = _evidence(".", ",")
_DATE_TAIL = r"[/.\-](?:[0-9]{4}|[0-9]{2})(?:[^0-9]|$)"
_DAY_FIRST_EVIDENCE = rf"^(?:1[3-9]|2[0-9]|3[01])[/.\-](?:0?[1-9]|1[0-2]){_DATE_TAIL}"
_MONTH_FIRST_EVIDENCE = rf"^(?:0?[1-9]|1[0-2])[/.\-](?:1[3-9]|2[0-9]|3[01]){_DATE_TAIL}"


def _text_series(values: Iterable[object]) -> pd.Series:
    """A string Series of the stripped strings among ``values``."""
    return pd.Series([v.strip() for v in values if isinstance(v, str)], dtype="str")


def _count(texts: pd.Series, pattern: str, weights: np.ndarray | None = None) -> int:
    """How many texts match ``pattern``; with ``weights``, each text counts its weight (row count)."""
    matches = texts.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    return int(matches.sum() if weights is None else weights[matches].sum())


def guess_decimal(values: Iterable[str]) -> DecimalMark:
    """The decimal mark of a column: ``","`` when the values read as European, else ``"."``.

    Each value votes when it is unambiguous: ``"1.234,56"``, ``"12,5"``, ``"1.234.567"`` vote for a
    comma; ``"1,234.56"``, ``"12.5"``, ``"1,234,567"`` for a dot. ``"1,234"`` does not vote.
    """
    return _decimal_from_texts(_text_series(values))


def _decimal_from_texts(texts: pd.Series, weights: np.ndarray | None = None) -> DecimalMark:
    if texts.empty:
        return "."
    return "," if _count(texts, _EU_EVIDENCE, weights) > _count(texts, _US_EVIDENCE, weights) else "."


def guess_dayfirst(values: Iterable[str]) -> bool | None:
    """True if the slash/dot dates read day-first (``"25/03/2021"``), False if month-first
    (``"03/25/2021"``), None when every date is ambiguous or there are none. Majority wins."""
    return _dayfirst_from_texts(_text_series(values))


def _dayfirst_from_texts(texts: pd.Series, weights: np.ndarray | None = None) -> bool | None:
    if texts.empty:
        return None
    day_first = _count(texts, _DAY_FIRST_EVIDENCE, weights)
    month_first = _count(texts, _MONTH_FIRST_EVIDENCE, weights)
    if day_first == month_first:
        return None
    return day_first > month_first


# --------------------------------------------------------------------------------------------------
# Number columns
# --------------------------------------------------------------------------------------------------

_FAST_NUMBER = {
    ".": r"-?(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]+)?",
    ",": r"-?(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,[0-9]+)?",
}


def parse_number_series(series: pd.Series, *, decimal: DecimalMark | None = None) -> pd.DataFrame:
    """Parse a whole column: float columns ``value``, ``low``, ``high`` and a bool column ``parsed``.

    Numeric columns are taken as they are. Text columns are parsed once per distinct value, with one
    decimal mark for the whole column (guessed when ``decimal`` is None).
    """
    _check_decimal(decimal)
    if pd.api.types.is_bool_dtype(series.dtype):
        empty = np.full(len(series), np.nan)
        return _number_frame(series.index, empty, empty, empty)
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan).copy()
        numbers[~np.isfinite(numbers)] = np.nan
        return _number_frame(series.index, numbers, numbers, numbers)
    codes, uniques = pd.factorize(series)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    value, low, high = _parse_unique_numbers(np.asarray(uniques, dtype=object), counts, decimal)
    missing = np.array([np.nan])
    return _number_frame(
        series.index,
        np.concatenate([value, missing])[codes],
        np.concatenate([low, missing])[codes],
        np.concatenate([high, missing])[codes],
    )


def _number_frame(index: pd.Index, value: np.ndarray, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": value.astype("float64"),
            "low": low.astype("float64"),
            "high": high.astype("float64"),
            "parsed": ~np.isnan(value),
        },
        index=index,
    )


def _is_text(uniques: np.ndarray) -> np.ndarray:
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        return np.ones(len(uniques), dtype=bool)
    return np.fromiter((isinstance(u, str) for u in uniques), dtype=bool, count=len(uniques))


def _parse_unique_numbers(
    uniques: np.ndarray, counts: np.ndarray, decimal: DecimalMark | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse each distinct cell once; ``counts`` (rows per cell) weigh the decimal-mark guess."""
    value, low, high = (np.full(len(uniques), np.nan) for _ in range(3))
    is_text = _is_text(uniques)
    texts = pd.Series(uniques[is_text], dtype="str").str.strip()
    mark = decimal or _decimal_from_texts(texts, counts[is_text])
    fast = texts.str.fullmatch(_FAST_NUMBER[mark], na=False).to_numpy(dtype=bool)
    fast_positions = np.flatnonzero(is_text)[fast]
    value[fast_positions] = low[fast_positions] = high[fast_positions] = _fast_floats(texts[fast], mark)
    slow = np.ones(len(uniques), dtype=bool)
    slow[fast_positions] = False
    for position in np.flatnonzero(slow):
        parsed = parse_number(uniques[position], decimal=mark)
        if parsed is not None:
            value[position] = parsed.value
            low[position] = np.nan if parsed.low is None else parsed.low
            high[position] = np.nan if parsed.high is None else parsed.high
    return value, low, high


def _fast_floats(texts: pd.Series, mark: DecimalMark) -> np.ndarray:
    thousands = "," if mark == "." else "."
    canonical = texts.str.replace(thousands, "", regex=False)
    if mark == ",":
        canonical = canonical.str.replace(",", ".", regex=False)
    numbers = canonical.to_numpy(dtype=object).astype(np.float64)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


# --------------------------------------------------------------------------------------------------
# Percentages and booleans
# --------------------------------------------------------------------------------------------------


def parse_percent(text: object) -> float | None:
    """A share as a fraction: ``"12%"`` and ``"12"`` -> 0.12, ``"0.12"`` -> 0.12, ``"-5%"`` -> -0.05.

    A bare number above 1 (in absolute value) is taken as percentage points.
    """
    parsed = parse_number(text)
    if parsed is None:
        return None
    if isinstance(text, str) and ("%" in text or "％" in text):
        return parsed.value
    return parsed.value / 100 if abs(parsed.value) > 1 else parsed.value


_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "x", "checked", "on", "✓", "✔", "☑"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "unchecked", "off", "✗", "✘", "☐"})


def parse_bool(text: object) -> bool | None:
    """Read a checkbox: true/false, yes/no, y/n, t/f, 1/0, x, checked/unchecked, on/off; else None."""
    if isinstance(text, bool | np.bool_):
        return bool(text)
    if isinstance(text, Real) and not is_placeholder(text):
        text = str(float(text))
    if not isinstance(text, str):
        return None
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    return False if lowered in _FALSE else None


# --------------------------------------------------------------------------------------------------
# Multi-valued cells
# --------------------------------------------------------------------------------------------------

_MULTI_SPLIT = re.compile(r"\s*(?:[;|,\n\r]|\s/\s|\s\+\s)\s*")
_PART_STRIP = " \t\"'“”‘’`[]{}"
_MAX_LITERAL = 10_000


def split_multi(text: object) -> list[str]:
    """Split a multi-valued cell (``"Salesforce; HubSpot"``, ``"['a', 'b']"``) into distinct parts.

    Splits on ``;`` ``|`` ``,`` newlines, `` / `` and `` + ``; strips quotes and brackets; drops
    placeholders; keeps the first spelling of case-insensitive duplicates, in order.
    """
    if isinstance(text, list | tuple):
        raw = [str(item) for item in text if not is_placeholder(item)]
    elif is_placeholder(text):
        return []
    else:
        raw = _raw_parts(str(text).strip())
    return _distinct(part.strip().strip(_PART_STRIP).strip() for part in raw)


def _raw_parts(text: str) -> list[str]:
    listed = _literal_list(text)
    if listed is not None:
        return [str(item) for item in listed if not is_placeholder(item)]
    if text[:1] in "[{" and text[-1:] in "]}":
        text = text[1:-1]
    return _MULTI_SPLIT.split(text)


def _literal_list(text: str) -> list[object] | None:
    """The items of a JSON or Python list literal of scalars, else None."""
    if not (text.startswith("[") and text.endswith("]")) or len(text) > _MAX_LITERAL:
        return None
    for loader in (json.loads, ast.literal_eval):
        try:
            items = loader(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(items, list) and all(isinstance(i, str | int | float) for i in items):
            return items
    return None


def _distinct(parts: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for part in parts:
        key = part.casefold()
        if part and key not in seen and not is_placeholder(part):
            seen.add(key)
            kept.append(part)
    return kept


# --------------------------------------------------------------------------------------------------
# Dates (vectorised over the distinct values; regexes are RE2-compatible for pyarrow)
# --------------------------------------------------------------------------------------------------

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
_EXCEL_RANGE = (20_000, 80_000)
_EXCEL_ORIGIN = "1899-12-30"
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
_MAX_GUESSED_FORMATS = 12
_NS_YEARS = (1678, 2261)
_DATE_SHAPES = tuple(re.compile(p) for p in (_ISO_DATE, _NUMERIC_DATE))

_DateStep: TypeAlias = Callable[[pd.Series, bool], np.ndarray]


def parse_date_series(series: pd.Series, *, dayfirst: bool | None = None) -> pd.Series:
    """Parse a date column to naive ``datetime64[ns]`` (UTC for zoned values), NaT where unreadable.

    Reads ISO dates and times, US and European numeric dates (``dayfirst`` guessed per column when
    None, month-first when undecidable), month names, Excel serial numbers (20000-80000) and, when
    the whole column is 10- or 13-digit integers, Unix epoch seconds or milliseconds.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        dates = _to_ns(series)
    elif pd.api.types.is_bool_dtype(series.dtype):
        dates = _nat(len(series))
    elif pd.api.types.is_numeric_dtype(series.dtype):
        dates = _dates_from_numbers(series.to_numpy(dtype="float64", na_value=np.nan))
    else:
        codes, uniques = pd.factorize(series)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        parsed = _dates_from_texts(_date_texts(np.asarray(uniques, dtype=object)), counts, dayfirst)
        dates = np.concatenate([parsed, _nat(1)])[codes]
    return pd.Series(dates, index=series.index, name=series.name, dtype="datetime64[ns]")


def _to_ns(values: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Naive datetime64[ns] values; zoned values converted to UTC; out-of-range years -> NaT."""
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert(None)
    in_range = (index.year >= _NS_YEARS[0]) & (index.year <= _NS_YEARS[1])
    return np.asarray(index.where(in_range).as_unit("ns").to_numpy(), dtype="datetime64[ns]")


def _nat(size: int) -> np.ndarray:
    return np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")


def _excel_dates(numbers: np.ndarray) -> np.ndarray:
    dates = _nat(len(numbers))
    serial = (numbers >= _EXCEL_RANGE[0]) & (numbers <= _EXCEL_RANGE[1])
    if serial.any():
        stamps = pd.to_datetime(numbers[serial], unit="D", origin=_EXCEL_ORIGIN).round("s")
        dates[serial] = _to_ns(stamps)
    return dates


def _epoch_unit(numbers: np.ndarray) -> Literal["s", "ms"] | None:
    if len(numbers) == 0 or not np.all(numbers == np.floor(numbers)):
        return None
    if np.all((numbers >= 1e9) & (numbers < 1e10)):
        return "s"
    if np.all((numbers >= 1e12) & (numbers < 1e13)):
        return "ms"
    return None


def _dates_from_numbers(numbers: np.ndarray) -> np.ndarray:
    dates = _nat(len(numbers))
    finite = np.isfinite(numbers)
    unit = _epoch_unit(numbers[finite])
    if unit is None:
        dates[finite] = _excel_dates(numbers[finite])
    else:
        dates[finite] = _to_ns(pd.to_datetime(numbers[finite].astype("int64"), unit=unit))
    return dates


def _as_date_text(item: object) -> str | None:
    if isinstance(item, bool | np.bool_) or is_placeholder(item):
        return None
    if isinstance(item, Real) and float(item).is_integer():
        return str(int(float(item)))
    return str(item)


def _date_texts(uniques: np.ndarray) -> pd.Series:
    """Distinct cells as stripped strings; NA for missing and placeholder cells."""
    if pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        uniques = np.array([_as_date_text(u) for u in uniques], dtype=object)
    texts = pd.Series(uniques, dtype="str").str.strip()
    lowered = texts.str.lower()
    placeholder = lowered.isin(PLACEHOLDERS) | lowered.str.fullmatch("#{3,}", na=False)
    return texts.mask(placeholder.to_numpy(dtype=bool))


def _dates_from_texts(texts: pd.Series, counts: np.ndarray, dayfirst: bool | None) -> np.ndarray:
    """Parse distinct texts; ``counts`` (rows per text) weigh the day-first guess."""
    dates = _nat(len(texts))
    live = texts.notna().to_numpy(dtype=bool)
    if not live.any():
        return dates
    epoch = _text_epoch(texts[live])
    if epoch is not None:
        dates[live] = epoch
        return dates
    first = bool(_dayfirst_from_texts(texts[live], counts[live])) if dayfirst is None else dayfirst
    steps: tuple[_DateStep, ...] = (_iso_step, _excel_step, _numeric_step, _loose_step)
    for step in steps:
        todo = np.flatnonzero(live & np.isnat(dates))
        if len(todo) == 0:
            break
        dates[todo] = step(texts.iloc[todo], first)
    return dates


def _text_epoch(texts: pd.Series) -> np.ndarray | None:
    for digits, unit in ((10, "s"), (13, "ms")):
        if texts.str.fullmatch(f"[0-9]{{{digits}}}", na=False).all():
            numbers = texts.to_numpy(dtype=object).astype(np.int64)
            return _to_ns(pd.to_datetime(numbers, unit=unit))
    return None


def _iso_step(texts: pd.Series, _dayfirst: bool) -> np.ndarray:
    dates = _nat(len(texts))
    normalised = texts.str.replace(r" *(?:[uU][tT][cC]|[gG][mM][tT])$", "Z", regex=True)
    iso = normalised.str.contains(_ISO_DATE, regex=True, na=False).to_numpy(dtype=bool)
    if iso.any():
        parsed = pd.to_datetime(normalised[iso], format="ISO8601", utc=True, errors="coerce")
        dates[iso] = _to_ns(parsed)
    return dates


def _excel_step(texts: pd.Series, _dayfirst: bool) -> np.ndarray:
    dates = _nat(len(texts))
    serial = texts.str.fullmatch(_EXCEL_SERIAL, na=False).to_numpy(dtype=bool)
    if serial.any():
        dates[serial] = _excel_dates(texts[serial].to_numpy(dtype=object).astype(np.float64))
    return dates


def _extract(texts: pd.Series, pattern: str) -> dict[str, pa.Array]:
    """Named regex groups of each text; null where the text does not match or the group is empty.

    Runs on pyarrow (RE2), which is far faster than ``Series.str.extract`` on big columns.
    """
    array = pa.array(texts.to_numpy(dtype=object, na_value=None), type=pa.string())
    struct = pc.extract_regex(array, pattern)
    empty = pa.scalar(None, pa.string())
    return {
        field.name: pc.if_else(pc.equal(struct.field(field.name), ""), empty, struct.field(field.name))
        for field in struct.type
    }


def _floats(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _numeric_step(texts: pd.Series, dayfirst: bool) -> np.ndarray:
    dates = _nat(len(texts))
    parts = _extract(texts, _NUMERIC_DATE)
    numbers = {name: _floats(parts[name]) for name in ("a", "b", "c", "hour", "minute", "second")}
    digits = {name: _floats(pc.utf8_length(parts[name])) for name in ("a", "c")}
    year, month, day = _year_month_day(numbers, digits, dayfirst)
    valid = ~np.isnan(year)
    if not valid.any():
        return dates
    meridiem = pc.utf8_lower(parts["meridiem"]).to_numpy(zero_copy_only=False)
    frame = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": _hour_24(numbers["hour"], meridiem),
            "minute": numbers["minute"],
            "second": numbers["second"],
        }
    )[valid]
    stamps = pd.to_datetime(frame.fillna(0).astype("int64"), errors="coerce")
    dates[valid] = _to_ns(stamps)
    return dates


def _year_month_day(
    numbers: dict[str, np.ndarray], digits: dict[str, np.ndarray], dayfirst: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of ``a/b/c`` dates; year NaN where the digit counts fit no date order."""
    a, b, c = numbers["a"], numbers["b"], numbers["c"]
    year_first = (digits["a"] == 4) & (digits["c"] <= 2)
    year_last = (digits["a"] <= 2) & ((digits["c"] == 2) | (digits["c"] == 4))
    two_digit = digits["c"] == 2
    last_year = np.where(two_digit, c + np.where(c < 69, 2000, 1900), c)
    day, month = (a, b) if dayfirst else (b, a)
    swap = (month > 12) & (day <= 12)  # unambiguous against the column's order
    day, month = np.where(swap, month, day), np.where(swap, day, month)
    year = np.where(year_first, a, np.where(year_last, last_year, np.nan))
    return year, np.where(year_first, b, month), np.where(year_first, c, day)


def _hour_24(hour: np.ndarray, meridiem: np.ndarray) -> np.ndarray:
    hour = np.where((meridiem == "p") & (hour < 12), hour + 12, hour)
    return np.where((meridiem == "a") & (hour == 12), 0, hour)


def _looks_loose_date(text: str) -> bool:
    """A month-name date with a four-digit year and only date words: ``"Mar 25, 2021"``."""
    lowered = text.lower()
    return (
        re.fullmatch(_LOOSE_DATE, lowered) is not None
        and re.search(_MONTH_WORD, lowered) is not None
        and re.search(_FOUR_DIGITS, lowered) is not None
    )


def _loose_step(texts: pd.Series, dayfirst: bool) -> np.ndarray:
    dates = _nat(len(texts))
    lowered = texts.str.lower()
    loose = (
        lowered.str.fullmatch(_LOOSE_DATE, na=False)
        & lowered.str.contains(_MONTH_WORD, regex=True, na=False)
        & lowered.str.contains(_FOUR_DIGITS, regex=True, na=False)
    ).to_numpy(dtype=bool)
    if loose.any():
        dates[loose] = _dates_by_guessed_format(texts[loose], dayfirst)
    return dates


def _dates_by_guessed_format(texts: pd.Series, dayfirst: bool) -> np.ndarray:
    """Parse with formats guessed from the values (fast, exact), then dateutil for the rest."""
    dates = _nat(len(texts))
    tried = np.zeros(len(texts), dtype=bool)
    for _ in range(_MAX_GUESSED_FORMATS):
        todo = np.flatnonzero(np.isnat(dates) & ~tried)
        if len(todo) == 0:
            break
        tried[todo[0]] = True
        found = guess_datetime_format(texts.iloc[todo[0]], dayfirst=dayfirst)
        if found is not None:
            parsed = pd.to_datetime(texts.iloc[todo], format=found, utc=True, errors="coerce")
            dates[todo] = _to_ns(parsed)
    rest = np.flatnonzero(np.isnat(dates))
    if len(rest):
        parsed = pd.to_datetime(
            texts.iloc[rest], format="mixed", dayfirst=dayfirst, utc=True, errors="coerce"
        )
        dates[rest] = _to_ns(parsed)
    return dates


def _looks_like_date(text: str) -> bool:
    """A strict-ish shape check used to decide whether a column holds dates."""
    return any(shape.match(text) for shape in _DATE_SHAPES) or _looks_loose_date(text)


# --------------------------------------------------------------------------------------------------
# Kind inference
# --------------------------------------------------------------------------------------------------

_SAMPLE_SIZE = 1000
_MIN_FOR_UNIQUENESS = 20
_MONEY_MARK = re.compile(
    rf"[$€£¥₹]|(?<![a-z])(?:{_CURRENCY_CODES})(?![a-z])"
    r"|[0-9]\s*(?:k|m|mm|mn|mio|b|bn|mrd|million|billion)(?![a-z])",
    re.IGNORECASE,
)
_MULTI_MARK = re.compile(r";|\||, ")
_CODE = re.compile(r"\S{6,}")
_CODE_MARK = re.compile(r"[0-9@]|^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)
_LEADING_ZERO = re.compile(r"0[0-9]+")


def infer_kind(values: Sequence[str]) -> ValueKind:
    """Decide what an unmapped column holds from (up to 1000 of) its non-placeholder values."""
    sample = [str(v).strip() for v in values if not is_placeholder(v)][:_SAMPLE_SIZE]
    if not sample:
        return "text"
    for kind, test in _KIND_TESTS:
        if test(sample):
            return kind
    return "category"


def _share(sample: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for v in sample if test(v)) / len(sample)


def _unique_share(sample: list[str]) -> float:
    return len(set(sample)) / len(sample)


def _looks_bool(sample: list[str]) -> bool:
    distinct = {v.lower() for v in sample}
    return len(distinct) <= 2 and all(parse_bool(v) is not None for v in distinct)


def _looks_percent(sample: list[str]) -> bool:
    return _share(sample, lambda v: v.endswith("%") and parse_number(v) is not None) >= 0.9


def _looks_number(sample: list[str]) -> bool:
    if _share(sample, lambda v: _LEADING_ZERO.fullmatch(v) is not None) >= 0.5:
        return False  # zip codes, account numbers
    mark = guess_decimal(sample)
    return _share(sample, lambda v: parse_number(v, decimal=mark) is not None) >= 0.9


def _looks_money(sample: list[str]) -> bool:
    return _looks_number(sample) and _share(sample, lambda v: _MONEY_MARK.search(v) is not None) >= 0.3


def _looks_date(sample: list[str]) -> bool:
    return _share(sample, _looks_like_date) >= 0.9


def _looks_multi(sample: list[str]) -> bool:
    if _share(sample, lambda v: _MULTI_MARK.search(v) is not None) < 0.2:
        return False
    parts = [p.casefold() for v in sample for p in split_multi(v)]
    return bool(parts) and len(set(parts)) < 0.5 * len(parts)


def _looks_id(sample: list[str]) -> bool:
    if len(sample) < _MIN_FOR_UNIQUENESS or _unique_share(sample) < 0.95:
        return False
    return (
        _share(sample, lambda v: _CODE.fullmatch(v) is not None and _CODE_MARK.search(v) is not None) >= 0.95
    )


def _looks_text(sample: list[str]) -> bool:
    if sum(len(v) for v in sample) / len(sample) > 40:
        return True
    if len(sample) < _MIN_FOR_UNIQUENESS:
        return False
    return _unique_share(sample) >= 0.9 and _share(sample, lambda v: " " in v) >= 0.5


_KIND_TESTS: tuple[tuple[ValueKind, Callable[[list[str]], bool]], ...] = (
    ("bool", _looks_bool),
    ("percent", _looks_percent),
    ("money", _looks_money),
    ("number", _looks_number),
    ("date", _looks_date),
    ("multi", _looks_multi),
    ("id", _looks_id),
    ("text", _looks_text),
)

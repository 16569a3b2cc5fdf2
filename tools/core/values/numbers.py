"""Read one cell as a number, an amount of money, a range or a percentage.

Exports write the same number many ways (``"1,234"``, ``"1.234,56"``, ``"$1.2M"``, ``"51-200"``,
``"10,000+"``); :func:`parse_number` reads them all into a :class:`ParsedNumber`, or None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from typing import Literal, TypeAlias

import numpy as np

from icp_assistant.tools.core.errors import OptionError

from .cells import is_placeholder

DecimalMark: TypeAlias = Literal[".", ","]


def _check_decimal(decimal: object) -> None:
    if decimal not in (None, ".", ","):
        raise OptionError(f'decimal must be ".", "," or None (guess), not {decimal!r}.')


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
_CURRENCY_CODES = "usd|eur|gbp|jpy|cny|rmb|chf|cad|aud|nzd|brl|inr|sek|nok|dkk|pln|mxn|zar|sgd|hkd|euros?|dollars?"
_CURRENCY = re.compile(rf"(?:us|au|ca|nz|hk|r|c|a|s)?\$|[€£¥₹₩₽₺₪₫฿₱]|(?<![a-z])(?:{_CURRENCY_CODES})(?![a-z])")
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

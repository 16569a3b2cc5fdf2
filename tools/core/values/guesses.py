"""Column-level guesses: the decimal mark and the day/month order of a whole column.

Each unambiguous value votes; the patterns are RE2-compatible so they run vectorised on Arrow strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .matching import contains
from .numbers import DecimalMark

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
    matches = contains(texts, pattern)
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

"""Parse a whole number column, once per distinct value, with one decimal mark for the column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .guesses import _decimal_from_texts
from .matching import fullmatch
from .numbers import DecimalMark, _check_decimal, parse_number

_FAST_NUMBER = {
    ".": r"-?(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]+)?",
    ",": r"-?(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,[0-9]+)?",
}


def parse_number_series(series: pd.Series, *, decimal: DecimalMark | None = None) -> pd.DataFrame:
    """Parse a whole column: float columns ``value``, ``low``, ``high`` and a bool column ``parsed``.

    Numeric columns are taken as they are. Text columns are parsed once per distinct value, with one
    decimal mark for the whole column (guessed when ``decimal`` is None); the mark used is in
    ``attrs["decimal"]`` (None for a numeric column), so more rows of the same column can be read alike.
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
    distinct = parse_distinct_numbers(np.asarray(uniques, dtype=object), counts, decimal=decimal)
    missing = np.array([np.nan])
    frame = _number_frame(
        series.index,
        *(np.concatenate([distinct[column].to_numpy(), missing])[codes] for column in ("value", "low", "high")),
    )
    frame.attrs["decimal"] = distinct.attrs["decimal"]
    return frame


def parse_distinct_numbers(
    uniques: np.ndarray, counts: np.ndarray, *, decimal: DecimalMark | None = None
) -> pd.DataFrame:
    """:func:`parse_number_series` on the distinct cells of a text column (``counts``: rows per cell, which weigh
    the decimal-mark guess): one row per cell, the mark used in ``attrs["decimal"]``."""
    _check_decimal(decimal)
    value, low, high, mark = _parse_unique_numbers(uniques, counts, decimal)
    frame = _number_frame(pd.RangeIndex(len(uniques)), value, low, high)
    frame.attrs["decimal"] = mark
    return frame


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, DecimalMark]:
    """Parse each distinct cell once; ``counts`` (rows per cell) weigh the decimal-mark guess."""
    value, low, high = (np.full(len(uniques), np.nan) for _ in range(3))
    is_text = _is_text(uniques)
    texts = pd.Series(uniques[is_text], dtype="str").str.strip()
    mark = decimal or _decimal_from_texts(texts, counts[is_text])
    fast = fullmatch(texts, _FAST_NUMBER[mark])
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
    return value, low, high, mark


def _fast_floats(texts: pd.Series, mark: DecimalMark) -> np.ndarray:
    thousands = "," if mark == "." else "."
    canonical = texts.str.replace(thousands, "", regex=False)
    if mark == ",":
        canonical = canonical.str.replace(",", ".", regex=False)
    numbers = canonical.to_numpy(dtype=object).astype(np.float64)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers

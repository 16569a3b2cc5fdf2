"""Parse a date column, vectorised over its distinct values.

Reads ISO dates and times, US and European numeric dates, month names, Excel serial numbers and
Unix epochs; each step parses only what the steps before it left unread.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

from .cells import PLACEHOLDERS, is_placeholder
from .date_shapes import _EXCEL_SERIAL, _FOUR_DIGITS, _ISO_DATE, _LOOSE_DATE, _MONTH_WORD, _NUMERIC_DATE
from .guesses import _dayfirst_from_texts

_EXCEL_RANGE = (20_000, 80_000)
_EXCEL_ORIGIN = "1899-12-30"
_MAX_GUESSED_FORMATS = 12
_NS_YEARS = (1678, 2261)

_DateStep: TypeAlias = Callable[[pd.Series, bool], np.ndarray]


def parse_date_series(series: pd.Series, *, dayfirst: bool | None = None) -> pd.Series:
    """Parse a date column to naive ``datetime64[ns]`` (UTC for zoned values), NaT where unreadable.

    Reads ISO dates and times, US and European numeric dates (``dayfirst`` guessed per column when
    None, month-first when undecidable), month names, Excel serial numbers (20000-80000) and, when
    the whole column is 10- or 13-digit integers, Unix epoch seconds or milliseconds. The day order
    used for numeric dates is in ``attrs["dayfirst"]`` (None when no text was read as such).
    """
    first: bool | None = None
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        dates = _to_ns(series)
    elif pd.api.types.is_bool_dtype(series.dtype):
        dates = _nat(len(series))
    elif pd.api.types.is_numeric_dtype(series.dtype):
        dates = _dates_from_numbers(series.to_numpy(dtype="float64", na_value=np.nan))
    else:
        codes, uniques = pd.factorize(series)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        distinct = parse_distinct_dates(np.asarray(uniques, dtype=object), counts, dayfirst=dayfirst)
        dates, first = np.concatenate([distinct.to_numpy(), _nat(1)])[codes], distinct.attrs["dayfirst"]
    out = pd.Series(dates, index=series.index, name=series.name, dtype="datetime64[ns]")
    out.attrs["dayfirst"] = first
    return out


def parse_distinct_dates(uniques: np.ndarray, counts: np.ndarray, *, dayfirst: bool | None = None) -> pd.Series:
    """:func:`parse_date_series` on the distinct cells of a text column (``counts``: rows per cell, which weigh the
    day-order guess): one date per cell, the day order used in ``attrs["dayfirst"]``."""
    parsed, first = _dates_from_texts(_date_texts(uniques), counts, dayfirst)
    out = pd.Series(parsed, dtype="datetime64[ns]")
    out.attrs["dayfirst"] = first
    return out


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


def _dates_from_texts(texts: pd.Series, counts: np.ndarray, dayfirst: bool | None) -> tuple[np.ndarray, bool | None]:
    """Parse distinct texts; ``counts`` (rows per text) weigh the day-first guess. Returns the dates and the day
    order used (None when the texts were epoch numbers or empty)."""
    dates = _nat(len(texts))
    live = texts.notna().to_numpy(dtype=bool)
    if not live.any():
        return dates, dayfirst
    epoch = _text_epoch(texts[live])
    if epoch is not None:
        dates[live] = epoch
        return dates, dayfirst
    first = bool(_dayfirst_from_texts(texts[live], counts[live])) if dayfirst is None else dayfirst
    steps: tuple[_DateStep, ...] = (_iso_step, _excel_step, _numeric_step, _loose_step)
    for step in steps:
        todo = np.flatnonzero(live & np.isnat(dates))
        if len(todo) == 0:
            break
        dates[todo] = step(texts.iloc[todo], first)
    return dates, first


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
        parsed = pd.to_datetime(texts.iloc[rest], format="mixed", dayfirst=dayfirst, utc=True, errors="coerce")
        dates[rest] = _to_ns(parsed)
    return dates

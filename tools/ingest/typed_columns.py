"""Columns the file typed (numbers, flags, dates), parsed by kind: numbers and money with ranges, percents, years,
dates and flags, each unreadable cell counted with examples; a number column that is 0 in most rows is a *sentinel
zero* column (0 means "not filled in") and its zeros become missing where that reading makes sense."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from icp_assistant.tools.core import values as V
from icp_assistant.tools.core.fields import Kind

from .clean_report import CleanRules, ColumnReport

# Firmographic number fields where a majority of zeros means "not filled in".
SENTINEL_FIELDS = {
    "annual_revenue",
    "employee_count",
    "total_funding",
    "founded_year",
    "web_visits",
    "job_openings",
}
SENTINEL_SHARE = 0.5


def _note_unparsed(report: ColumnReport, original: pd.Series, parsed_ok: pd.Series) -> None:
    bad = original.notna() & ~parsed_ok
    report.unparsed = int(bad.sum())
    if report.unparsed:
        report.unparsed_examples = [str(v)[:40] for v in original[bad].astype(str).unique()[:3]]


def _numbers(name: str, series: pd.Series, report: ColumnReport, rules: CleanRules | None) -> dict[str, pd.Series]:
    known = rules.decimal.get(name) if rules else None
    parsed = V.parse_number_series(series, decimal=known)  # type: ignore[arg-type]
    report.decimal = parsed.attrs.get("decimal")
    _note_unparsed(report, series, parsed["parsed"])
    return number_columns(name, parsed, report)


def number_columns(name: str, parsed: pd.DataFrame, report: ColumnReport) -> dict[str, pd.Series]:
    """The value column (and low / high for ranges) of parsed numbers, in the unit of the header."""
    value = parsed["value"] * report.unit_scale
    out = {name: value}
    is_range = parsed["low"].notna() & parsed["high"].notna() & (parsed["low"] != parsed["high"])
    open_ended = parsed["value"].notna() & parsed["high"].isna() & parsed["low"].notna()
    report.ranges = int((is_range | open_ended).sum())
    if report.ranges:
        out[f"{name}_low"] = parsed["low"] * report.unit_scale
        out[f"{name}_high"] = parsed["high"] * report.unit_scale
    return out


def treat_sentinel_zeros(name: str, columns: dict[str, pd.Series], report: ColumnReport, known: bool | None) -> None:
    """A column mostly 0 is noted; a firmographic one's zeros become missing. ``known``: the decision already made
    for this column (on the first rows of the file), applied as it is."""
    value = columns[name]
    present = value.notna()
    if known is None and present.sum() < 10:
        return
    zeros = value.eq(0) & present
    share = float(zeros.sum() / max(int(present.sum()), 1))
    if share <= SENTINEL_SHARE and not known:
        return
    report.sentinel_zeros = int(zeros.sum())
    report.sentinel_zero_share = round(share, 3)
    treat = name in SENTINEL_FIELDS if known is None else known
    if treat:  # a firmographic 0 means "not filled in"; elsewhere 0 is a value (flags, counts)
        report.sentinel_treated_as_missing = True
        for key in list(columns):
            columns[key] = columns[key].mask(zeros)


def _percent(series: pd.Series, report: ColumnReport, known: float | None) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        numbers = series.astype("float64")
        report.percent_divisor = known if known is not None else (100.0 if numbers.abs().max() > 1 else 1.0)
        return numbers / report.percent_divisor if report.percent_divisor != 1 else numbers
    uniques = series.dropna().unique()
    lookup = {u: V.parse_percent(u) for u in uniques}
    out = series.map(lookup).astype("float64")
    _note_unparsed(report, series, out.notna())
    return out


def _year(series: pd.Series, report: ColumnReport, rules: CleanRules | None) -> pd.Series:
    parsed = V.parse_number_series(series, decimal=rules.decimal.get(report.column) if rules else None)  # type: ignore[arg-type]
    report.decimal = parsed.attrs.get("decimal")
    numbers = parsed["value"]
    needs_date = series.notna() & numbers.isna()
    if needs_date.any():
        dates = V.parse_date_series(series[needs_date], dayfirst=rules.dayfirst.get(report.column) if rules else None)
        report.dayfirst = dates.attrs.get("dayfirst")
        numbers = numbers.copy()
        numbers[needs_date] = dates.dt.year.astype("float64")
    _note_unparsed(report, series, numbers.notna())
    latest = dt.date.today().year + 1
    bad = numbers.notna() & ((numbers < 1600) | (numbers > latest))
    report.out_of_range = int(bad.sum())
    return numbers.mask(bad).round()


def _date(series: pd.Series, report: ColumnReport, rules: CleanRules | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
    out = V.parse_date_series(series, dayfirst=rules.dayfirst.get(report.column) if rules else None)
    report.dayfirst = out.attrs.get("dayfirst")
    _note_unparsed(report, series, out.notna())
    return out


def _bool(series: pd.Series, report: ColumnReport) -> pd.Series:
    uniques = series.dropna().unique()
    lookup = {u: V.parse_bool(u) for u in uniques}
    out = series.map(lookup).astype("boolean")
    _note_unparsed(report, series, out.notna())
    return out


def clean_typed(
    name: str, series: pd.Series, kind: Kind, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    """A column the file typed (numbers, dates), parsed by kind."""
    if kind in ("number", "money"):
        columns = _numbers(name, series, report, rules)
        treat_sentinel_zeros(name, columns, report, rules.sentinel.get(name) if rules else None)
        return columns
    if kind == "percent":
        return {name: _percent(series, report, rules.percent_divisor.get(name) if rules else None)}
    if kind == "year":
        return {name: _year(series, report, rules)}
    if kind == "date":
        return {name: _date(series, report, rules)}
    if kind == "bool":
        return {name: _bool(series, report)}
    return {name: series}

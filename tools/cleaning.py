"""Turn raw export columns into typed, canonical columns, and account for every cell changed.

For each column the kind decides the parser (numbers and money with ranges and suffixes, percents,
years, dates, booleans, multi-valued cells, categories). Placeholders ("N/A", "Select", "#N/A"...)
become missing and are counted; values that do not parse are counted with examples; a number
column that is 0 in most rows is a *sentinel zero* column (0 means "not filled in") and its zeros
become missing where that reading makes sense.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import values as V
from .fields import FIELD_BY_NAME, Kind
from .mapping import HeaderMapping

MULTI_SEPARATOR = "; "
SAMPLE = 2000
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


@dataclass
class ColumnReport:
    """What cleaning did to one column."""

    column: str  # output column name (canonical field or original header)
    source: str  # header in the file
    kind: str
    placeholders: int = 0
    unparsed: int = 0
    unparsed_examples: list[str] = field(default_factory=list)
    sentinel_zeros: int = 0
    sentinel_zero_share: float = 0.0
    sentinel_treated_as_missing: bool = False
    ranges: int = 0
    unit_scale: float = 1.0
    recoded: int = 0  # category spellings unified ("fintech" -> "Fintech")
    out_of_range: int = 0


@dataclass
class CleanTable:
    frame: pd.DataFrame
    reports: dict[str, ColumnReport]
    kinds: dict[str, str]  # output column -> kind


def _as_text(series: pd.Series) -> pd.Series:
    """Strings, stripped, with missing kept missing."""
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype("str").str.strip()
        return text.where(series.notna())
    return series.astype("str").where(series.notna())


def _placeholder_mask(text: pd.Series) -> pd.Series:
    """True where a present cell holds a placeholder such as 'N/A' or '#####'."""
    present = text.dropna()
    if present.empty:
        return pd.Series(False, index=text.index)
    uniques = present.unique()
    flagged = {u for u in uniques if V.is_placeholder(u)}
    if not flagged:
        return pd.Series(False, index=text.index)
    return text.isin(flagged)


def _drop_placeholders(series: pd.Series, report: ColumnReport) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series
    text = _as_text(series)
    mask = _placeholder_mask(text)
    report.placeholders = int(mask.sum())
    return text.mask(mask)


def _note_unparsed(report: ColumnReport, original: pd.Series, parsed_ok: pd.Series) -> None:
    bad = original.notna() & ~parsed_ok
    report.unparsed = int(bad.sum())
    if report.unparsed:
        report.unparsed_examples = [str(v)[:40] for v in original[bad].astype(str).unique()[:3]]


def _numbers(name: str, series: pd.Series, report: ColumnReport) -> dict[str, pd.Series]:
    parsed = V.parse_number_series(series)
    _note_unparsed(report, series, parsed["parsed"])
    value = parsed["value"] * report.unit_scale
    out = {name: value}
    is_range = parsed["low"].notna() & parsed["high"].notna() & (parsed["low"] != parsed["high"])
    open_ended = parsed["value"].notna() & parsed["high"].isna() & parsed["low"].notna()
    report.ranges = int((is_range | open_ended).sum())
    if report.ranges:
        out[f"{name}_low"] = parsed["low"] * report.unit_scale
        out[f"{name}_high"] = parsed["high"] * report.unit_scale
    return out


def _treat_sentinel_zeros(name: str, columns: dict[str, pd.Series], report: ColumnReport, mapped: bool) -> None:
    value = columns[name]
    present = value.notna()
    if present.sum() < 10:
        return
    zeros = value.eq(0) & present
    share = float(zeros.sum() / present.sum())
    if share <= SENTINEL_SHARE:
        return
    report.sentinel_zeros = int(zeros.sum())
    report.sentinel_zero_share = round(share, 3)
    if name in SENTINEL_FIELDS or not mapped:
        report.sentinel_treated_as_missing = True
        for key in list(columns):
            columns[key] = columns[key].mask(zeros)


def _percent(series: pd.Series, report: ColumnReport) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        numbers = series.astype("float64")
        return numbers / 100 if numbers.abs().max() > 1 else numbers
    uniques = series.dropna().unique()
    lookup = {u: V.parse_percent(u) for u in uniques}
    out = series.map(lookup).astype("float64")
    _note_unparsed(report, series, out.notna())
    return out


def _year(series: pd.Series, report: ColumnReport) -> pd.Series:
    numbers = V.parse_number_series(series)["value"]
    needs_date = series.notna() & numbers.isna()
    if needs_date.any():
        dates = V.parse_date_series(series[needs_date])
        numbers = numbers.copy()
        numbers[needs_date] = dates.dt.year.astype("float64")
    _note_unparsed(report, series, numbers.notna())
    latest = dt.date.today().year + 1
    bad = numbers.notna() & ((numbers < 1600) | (numbers > latest))
    report.out_of_range = int(bad.sum())
    return numbers.mask(bad).round()


def _date(series: pd.Series, report: ColumnReport) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
    out = V.parse_date_series(series)
    _note_unparsed(report, series, out.notna())
    return out


def _bool(series: pd.Series, report: ColumnReport) -> pd.Series:
    uniques = series.dropna().unique()
    lookup = {u: V.parse_bool(u) for u in uniques}
    out = series.map(lookup).astype("boolean")
    _note_unparsed(report, series, out.notna())
    return out


def _multi(series: pd.Series) -> pd.Series:
    uniques = series.dropna().unique()
    lookup = {u: MULTI_SEPARATOR.join(p.replace(";", ",") for p in V.split_multi(u)) or None for u in uniques}
    return series.map(lookup).astype("object")


def _category(series: pd.Series, report: ColumnReport) -> pd.Series:
    """Collapse inner whitespace and unify spellings that differ only by case (most common wins)."""
    text = series.str.replace(r"\s+", " ", regex=True)
    counts = text.value_counts()
    if counts.empty:
        return text
    keys = pd.Series(counts.index.str.lower(), index=counts.index)
    canonical = counts.groupby(keys.to_numpy()).idxmax() if keys.duplicated().any() else None
    if canonical is None:
        return text
    spelling = {v: canonical[v.lower()] for v in counts.index if canonical[v.lower()] != v}
    report.recoded = int(text.isin(list(spelling)).sum())
    return text.replace(spelling)


def infer_column_kind(series: pd.Series) -> Kind:
    """Kind of an unmapped column, from its dtype or a sample of its values."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    sample = [str(v) for v in series.dropna().unique()[:SAMPLE] if not V.is_placeholder(v)]
    if not sample:
        return "category"
    inferred = V.infer_kind(sample)
    return "category" if inferred == "multi" and len(sample) < 3 else inferred


def clean_column(name: str, series: pd.Series, kind: Kind, report: ColumnReport, mapped: bool) -> dict[str, pd.Series]:
    """Parse one column by kind; may return extra columns (range low/high)."""
    series = _drop_placeholders(series, report)
    if kind in ("number", "money"):
        columns = _numbers(name, series, report)
        _treat_sentinel_zeros(name, columns, report, mapped)
        return columns
    if kind == "percent":
        return {name: _percent(series, report)}
    if kind == "year":
        return {name: _year(series, report)}
    if kind == "date":
        return {name: _date(series, report)}
    if kind == "bool":
        return {name: _bool(series, report)}
    if kind == "multi":
        return {name: _multi(series)}
    if kind == "category":
        return {name: _category(series, report)}
    return {name: series}


def clean_table(raw: pd.DataFrame, mapping: HeaderMapping, reserved: set[str] | None = None) -> CleanTable:
    """Clean every column of ``raw``: mapped columns under their canonical name, the rest as they are."""
    out: dict[str, pd.Series] = {}
    reports: dict[str, ColumnReport] = {}
    kinds: dict[str, str] = {}
    for field_name, match in mapping.matches.items():
        spec = FIELD_BY_NAME[field_name]
        report = ColumnReport(field_name, match.column, spec.kind, unit_scale=match.unit_scale)
        produced = clean_column(field_name, raw[match.column], spec.kind, report, mapped=True)
        out.update(produced)
        reports[field_name] = report
        kinds.update(dict.fromkeys(produced, spec.kind))
    taken = set(out) | (reserved or set())
    for column in mapping.unmapped:
        name = column if column not in taken else f"{column}_source"
        kind = infer_column_kind(raw[column])
        report = ColumnReport(name, column, kind)
        produced = clean_column(name, raw[column], kind, report, mapped=False)
        out.update(produced)
        reports[name] = report
        kinds.update(dict.fromkeys(produced, kind))
    frame = pd.DataFrame(out, index=raw.index)
    return CleanTable(frame, reports, kinds)


def numeric_or_nan(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)

"""Turn raw export columns into typed, canonical columns, and account for every cell changed.

For each column the kind decides the parser (numbers and money with ranges and suffixes, percents,
years, dates, booleans, multi-valued cells, categories). Placeholders ("N/A", "Select", "#N/A"...)
become missing and are counted; values that do not parse are counted with examples; a number
column that is 0 in most rows is a *sentinel zero* column (0 means "not filled in") and its zeros
become missing where that reading makes sense.

This module decides how each column is read; the reading itself is in :mod:`.typed_columns` (columns the file
typed) and :mod:`.distinct_text` (text read once per distinct cell), and what it did is recorded in
:mod:`.clean_report`.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from icp_assistant.tools.core import values as V
from icp_assistant.tools.core.fields import FIELD_BY_NAME, Kind, Kinds

from .clean_report import CleanRules, CleanTable, ColumnReport
from .distinct_text import clean_category, clean_multi, clean_text, factorize_text, placeholders
from .mapping import HeaderMapping
from .typed_columns import clean_typed

__all__ = ["CleanRules", "CleanTable", "ColumnReport", "clean_column", "clean_table", "infer_column_kind"]

SAMPLE = 2000
WORKERS = 2  # columns cleaned at once
PARALLEL_ROWS = 20_000  # below this, a column's cleaning is mostly Python holding the GIL: one thread is faster


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


_TEXT_PARSED = ("number", "money", "percent", "year", "date", "bool")  # kinds a text column is parsed as


def _typed(series: pd.Series) -> bool:
    """A column the file typed (numbers, flags, dates): parsed as it is, not as text."""
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)


def _factorized(series: pd.Series, kind: Kind) -> bool:
    """Whether :func:`clean_column` reads the column once per distinct cell (Arrow ids and free text it reads row by
    row, typed columns as they are)."""
    if kind in ("multi", "category"):
        return True
    return not _typed(series) and (kind in _TEXT_PARSED or series.dtype != "str")


def clean_column(
    name: str,
    series: pd.Series,
    kind: Kind,
    report: ColumnReport,
    rules: CleanRules | None = None,
    keep: np.ndarray | None = None,
) -> dict[str, pd.Series]:
    """Parse one column by kind; may return extra columns (range low/high). ``rules``: the decisions made on the
    first rows of the same file (decimal mark, day order, sentinel zeros, percent scale), applied unchanged.
    ``keep``: the rows to clean (True per row, e.g. all but exact repeats of an earlier row; None: every row),
    which come out numbered from 0. A column read per distinct cell is factorized whole and only the kept rows'
    codes are kept, so its text is never copied; any other column is cut to the kept rows first."""
    if keep is not None and not _factorized(series, kind):
        series, keep = series[keep].reset_index(drop=True), None
    if kind == "multi":
        return {name: clean_multi(series, report, keep)}
    if kind == "category":
        return {name: clean_category(series, report, rules.spellings.get(name, {}) if rules else None, keep)}
    if _typed(series):
        return clean_typed(name, series, kind, report, rules)
    if kind not in _TEXT_PARSED:
        return {name: _plain_text(series, report, keep)}
    # text: stripped, placeholders counted, then read once per distinct cell
    texts = factorize_text(series, report, keep)
    return clean_text(name, texts.merged(), texts.index, kind, report, rules)


def _plain_text(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> pd.Series:
    """Ids and free text: trimmed, placeholders missing. Their cells are mostly distinct, so Arrow strings are
    cleaned row by row (factorizing them would cost more than it saves)."""
    if series.dtype != "str":
        texts = factorize_text(series, report, keep)
        return texts.rebuild(texts.values)
    values = series.str.strip()
    placeholder = placeholders(values)
    report.placeholders = int(placeholder.sum())
    return values.mask(placeholder)


def clean_table(
    raw: pd.DataFrame,
    mapping: HeaderMapping,
    reserved: set[str] | None = None,
    rules: CleanRules | None = None,
    keep: np.ndarray | None = None,
    workers: int = WORKERS,
) -> CleanTable:
    """Clean every column of ``raw``: mapped columns under their canonical name, the rest as they are. With
    ``rules`` (:attr:`CleanTable.rules` of the file's first rows) every column is read as those rows were.
    ``keep``: the rows to clean, as :func:`clean_column` takes it; None: every row. A dropped row must repeat a kept
    row before it in every cell (see ``quality.first_copies``): a column's kind is guessed on all rows, which then
    sees the same distinct values in the same order as the kept rows alone.

    ``workers`` columns are cleaned at a time: most of the work is in Arrow and numpy, which let go of the GIL (a
    million accounts: 2.2-3.0 s one at a time, 1.3-1.9 s two at a time). A table of fewer than ``PARALLEL_ROWS``
    rows is cleaned on the caller's thread: there the work is pandas' Python, and two threads only take turns (a
    prospect's 65 fields: 0.47 s per prospect on one thread, 0.74 s on two)."""

    out: dict[str, pd.Series] = {}
    reports: dict[str, ColumnReport] = {}
    kinds: Kinds = {}

    def clean(column: tuple[Kind, ColumnReport]) -> dict[str, pd.Series]:
        kind, report = column
        return clean_column(report.column, raw[report.source], kind, report, rules, keep)

    def take(columns: list[tuple[Kind, ColumnReport]], pool: ThreadPoolExecutor | None) -> None:
        """Clean ``columns`` (each: its kind, its report) on ``pool`` (None: here); their outputs in the order
        given."""
        cleaned = pool.map(clean, columns) if pool is not None else map(clean, columns)
        for (kind, report), produced in zip(columns, cleaned, strict=True):
            out.update(produced)
            reports[report.column] = report
            kinds.update(dict.fromkeys(produced, kind))

    parallel = workers > 1 and len(raw) >= PARALLEL_ROWS
    with ThreadPoolExecutor(workers) if parallel else contextlib.nullcontext() as pool:
        mapped = []
        for field_name, match in mapping.matches.items():
            kind = FIELD_BY_NAME[field_name].kind
            mapped.append((kind, ColumnReport(field_name, match.column, kind, unit_scale=match.unit_scale)))
        take(mapped, pool)
        taken = set(out) | (reserved or set())  # an unmapped column keeps its header unless a field took it
        unmapped = []
        for column in mapping.unmapped:
            name = column if column not in taken else f"{column}_source"
            kind = rules.kinds[column] if rules and column in rules.kinds else infer_column_kind(raw[column])
            unmapped.append((kind, ColumnReport(name, column, kind, mapped=False)))
        take(unmapped, pool)
    frame = pd.DataFrame(out, index=raw.index if keep is None else pd.RangeIndex(int(np.count_nonzero(keep))))
    return CleanTable(frame, reports, kinds)

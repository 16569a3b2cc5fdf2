"""Text columns read once per distinct cell: a column is factorized, its distinct cells trimmed, placeholders
("N/A", "Select", "#N/A"...) made missing and counted, each distinct cell parsed by kind (numbers, money, percents,
years, dates, flags, multi-valued cells, categories) and the result mapped back to the rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icp_assistant.tools.core import values as V
from icp_assistant.tools.core.fields import Kind
from icp_assistant.tools.core.values.matching import fullmatch

from .clean_report import CleanRules, ColumnReport
from .typed_columns import number_columns, treat_sentinel_zeros

MULTI_SEPARATOR = "; "

# Python's \s (the characters str.isspace accepts) spelt out: pandas runs a pattern with \s in Python's re, one
# cell at a time, because RE2's \s misses some of them; with the class it runs in Arrow, the same matches.
SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_SPACES = SPACE + "+"
_FAST_MULTI = f"{SPACE}*(?:[;|,\n\r]|{SPACE}/{SPACE}|{SPACE}\\+{SPACE}){SPACE}*"


@dataclass
class Uniques:
    """A text column factorized: the work is done once per distinct value, then mapped back."""

    codes: np.ndarray  # position of each row's value in ``values``; -1 for missing
    values: pd.Series  # distinct values (pyarrow strings), stripped, placeholders already missing
    counts: np.ndarray  # rows per distinct value
    index: pd.Index  # the rows' labels
    unique: bool = False  # no two ``values`` are the same text (Arrow strings that needed no trimming)

    def rebuild(self, values: pd.Series) -> pd.Series:
        """Each row's cleaned value (a vectorised take; -1 codes become missing)."""
        if len(values) == 0:
            return pd.Series(None, index=self.index, dtype="str")
        return pd.Series(values.astype("str").array.take(self.codes, allow_fill=True), index=self.index)

    def merged(self) -> Uniques:
        """The column factorized by its cleaned values, as the rebuilt column would factorize: cells that clean to
        the same text are one value (rows added up), in order of first appearance; placeholders dropped."""
        if self.unique:
            kept = self.values.notna().to_numpy(dtype=bool)
            renumber = np.where(kept, np.cumsum(kept) - 1, -1)
            values, counts = self.values[kept].reset_index(drop=True), self.counts[kept]
        else:
            renumber, distinct = pd.factorize(self.values)
            present = renumber >= 0
            values = pd.Series(distinct, dtype="str")
            weights = np.bincount(renumber[present], weights=self.counts[present], minlength=len(distinct))
            counts = weights.astype(np.int64)
        return Uniques(np.append(renumber, -1)[self.codes], values, counts, self.index, unique=True)

    def expand(self, values: np.ndarray, missing: object) -> np.ndarray:
        """A value per row from a value per distinct cell (``missing`` for missing rows)."""
        return np.append(values, np.array([missing], dtype=values.dtype))[self.codes]

    def cells(self) -> np.ndarray:
        """The distinct values as Python strings, as the value parsers take them."""
        return np.asarray(self.values.array, dtype=object)


def factorize_text(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> Uniques:
    """A text column's distinct cells, trimmed, with placeholders counted and made missing. ``keep``: the rows to
    clean (see :func:`.cleaning.clean_column`); every row is factorized and only the kept rows' codes are kept (each
    dropped row repeats a kept one, so the distinct values and their order are the same)."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    index = series.index
    if keep is not None:
        codes, index = codes[keep], pd.RangeIndex(len(codes) - int(np.count_nonzero(~keep)))
    arrow = series.dtype == "str"  # distinct Arrow strings are distinct texts; other cells are written as text
    cells = pd.Series(distinct if arrow else np.asarray(distinct, dtype=object), dtype="str")
    values = cells.str.strip()
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    placeholder = placeholders(values)
    report.placeholders = int(counts[placeholder].sum())
    unique = arrow and bool(values.eq(cells).all())
    return Uniques(codes, values.mask(placeholder), counts, index, unique)


def placeholders(values: pd.Series) -> np.ndarray:
    """Which (trimmed) texts are placeholders: "N/A", "-", "#####"..."""
    lowered = values.str.lower()
    return lowered.isin(V.PLACEHOLDERS).to_numpy(bool) | fullmatch(lowered, "#{3,}")


def _note_unread(report: ColumnReport, texts: Uniques, read: np.ndarray) -> None:
    """:func:`_note_unparsed` on the distinct cells of a merged text column."""
    report.unparsed = int(texts.counts[~read].sum())
    if report.unparsed:
        report.unparsed_examples = [str(v)[:40] for v in texts.values[~read].unique()[:3]]


def _text_numbers(
    name: str, texts: Uniques, index: pd.Index, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    known = rules.decimal.get(name) if rules else None
    distinct = V.parse_distinct_numbers(texts.cells(), texts.counts, decimal=known)  # type: ignore[arg-type]
    report.decimal = distinct.attrs.get("decimal")
    _note_unread(report, texts, distinct["parsed"].to_numpy())
    columns = {c: texts.expand(distinct[c].to_numpy(), np.nan) for c in ("value", "low", "high")}
    return number_columns(name, pd.DataFrame(columns, index=index), report)


def _text_year(texts: Uniques, index: pd.Index, report: ColumnReport, rules: CleanRules | None) -> pd.Series:
    """:func:`_year` once per distinct cell: a number, else the year of a date."""
    mark = rules.decimal.get(report.column) if rules else None
    distinct = V.parse_distinct_numbers(texts.cells(), texts.counts, decimal=mark)  # type: ignore[arg-type]
    report.decimal = distinct.attrs.get("decimal")
    numbers = distinct["value"].to_numpy().copy()
    needs_date = np.isnan(numbers)
    if needs_date.any():
        dayfirst = rules.dayfirst.get(report.column) if rules else None
        dates = V.parse_distinct_dates(texts.cells()[needs_date], texts.counts[needs_date], dayfirst=dayfirst)
        report.dayfirst = dates.attrs.get("dayfirst")
        numbers[needs_date] = dates.dt.year.astype("float64").to_numpy()
    _note_unread(report, texts, ~np.isnan(numbers))
    latest = dt.date.today().year + 1
    bad = ~np.isnan(numbers) & ((numbers < 1600) | (numbers > latest))
    report.out_of_range = int(texts.counts[bad].sum())
    return pd.Series(texts.expand(np.round(np.where(bad, np.nan, numbers)), np.nan), index=index)


def _text_date(texts: Uniques, index: pd.Index, report: ColumnReport, rules: CleanRules | None) -> pd.Series:
    dayfirst = rules.dayfirst.get(report.column) if rules else None
    dates = V.parse_distinct_dates(texts.cells(), texts.counts, dayfirst=dayfirst)
    report.dayfirst = dates.attrs.get("dayfirst")
    _note_unread(report, texts, dates.notna().to_numpy())
    out = pd.Series(texts.expand(dates.to_numpy(), np.datetime64("NaT")), index=index, dtype="datetime64[ns]")
    out.attrs["dayfirst"] = report.dayfirst
    return out


def _text_bool(texts: Uniques, index: pd.Index, report: ColumnReport) -> pd.Series:
    flags = pd.array([V.parse_bool(v) for v in texts.cells()], dtype="boolean")
    _note_unread(report, texts, ~flags.isna())
    return pd.Series(flags.take(texts.codes, allow_fill=True), index=index)


def _text_percent(texts: Uniques, index: pd.Index, report: ColumnReport) -> pd.Series:
    numbers = np.array([V.parse_percent(v) for v in texts.cells()], dtype="float64")
    _note_unread(report, texts, ~np.isnan(numbers))
    return pd.Series(texts.expand(numbers, np.nan), index=index)


def clean_text(
    name: str, texts: Uniques, index: pd.Index, kind: Kind, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    """A text column of a typed kind, parsed once per distinct cleaned cell (``texts``: merged)."""
    if kind in ("number", "money"):
        columns = _text_numbers(name, texts, index, report, rules)
        treat_sentinel_zeros(name, columns, report, rules.sentinel.get(name) if rules else None)
        return columns
    if kind == "percent":
        return {name: _text_percent(texts, index, report)}
    if kind == "year":
        return {name: _text_year(texts, index, report, rules)}
    if kind == "date":
        return {name: _text_date(texts, index, report, rules)}
    return {name: _text_bool(texts, index, report)}


def clean_multi(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> pd.Series:
    """Multi-valued cells as "a; b": vectorised for plain separators, split_multi for lists and quotes."""
    uniques = factorize_text(series, report, keep)
    values = uniques.values
    tricky = values.str.contains(r"[\[\]{}\"']", regex=True).fillna(False)
    fast = values.str.replace(_FAST_MULTI, MULTI_SEPARATOR, regex=True).str.strip("; ")
    slow = {i: MULTI_SEPARATOR.join(p.replace(";", ",") for p in V.split_multi(v)) for i, v in values[tricky].items()}
    cleaned = fast.mask(tricky, pd.Series(slow, dtype="str")).replace("", None)
    return uniques.rebuild(cleaned)


def clean_category(
    series: pd.Series, report: ColumnReport, known: dict[str, str] | None = None, keep: np.ndarray | None = None
) -> pd.Series:
    """Collapse inner whitespace and unify spellings that differ only by case (most common wins; ``known``: the
    spellings already kept for earlier rows of the file, which win). The kept spellings go to the report only when
    ``known`` is given (a file read in batches)."""
    uniques = factorize_text(series, report, keep)
    values = uniques.values.str.replace(_SPACES, " ", regex=True)
    counts = pd.Series(uniques.counts, index=values.index)
    frame = pd.DataFrame({"value": values, "key": values.str.lower(), "count": counts}).dropna()
    totals = frame.groupby(["key", "value"], sort=False)["count"].sum().reset_index()
    winners = totals.sort_values("count", ascending=False, kind="stable").drop_duplicates("key")
    chosen = winners.set_index("key")["value"]
    if known is not None:
        if known:
            chosen = pd.Series(
                [known.get(key, value) for key, value in chosen.items()], index=chosen.index, dtype="str"
            )
        report.spellings = chosen.to_dict()
    canonical = frame["key"].map(chosen)
    changed = canonical.ne(frame["value"])
    report.recoded = int(frame.loc[changed, "count"].sum())
    return uniques.rebuild(values.where(~changed.reindex(values.index, fill_value=False), canonical))

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

from icp_assistant.tools.core import values as V
from icp_assistant.tools.core.fields import FIELD_BY_NAME, Kind, Kinds

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
    decimal: str | None = None  # the decimal mark text numbers were read with
    dayfirst: bool | None = None  # the day order numeric dates were read with
    percent_divisor: float = 1.0  # 100 when numeric percents were written as 45 for 45%
    mapped: bool = True  # a canonical field (False: an unmapped column kept under its own name)
    spellings: dict[str, str] = field(default_factory=dict)  # category: lower-case key -> the spelling kept


@dataclass(frozen=True)
class CleanRules:
    """What cleaning decided for each column from the rows it saw: applied unchanged to more rows of the same file
    (a file read in batches is read as one), never guessed again."""

    kinds: dict[str, Kind]  # unmapped column (its header) -> kind
    decimal: dict[str, str]  # output column -> decimal mark
    dayfirst: dict[str, bool]  # output column -> day order
    sentinel: dict[str, bool]  # output column -> whether its zeros mean "not filled in"
    percent_divisor: dict[str, float]  # output column -> divisor of numeric percents (100 or 1)
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)  # category column -> key -> spelling kept

    @classmethod
    def empty(cls) -> CleanRules:
        """No decision made yet: every column guessed, and what was guessed recorded (the first rows of a file)."""
        return cls({}, {}, {}, {}, {})

    def learn(self, table: CleanTable) -> None:
        """Keep the spelling of category values first seen in ``table`` (later rows of the same file)."""
        for report in table.reports.values():
            if report.spellings:
                known = self.spellings.setdefault(report.column, {})
                for key, spelling in report.spellings.items():
                    known.setdefault(key, spelling)


@dataclass
class CleanTable:
    frame: pd.DataFrame
    reports: dict[str, ColumnReport]
    kinds: Kinds  # output column -> kind

    @property
    def rules(self) -> CleanRules:
        """The decisions this cleaning made, to read more rows of the same file the same way."""
        reports = self.reports.values()
        return CleanRules(
            kinds={r.source: r.kind for r in reports if not r.mapped},  # type: ignore[misc]
            decimal={r.column: r.decimal for r in reports if r.decimal is not None},
            dayfirst={r.column: r.dayfirst for r in reports if r.dayfirst is not None},
            sentinel={r.column: r.sentinel_treated_as_missing for r in reports},
            percent_divisor={r.column: r.percent_divisor for r in reports if r.kind == "percent"},
            spellings={r.column: dict(r.spellings) for r in reports if r.spellings},
        )


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


def _factorize(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> Uniques:
    """``keep``: the rows to clean (see :func:`clean_column`); every row is factorized and only the kept rows' codes
    are kept (each dropped row repeats a kept one, so the distinct values and their order are the same)."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    index = series.index
    if keep is not None:
        codes, index = codes[keep], pd.RangeIndex(len(codes) - int(np.count_nonzero(~keep)))
    arrow = series.dtype == "str"  # distinct Arrow strings are distinct texts; other cells are written as text
    cells = pd.Series(distinct if arrow else np.asarray(distinct, dtype=object), dtype="str")
    values = cells.str.strip()
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    placeholder = _placeholders(values)
    report.placeholders = int(counts[placeholder].sum())
    unique = arrow and bool(values.eq(cells).all())
    return Uniques(codes, values.mask(placeholder), counts, index, unique)


def _note_unread(report: ColumnReport, texts: Uniques, read: np.ndarray) -> None:
    """:func:`_note_unparsed` on the distinct cells of a merged text column."""
    report.unparsed = int(texts.counts[~read].sum())
    if report.unparsed:
        report.unparsed_examples = [str(v)[:40] for v in texts.values[~read].unique()[:3]]


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
    return _number_columns(name, parsed, report)


def _text_numbers(
    name: str, texts: Uniques, index: pd.Index, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    known = rules.decimal.get(name) if rules else None
    distinct = V.parse_distinct_numbers(texts.cells(), texts.counts, decimal=known)  # type: ignore[arg-type]
    report.decimal = distinct.attrs.get("decimal")
    _note_unread(report, texts, distinct["parsed"].to_numpy())
    columns = {c: texts.expand(distinct[c].to_numpy(), np.nan) for c in ("value", "low", "high")}
    return _number_columns(name, pd.DataFrame(columns, index=index), report)


def _number_columns(name: str, parsed: pd.DataFrame, report: ColumnReport) -> dict[str, pd.Series]:
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


def _treat_sentinel_zeros(name: str, columns: dict[str, pd.Series], report: ColumnReport, known: bool | None) -> None:
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


def _multi(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> pd.Series:
    """Multi-valued cells as "a; b": vectorised for plain separators, split_multi for lists and quotes."""
    uniques = _factorize(series, report, keep)
    values = uniques.values
    tricky = values.str.contains(r"[\[\]{}\"']", regex=True).fillna(False)
    fast = values.str.replace(_FAST_MULTI, MULTI_SEPARATOR, regex=True).str.strip("; ")
    slow = {i: MULTI_SEPARATOR.join(p.replace(";", ",") for p in V.split_multi(v)) for i, v in values[tricky].items()}
    cleaned = fast.mask(tricky, pd.Series(slow, dtype="str")).replace("", None)
    return uniques.rebuild(cleaned)


def _category(
    series: pd.Series, report: ColumnReport, known: dict[str, str] | None = None, keep: np.ndarray | None = None
) -> pd.Series:
    """Collapse inner whitespace and unify spellings that differ only by case (most common wins; ``known``: the
    spellings already kept for earlier rows of the file, which win). The kept spellings go to the report only when
    ``known`` is given (a file read in batches)."""
    uniques = _factorize(series, report, keep)
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
        return {name: _multi(series, report, keep)}
    if kind == "category":
        return {name: _category(series, report, rules.spellings.get(name, {}) if rules else None, keep)}
    if _typed(series):
        return _clean_typed(name, series, kind, report, rules)
    if kind not in _TEXT_PARSED:
        return {name: _plain_text(series, report, keep)}
    texts = _factorize(series, report, keep)  # text: stripped, placeholders counted, then read once per distinct cell
    return _clean_text(name, texts.merged(), texts.index, kind, report, rules)


def _plain_text(series: pd.Series, report: ColumnReport, keep: np.ndarray | None = None) -> pd.Series:
    """Ids and free text: trimmed, placeholders missing. Their cells are mostly distinct, so Arrow strings are
    cleaned row by row (factorizing them would cost more than it saves)."""
    if series.dtype != "str":
        texts = _factorize(series, report, keep)
        return texts.rebuild(texts.values)
    values = series.str.strip()
    placeholder = _placeholders(values)
    report.placeholders = int(placeholder.sum())
    return values.mask(placeholder)


def _placeholders(values: pd.Series) -> np.ndarray:
    """Which (trimmed) texts are placeholders: "N/A", "-", "#####"..."""
    lowered = values.str.lower()
    return (lowered.isin(V.PLACEHOLDERS) | lowered.str.fullmatch(r"#{3,}")).fillna(False).to_numpy(bool)


def _clean_text(
    name: str, texts: Uniques, index: pd.Index, kind: Kind, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    """A text column of a typed kind, parsed once per distinct cleaned cell (``texts``: merged)."""
    if kind in ("number", "money"):
        columns = _text_numbers(name, texts, index, report, rules)
        _treat_sentinel_zeros(name, columns, report, rules.sentinel.get(name) if rules else None)
        return columns
    if kind == "percent":
        return {name: _text_percent(texts, index, report)}
    if kind == "year":
        return {name: _text_year(texts, index, report, rules)}
    if kind == "date":
        return {name: _text_date(texts, index, report, rules)}
    return {name: _text_bool(texts, index, report)}


def _clean_typed(
    name: str, series: pd.Series, kind: Kind, report: ColumnReport, rules: CleanRules | None
) -> dict[str, pd.Series]:
    """A column the file typed (numbers, dates), parsed by kind."""
    if kind in ("number", "money"):
        columns = _numbers(name, series, report, rules)
        _treat_sentinel_zeros(name, columns, report, rules.sentinel.get(name) if rules else None)
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


def clean_table(
    raw: pd.DataFrame,
    mapping: HeaderMapping,
    reserved: set[str] | None = None,
    rules: CleanRules | None = None,
    keep: np.ndarray | None = None,
) -> CleanTable:
    """Clean every column of ``raw``: mapped columns under their canonical name, the rest as they are. With
    ``rules`` (:attr:`CleanTable.rules` of the file's first rows) every column is read as those rows were.
    ``keep``: the rows to clean, as :func:`clean_column` takes it; None: every row. A dropped row must repeat a kept
    row before it in every cell (see ``quality.first_copies``): a column's kind is guessed on all rows, which then
    sees the same distinct values in the same order as the kept rows alone."""

    out: dict[str, pd.Series] = {}
    reports: dict[str, ColumnReport] = {}
    kinds: Kinds = {}
    for field_name, match in mapping.matches.items():
        spec = FIELD_BY_NAME[field_name]
        report = ColumnReport(field_name, match.column, spec.kind, unit_scale=match.unit_scale)
        produced = clean_column(field_name, raw[match.column], spec.kind, report, rules, keep)
        out.update(produced)
        reports[field_name] = report
        kinds.update(dict.fromkeys(produced, spec.kind))
    taken = set(out) | (reserved or set())
    for column in mapping.unmapped:
        name = column if column not in taken else f"{column}_source"
        kind = rules.kinds[column] if rules and column in rules.kinds else infer_column_kind(raw[column])
        report = ColumnReport(name, column, kind, mapped=False)
        produced = clean_column(name, raw[column], kind, report, rules, keep)
        out.update(produced)
        reports[name] = report
        kinds.update(dict.fromkeys(produced, kind))
    frame = pd.DataFrame(out, index=raw.index if keep is None else pd.RangeIndex(int(np.count_nonzero(keep))))
    return CleanTable(frame, reports, kinds)

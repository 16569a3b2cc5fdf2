"""Which columns of a dataset are *attributes* an ICP can be described by, and their values.

Categories are used as they are (rare values pooled into "Other"); multi-valued cells (tech stack)
count once per value; numbers are read in bands (the Gartner / LinkedIn size bands, revenue and age
bands, else quartiles). Identifiers, free text, dates, outcome columns and columns set after the
outcome (leakage) are never attributes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.distinct import spread
from icp_assistant.tools.core.errors import ColumnError, listing
from icp_assistant.tools.core.fields import FIELD_BY_NAME, OUTCOME_KINDS
from icp_assistant.tools.ingest.quality import LEAKY_NAME

MULTI_SEPARATOR = "; "
OTHER = "Other"
MAX_VALUES = 30
NOT_ATTRIBUTES = {
    "name",
    "account_id",
    "domain",
    "owner",
    "description",
    "notes",
    "parent_account",
    "linkedin_url",
}
REVENUE_BANDS = (
    (1e6, "<$1M"),
    (10e6, "$1M-10M"),
    (50e6, "$10M-50M"),
    (250e6, "$50M-250M"),
    (1e9, "$250M-1B"),
)
AGE_BANDS = ((2, "0-2 years"), (5, "3-5 years"), (10, "6-10 years"), (20, "11-20 years"))
BANDED = {"employee_count": "employee_band", "annual_revenue": "revenue_band", "company_age": "age_band"}
ALIASES = {
    "size": "size_band",
    "company_size": "size_band",
    "company size": "size_band",
    "employees": "employee_band",
    "geography": "region",
    "geo": "region",
    "revenue": "revenue_band",
    "revenue_potential": "revenue_band",
    "revenue potential": "revenue_band",
    "tech": "tech_stack",
    "technology": "tech_stack",
    "technographics": "tech_stack",
    "age": "age_band",
    "vertical": "industry",
    "sector": "industry",
    "use_case": "use_case",
}


@dataclass(frozen=True)
class Attribute:
    column: str
    kind: Literal["category", "multi", "numeric"]


def _bands(values: pd.Series, edges: tuple[tuple[float, str], ...], last: str) -> pd.Series:
    bins = [-np.inf] + [edge for edge, _ in edges] + [np.inf]
    labels = [label for _, label in edges] + [last]
    banded = pd.cut(values, bins, labels=labels, right=False).astype("object")
    return banded.where(banded.notna(), None)


def _quartiles(values: pd.Series) -> pd.Series:
    known = values.dropna()
    if known.nunique() < 4:
        return values.map(lambda v: None if pd.isna(v) else f"{v:g}").astype("object")
    edges = np.unique(known.quantile([0, 0.25, 0.5, 0.75, 1.0]).to_numpy())
    labels = [f"{edges[i]:,.4g}-{edges[i + 1]:,.4g}" for i in range(len(edges) - 1)]
    banded = pd.cut(values, edges, labels=labels, include_lowest=True).astype("object")
    return banded.where(banded.notna(), None)


def add_bands(frame: pd.DataFrame) -> pd.DataFrame:
    """Revenue and age bands (employee and size bands are derived at load time). A shallow copy: with
    pandas' copy-on-write the caller's frame never changes, and a million rows are not duplicated."""
    out = frame.copy(deep=False)
    if "annual_revenue" in out and "revenue_band" not in out:
        out["revenue_band"] = _bands(out["annual_revenue"], REVENUE_BANDS, "$1B+")
    if "company_age" in out and "age_band" not in out:
        out["age_band"] = _bands(out["company_age"], AGE_BANDS, "21+ years")
    return out


def is_leaky(column: str) -> bool:
    spec = FIELD_BY_NAME.get(column)
    if spec is not None:
        return spec.post_outcome or spec.role == "outcome"
    return column in OUTCOME_KINDS or bool(LEAKY_NAME.search(column))


def attributes(
    dataset: Dataset, frame: pd.DataFrame, exclude: Collection[str] = (), include_leaky: bool = False
) -> list[Attribute]:
    """Analysable attributes of ``frame`` (the dataset's accounts with bands added)."""
    out: list[Attribute] = []
    for column in frame.columns:
        kind = dataset.kinds.get(column) or ("category" if column in ("revenue_band", "age_band") else None)
        if column in exclude or column in NOT_ATTRIBUTES or kind is None:
            continue
        if column in BANDED and BANDED[column] in frame:
            continue
        if (not include_leaky and is_leaky(column)) or column.endswith(("_low", "_high")):
            continue
        if kind in ("category", "bool"):
            out.append(Attribute(column, "category"))
        elif kind == "multi":
            out.append(Attribute(column, "multi"))
    return out


def numeric_columns(dataset: Dataset, frame: pd.DataFrame, include_leaky: bool = False) -> list[str]:
    """Numeric columns worth comparing by median (firmographics and intent, not outcomes)."""
    kinds = ("number", "money", "percent", "year")
    return [
        c
        for c, k in dataset.kinds.items()
        if k in kinds
        and c in frame
        and not c.endswith(("_low", "_high"))
        and (include_leaky or not is_leaky(c))
        and c not in NOT_ATTRIBUTES
        and frame[c].notna().mean() >= 0.1
    ]


def split_cells(cells: pd.Series, separator: str) -> pd.Series:
    """``cells.str.split(separator).explode()`` for text cells without nulls, done by pyarrow in one pass instead of
    one Python call per cell: each part a row under its cell's index label, in the cells' dtype."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow_backed = isinstance(cells.dtype, pd.StringDtype) and cells.dtype.storage == "pyarrow"
    if arrow_backed:  # read in place: no Python string per cell or per part (millions of them at 1M rows)
        array = pa.chunked_array(pa.array(cells.array)).combine_chunks()
    else:
        array = pa.array(cells.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    lists = pc.split_pattern(array, pattern=separator)
    rows = np.asarray(pc.list_parent_indices(lists).to_numpy(), dtype=np.intp)
    index = cells.index.take(rows)
    if arrow_backed:
        return pd.Series(pd.array(pc.list_flatten(lists), dtype=cells.dtype), index=index)
    parts = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
    dtype = cells.dtype if pd.api.types.is_string_dtype(cells.dtype) else object  # as explode keeps it
    return pd.Series(parts, index=index, dtype=dtype)


def values_of(frame: pd.DataFrame, attribute: Attribute, min_count: int) -> pd.Series:
    """Attribute values per row (index repeated for multi-valued cells), rare values pooled."""
    return pool_values(raw_values(frame, attribute), attribute, min_count)


def raw_values(frame: pd.DataFrame, attribute: Attribute) -> pd.Series:
    """Attribute values per row before pooling (index repeated for multi-valued cells): split once, then any
    subset of rows is a subset of this series, in the same order as if its rows were split on their own."""
    series = frame[attribute.column]
    if attribute.kind == "multi":
        series = split_cells(series.dropna().astype(str), MULTI_SEPARATOR)
    else:
        series = series.dropna().astype(str)
    return series[series.str.len() > 0]


def pool_values(series: pd.Series, attribute: Attribute, min_count: int) -> pd.Series:
    """Values of :func:`raw_values` with rare ones pooled into "Other" (categories) or dropped (multi-valued)."""
    counts = series.value_counts()
    keep = counts[counts >= min_count].head(MAX_VALUES).index
    if attribute.kind == "multi":
        return series[series.isin(keep)]
    return series.where(series.isin(keep), OTHER)


def trait_mask(frame: pd.DataFrame, attribute: Attribute, value: str) -> pd.Series:
    """True for rows that have ``value`` (for multi-valued cells: among their values); case-insensitive. The text
    is read on the column's distinct cells (two million deals hold a few thousand) and spread back to the rows."""
    series = frame[attribute.column]
    codes, uniques = pd.factorize(series)
    text = pd.Series(uniques).astype(str)
    if attribute.kind == "multi":
        pattern = r"(?i)(?:^|; )" + re.escape(value) + r"(?:;|$)"
        hit = text.str.contains(pattern, regex=True).to_numpy(dtype=bool)
    else:
        hit = text.str.strip().str.casefold().eq(value.strip().casefold()).to_numpy(dtype=bool)
    return pd.Series(spread(hit, codes), index=series.index)


class ValueMatcher:
    """Which rows of one attribute have a given value, for many values: each distinct cell is read once.

    Same rule as :func:`trait_mask` (case-insensitive; multi-valued cells match any of their values), but
    the text work is done on the distinct cells, not on every row, so scoring a million rows against
    dozens of criteria stays fast."""

    def __init__(self, series: pd.Series, kind: str) -> None:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        self._codes = codes
        self._size = len(uniques)
        text = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
        self._multi = kind == "multi"
        if self._multi:
            self._parts = text.str.strip().str.lower().str.replace("; ", ";", regex=False).str.split(";").explode()
        else:
            self._values = text.str.strip().str.casefold().to_numpy()

    def mask(self, value: str) -> np.ndarray:
        if self._multi:
            hit = np.zeros(self._size, dtype=bool)
            hit[self._parts.index[self._parts.eq(value.strip().lower()).to_numpy()].unique()] = True
        else:
            hit = self._values == value.strip().casefold()
        return spread(hit, self._codes)


def resolve_column(frame: pd.DataFrame, name: str, sources: Mapping[str, str] | None = None) -> str:
    """A column named by the user: exact, its header in the source file, alias ("size" -> size_band), or
    case-insensitive."""
    if name in frame:
        return name
    if sources and name in sources and sources[name] in frame:
        return sources[name]
    key = name.strip().lower()
    alias = ALIASES.get(key) or ALIASES.get(key.replace(" ", "_"))
    if alias and alias in frame:
        return alias
    lowered = {c.lower(): c for c in frame.columns}
    if key in lowered:
        return lowered[key]
    if key.replace(" ", "_") in lowered:
        return lowered[key.replace(" ", "_")]
    visible = [c for c in frame.columns if not c.endswith(("_low", "_high"))]
    raise ColumnError(f"Unknown column or dimension {name!r}. Valid ones: {listing(visible, 40)}.")


NUMERIC_KINDS = ("number", "money", "percent", "year")
MAX_CODES = 10  # an integer column with at most this many distinct values is a code (0/1 flag, 1-3 class)
REASONS = {
    "id": "an identifier (unique per account)",
    "text": "free text",
    "date": "a date (not scored; close and churn dates are set after the outcome)",
    "named_outcome": "the outcome itself",
}


def _is_code(series: pd.Series) -> bool:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return 0 < values.nunique() <= MAX_CODES and bool(np.all(np.mod(values.unique(), 1) == 0))


def _repeats(series: pd.Series) -> bool:
    """Values shared by several rows: at most one distinct value per 5 filled rows on average, and at least two."""
    filled = series.dropna()
    return _shared(filled.nunique(), len(filled), series.name)


def _shared(distinct: int, filled: int, name: object) -> bool:
    return distinct >= 2 and distinct * 5 <= filled and name not in NOT_ATTRIBUTES


def _exclusion(dataset: Dataset, frame: pd.DataFrame, column: str, present: Collection[str]) -> str | None:
    """Why ``column`` cannot be a scorecard attribute, or None when it can; ``present``: every column the rows have,
    ``frame`` holding those that may be attributes."""
    kind = dataset.kinds.get(column) or ("category" if column in ("revenue_band", "age_band") else None)
    spec = FIELD_BY_NAME.get(column)
    if column in OUTCOME_KINDS or kind == "named_outcome" or (spec is not None and spec.role == "outcome"):
        return (
            REASONS["named_outcome"]
            if kind == "named_outcome" or column == "outcome"
            else "an outcome of the deals (leakage)"
        )
    if spec is not None and spec.post_outcome:
        return f"set after the outcome ({spec.name} is filled once a deal closes or a customer churns)"
    if column.endswith(("_low", "_high")) or (column in BANDED and BANDED[column] in present):
        return "read through its band"
    if kind in ("id", "text") and column in frame and _repeats(frame[column]):
        return None  # a code shared by many accounts (a landing page, a campaign, a plan): a category
    if column in NOT_ATTRIBUTES or kind in REASONS:
        return REASONS.get(kind or "", "an identifier or free text")
    if kind is None:
        return "not a usable kind of column"
    # a column left off a training frame (training_columns) reaches this line only when no account has a value
    if column not in frame or frame[column].notna().mean() == 0:
        return "empty"
    return None


def model_attributes(
    dataset: Dataset, frame: pd.DataFrame, include: Collection[str] = (), exclude: Collection[str] = ()
) -> tuple[list[Attribute], dict[str, str]]:
    """Every column that can carry points (categories, multi-valued cells, numbers to bin, integer codes as
    categories), and every other column with the reason it cannot. ``include`` overrides a reason; ``exclude``
    leaves a column out. ``frame`` may carry only the columns :func:`training_columns` chose: the dataset's other
    columns get the reasons they would get there."""
    out: list[Attribute] = []
    excluded: dict[str, str] = {}
    columns = [*frame.columns, *(c for c in dataset.accounts.columns if c not in frame)]
    for column in columns:
        reason = "left out on request (exclude)" if column in exclude else _exclusion(dataset, frame, column, columns)
        if reason is not None and column not in include:
            if not column.endswith(("_low", "_high")):
                excluded[column] = reason
            continue
        kind = dataset.kinds.get(column, "category")
        if kind == "multi":
            out.append(Attribute(column, "multi"))
        elif kind in NUMERIC_KINDS and not _is_code(frame[column]):
            out.append(Attribute(column, "numeric"))
        else:
            out.append(Attribute(column, "category"))
    return out, excluded


def training_columns(
    dataset: Dataset, accounts: pd.DataFrame, rows: np.ndarray, keep: Collection[str] = ()
) -> list[str]:
    """The account columns a deal-level training frame needs (``rows``: each deal's account position): every column
    that may be a scorecard attribute, and ``keep`` (by name, header or alias). The rest are ruled out by their kind
    or name alone, or (an identifier or text) because their values do not repeat across the deals, so a million
    deals need not carry a copy of each; :func:`model_attributes` gives them the same reasons."""
    wanted = set(named_columns(accounts, keep))
    chosen: list[str] = []
    for column in accounts.columns:
        kind = dataset.kinds.get(column)
        if column in wanted:
            chosen.append(column)
        elif kind in ("id", "text") and column not in NOT_ATTRIBUTES:
            if _repeats_on(accounts[column], rows):
                chosen.append(column)
        elif _exclusion(dataset, accounts, column, accounts.columns) is None:
            chosen.append(column)
    return chosen


def named_columns(accounts: pd.DataFrame, names: Collection[str]) -> list[str]:
    """The columns ``names`` name (by name, header or alias), in the accounts' order; an unknown name is skipped
    (whoever reads it reports it)."""
    found: set[str] = set()
    for name in names:
        try:
            found.add(resolve_column(accounts, name))
        except ColumnError:
            continue
    return [c for c in accounts.columns if c in found]


def _repeats_on(series: pd.Series, rows: np.ndarray) -> bool:
    """:func:`_repeats` of ``series`` taken at ``rows``, counted on codes instead of copied strings."""
    codes = pd.factorize(series)[0][rows]
    filled = codes[codes >= 0]
    return _shared(np.unique(filled).size, filled.size, series.name)

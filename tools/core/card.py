"""The dataset card: a compact, typed picture of a loaded dataset.

It stays under ~2,000 tokens whatever the file size: per-field profiles are a handful of numbers
or top values, lists are capped and say how many were left out.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

TOP_VALUES = 4
MAX_UNMAPPED = 20
MAX_WARNINGS = 12
MAX_TEXT = 32


class FieldProfile(BaseModel):
    """One column as the analyses will see it."""

    field: str = Field(description="Canonical field name, derived field, or original header for unmapped columns")
    source: str | None = Field(None, description="Column in the file it came from; null for derived fields")
    kind: str = Field(description="number, money, percent, year, date, category, multi, bool, text or id")
    fill_rate: float = Field(description="Share of rows with a value, 0-1, after placeholders became missing")
    distinct: int | None = Field(None, description="Distinct values (categories)")
    top: list[tuple[str, int]] | None = Field(None, description="Most common values with their row counts")
    quantiles: list[float] | None = Field(None, description="min, 25th, median, 75th percentile, max")
    range: tuple[str, str] | None = Field(None, description="Earliest and latest date")
    notes: list[str] = Field(default_factory=list, description="What cleaning changed in this column")


class SourceFile(BaseModel):
    role: Literal["accounts", "deals"]
    path: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    rows: int
    columns: int


class DealSummary(BaseModel):
    deals: int
    joined_by: Literal["id", "name"]
    matched: int = Field(description="Deals attached to an account")
    without_account: int = Field(description="Deals with a blank account")
    unknown_account: int = Field(description="Deals naming an account that is not in the accounts file")
    unknown_examples: list[str] = Field(default_factory=list)
    outcomes: dict[str, int] = Field(description="Deals per outcome: won / lost / open")
    stage_map: dict[str, str] = Field(description="Each stage label and the outcome it was read as")
    date_range: tuple[str, str] | None = None


class OutcomeSummary(BaseModel):
    source: str = Field(description="Where account outcomes came from (a named outcome in words)")
    won: int = Field(description="Accounts that became customers (won at least one deal)")
    lost: int = Field(description="Accounts with only lost deals / lost status")
    open: int = Field(description="Accounts with only open deals / prospect status")
    unknown: int = Field(description="Accounts with no outcome information")
    churned: int | None = Field(None, description="Customers that churned (null: no churn information)")
    value_fields: list[str] = Field(default_factory=list, description="Columns measuring customer value")


class UnmappedColumn(BaseModel):
    column: str
    kind: str
    fill_rate: float


class DatasetCard(BaseModel):
    """What is in a loaded dataset and what it can support. Pass `name` to later tools."""

    name: str = Field(description="Short name of the dataset for later calls")
    rows: int = Field(description="Accounts after removing exact duplicate rows")
    files: list[SourceFile]
    fields: list[FieldProfile] = Field(description="Canonical and derived fields found")
    unmapped: list[UnmappedColumn] = Field(description="Columns kept under their own names (usable in analyses)")
    unmapped_total: int
    outcomes: OutcomeSummary
    deals: DealSummary | None = None
    cleaning: dict[str, int] = Field(description="Cells changed by cleaning, by reason")
    warnings: list[str]
    warnings_total: int
    supports: list[str] = Field(description="Analyses this data supports, and what it cannot tell")
    currency: str | None = Field(
        None,
        description="ISO code of the money columns, read from their cells and headers ($ -> USD, € -> EUR, "
        "'Rev (USD)'); null when the export does not say or mixes currencies (amounts are never converted)",
    )
    cached: bool = Field(description="True when the parsed data came from the workspace cache")
    data_path: str = Field(description="Workspace folder holding the cleaned tables (Parquet) and this card")


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _top(series: pd.Series, multi: bool) -> tuple[int, list[tuple[str, int]]]:
    counts = series.value_counts()  # missing cells are not counted
    if multi:  # split each distinct cell once (in Arrow), weighted by how many rows hold it
        parts = pc.split_pattern(pa.array(counts.index.astype(str).array), "; ")
        rows = counts.to_numpy()[pc.list_parent_indices(parts).to_numpy()]
        words = pd.Index(pc.list_flatten(parts).to_numpy(zero_copy_only=False), dtype="object")
        counts = pd.Series(rows, index=words).groupby(level=0).sum().sort_values(ascending=False)
    return len(counts), [(_short(k), int(v)) for k, v in counts.head(TOP_VALUES).items()]


def _quantiles(series: pd.Series) -> list[float] | None:
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    if numbers.empty:
        return None
    qs = numbers.quantile([0, 0.25, 0.5, 0.75, 1.0]).tolist()
    return [float(f"{q:.4g}") for q in qs]


def profile(name: str, series: pd.Series, kind: str, source: str | None, notes: list[str]) -> FieldProfile:
    """A short profile of one column."""
    filled = float(series.notna().mean()) if len(series) else 0.0
    item = FieldProfile(field=name, source=source, kind=kind, fill_rate=round(filled, 3), notes=notes)
    if kind in ("number", "money", "percent", "year"):
        item.quantiles = _quantiles(series)
    elif kind == "date":
        dates = pd.to_datetime(series, errors="coerce").dropna()
        if not dates.empty:
            item.range = (str(dates.min().date()), str(dates.max().date()))
    elif kind in ("category", "multi", "bool"):
        item.distinct, item.top = _top(series, kind == "multi")
    elif kind in ("id", "text"):
        item.distinct = int(series.nunique())
    return item

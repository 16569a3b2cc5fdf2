"""The models core's results are made of, in a module that imports neither pandas nor numpy: a rate with its
evidence, and the dataset card.

The server declares its tools' output schemas with these when it starts, before any tool has run; the modules that
compute them (:mod:`.stats`, :mod:`.card`) import them from here, so loading the server does not load pandas.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# -- rates (:mod:`.stats`) ---------------------------------------------------------------------------------------------

MIN_N = 30  # below this many observations a rate is called a small sample


class Rate(BaseModel):
    """A proportion with its evidence."""

    rate: float | None = Field(description="Share, 0-1 (null when n = 0)")
    hits: int = Field(description="Count of successes")
    n: int = Field(description="Sample size")
    low: float | None = Field(None, description="Wilson 95% interval, lower bound")
    high: float | None = Field(None, description="Wilson 95% interval, upper bound")
    small_sample: bool = Field(description=f"True when n < {MIN_N}: treat as weak evidence")


# -- the dataset card (:mod:`.card`) -----------------------------------------------------------------------------------


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

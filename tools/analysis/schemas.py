"""What the account analyses return (best customers, patterns, red flags) and the conditions they take, in a module
that imports neither pandas nor numpy.

The server declares its tools' input and output schemas with these when it starts, before any tool has run; the
modules that compute them import them from here, so loading the server does not load pandas. Segments are in
:mod:`.segment_schemas`, feature adoption and expansion in :mod:`.adoption_schemas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from icp_assistant.tools.core.schemas import Rate

# -- conditions (:mod:`.conditions`) -----------------------------------------------------------------------------------

Op = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not in", "contains"]


class Condition(BaseModel):
    """One test on a column; several conditions are combined with AND."""

    column: str = Field(description="Column or canonical field, e.g. industry, size_band, employee_count")
    op: Op = Field("==", description="Comparison")
    value: str | float | list[str] = Field(description="Value, number, or list of values for in / not in")


# -- best customers (:mod:`.best_customers`) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    column: str
    family: str
    higher_is_better: bool
    label: str


METRICS: dict[str, Metric] = {
    "lifetime_value": Metric("lifetime_value", "value", True, "lifetime value"),
    "contract_value": Metric("contract_value", "value", True, "contract value"),
    "won_value": Metric("won_value", "value", True, "won deal value"),
    "expansion_value": Metric("expansion_value", "expansion", True, "expansion"),
    "tenure_months": Metric("tenure_months", "retention", True, "tenure"),
    "retained": Metric("retained", "retention", True, "retention (not churned)"),
    "nps": Metric("nps", "satisfaction", True, "NPS"),
    "csat": Metric("csat", "satisfaction", True, "CSAT / health"),
    "median_cycle_days": Metric("median_cycle_days", "velocity", False, "sales cycle"),
    "win_rate": Metric("win_rate", "conversion", True, "deal win rate"),
}


class MetricUse(BaseModel):
    metric: str
    label: str
    weight: float = Field(description="Share of the score, 0-1")
    higher_is_better: bool
    coverage: float = Field(description="Share of scored accounts that have this metric, 0-1")


class TopAccount(BaseModel):
    name: str
    score: float = Field(description="Value score, 0-100 (percentile-based)")
    value: float | None = Field(None, description="Primary value metric")
    reasons: list[str]


class ValueShare(BaseModel):
    """How value splits across the values of one attribute."""

    attribute: str
    value: str
    accounts: int
    account_share: float
    value_share: float
    median_value: float | None


class ValueDriver(BaseModel):
    column: str
    spearman: float
    p_value: float
    n: int
    statement: str


class BestCustomers(BaseModel):
    """Who the best customers are, by a stated definition."""

    dataset: str
    definition: list[MetricUse] = Field(description="Metrics and weights used for the value score")
    primary_value: str | None = Field(description="Metric used for concentration (value held)")
    candidates: int = Field(description="Accounts scored (customers; all accounts when outcomes are unknown)")
    top_share: float
    best: int = Field(description="Accounts in the top share: the 'best customers'")
    concentration: str | None = Field(description="Plain statement of value concentration")
    top_value_share: float | None = Field(description="Share of total primary value held by the best customers")
    gini: float | None = Field(description="Gini coefficient of the primary value (0 equal - 1 concentrated)")
    by_size: list[ValueShare] = Field(description="Value share by size band (capped)")
    drivers: list[ValueDriver] = Field(description="Firmographic numbers that rank with value (Spearman)")
    top_accounts: list[TopAccount]
    truncated: bool
    table_path: str = Field(description="CSV with every scored account")
    chart_path: str | None = None
    notes: list[str]


# -- patterns (:mod:`.patterns`) ---------------------------------------------------------------------------------------


class Pattern(BaseModel):
    """One attribute value over- or under-represented in the group."""

    attribute: str
    value: str
    statement: str = Field(description="The finding in plain terms, with n and lift")
    in_group: int = Field(description="Group members with this value")
    group_size: int
    with_value: int = Field(description="Rows (accounts or deals) with this value")
    support: float = Field(description="Share of the group with this value, 0-1")
    base_rate: float = Field(description="Share of all rows with this value, 0-1")
    lift: float = Field(description="support / base_rate; 1 = no difference")
    group_rate: Rate = Field(description="Share of rows with this value that are in the group (e.g. win rate)")
    group_rate_without: float | None = Field(description="The same share among rows without this value")
    q_value: float = Field(description="p-value after Benjamini-Hochberg correction")


class NumericContrast(BaseModel):
    column: str
    group_median: float | None
    group_iqr: tuple[float, float] | None
    rest_median: float | None
    rest_iqr: tuple[float, float] | None
    q_value: float
    significant: bool


class PatternReport(BaseModel):
    """What separates the group from the rest; or the plain verdict that nothing does."""

    dataset: str
    comparison: str = Field(description="Which group against what")
    unit: Literal["accounts", "deals"]
    group: Rate = Field(description="Group size as a share of all rows compared")
    effective_n: float | None = Field(None, description="Deals only: sample size after the clustering correction")
    reliable: bool = Field(description="True when at least one pattern passes significance and effect size")
    verdict: str
    patterns: list[Pattern] = Field(description="Strongest over-represented traits (capped)")
    less_common: list[Pattern] = Field(description="Traits clearly rarer in the group (capped)")
    numeric: list[NumericContrast]
    tested: int = Field(description="Attribute values tested (the multiple-comparison family)")
    excluded: list[str] = Field(description="Columns not used: set after the outcome (leakage) or not attributes")
    truncated: bool
    table_path: str = Field(description="CSV with every value tested")
    chart_path: str | None = None


# -- red flags (:mod:`.red_flags`) -------------------------------------------------------------------------------------

Source = Literal["churned", "lost", "low_value"]


class RedFlag(BaseModel):
    source: Source = Field(description="Which bad outcome this trait is over-represented in")
    attribute: str
    value: str
    statement: str
    with_trait: int = Field(description="Rows (accounts or deals) with the trait")
    bad_rate: Rate = Field(description="Share of rows with the trait that had the bad outcome")
    base_rate: float = Field(description="Bad-outcome rate over all rows")
    lift: float
    q_value: float
    disqualifier: str = Field(description="Candidate rule for the ICP (review before using as a hard gate)")


class RedFlags(BaseModel):
    """The anti-ICP: traits of accounts that churn, lose or bring little value."""

    dataset: str
    sources: dict[str, str] = Field(description="Bad outcomes examined, with group sizes")
    flags: list[RedFlag]
    reliable: bool
    verdict: str
    total: int
    truncated: bool
    table_path: str
    chart_path: str | None = None

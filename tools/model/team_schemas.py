"""What the ICP at work for each team returns: the open pipeline with close likelihoods (:mod:`.pipeline`,
:mod:`.calibration`), feature adoption (:mod:`.adoption`) and expansion white space (:mod:`.expansion`), in a module
that imports neither pandas nor numpy: the server declares review_pipeline's, analyze_feature_adoption's and
find_expansion's schemas with these when it starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from icp_assistant.tools.analysis.adoption_schemas import (
    ChurnSeparator,
    ExpansionHistory,
    ExpansionSeparator,
    FeatureRate,
    OnboardingStep,
    Standout,
)
from icp_assistant.tools.core.schemas import Rate

from .review_schemas import CalibrationBin

# -- the open pipeline (:mod:`.calibration`, :mod:`.pipeline`) ---------------------------------------------------------


class LikelihoodBand(BaseModel):
    """One band of the checking half: what the calibrator predicted against what happened."""

    likelihood_range: tuple[float, float] = Field(description="Lowest and highest predicted likelihood in the band")
    mean_likelihood: float = Field(description="Mean predicted close likelihood, 0-1")
    observed: Rate = Field(
        description="Observed win rate of the band's deals; Wilson 95% interval at the effective sample size"
    )
    inside: bool = Field(
        description="The mean prediction is within sampling error of the observed rate (both halves' error, all bands "
        "at 95% together)"
    )


class Separation(BaseModel):
    """Does fit predict winning? Judged on held-out closed deals."""

    separates: bool = Field(description="True when the held-out AUC's 95% interval lies above 0.5")
    auc: float | None
    auc_interval: tuple[float, float] | None
    deals: int = Field(description="Held-out closed deals judged")
    wins: int
    split: str
    verdict: str


class TopDeal(BaseModel):
    company: str
    deal: str
    stage: str
    amount: float | None
    age_days: int | None
    score: int | None
    tier: str
    why: str
    likelihood: float | None = Field(description="Close likelihood 0-1 (null when fit does not predict winning)")
    expected_value: float | None
    stale: bool


class PipelineReview(BaseModel):
    """The open pipeline, prioritised: counts, totals, whether fit predicts winning, the top deals, the files."""

    dataset: str
    icp: str
    version: int
    source: str = Field(description="Where the open deals come from: the dataset's deals or a pipeline file")
    open_deals: int
    closed_ignored: int = Field(description="Closed rows of a pipeline file, left out (counted)")
    without_account: int = Field(description="Open deals naming no account (listed, no fit)")
    unknown_account: int = Field(description="Open deals whose account is not in the dataset (listed, no fit)")
    unknown_examples: list[str]
    per_stage: dict[str, int] = Field(description="Open deals per stage, later stages first")
    stage_order_from: str
    pipeline_total: float | None = Field(description="Sum of open deal amounts (null when no deal has one)")
    deals_with_amount: int
    expected_value_total: float | None = Field(description="Sum of amount x likelihood (null without likelihoods)")
    separation: Separation
    score_bands: list[CalibrationBin] = Field(description="Held-out win rate per score quintile, with intervals")
    overall_win_rate: Rate | None = Field(description="Held-out win rate of all judged deals")
    calibration: list[LikelihoodBand] = Field(description="Check half: predicted likelihood vs observed win rate")
    calibration_holds: bool | None
    ordered_by: str
    stale_after_days: float | None = Field(description="90th percentile of won deals' sales cycle, in days")
    stale: int
    top: list[TopDeal]
    csv_path: str = Field(description="The whole prioritised list (spreadsheet-safe CSV)")
    parquet_path: str = Field(description="The whole list, typed values (Parquet)")
    notes: list[str]


# -- feature adoption (:mod:`.adoption`) -------------------------------------------------------------------------------

SHOWN = 10


class FeatureAdoption(BaseModel):
    """Feature adoption by ICP tier and segment, churn separators and the onboarding order, compactly."""

    dataset: str
    icp: str
    version: int
    usage_file: str
    shape: str = Field(description="How the usage file was read: long, events (one row per use) or wide")
    join: str = Field(description="How usage rows matched the dataset's accounts, unmatched ones named")
    customers: int = Field(description="Customers (won accounts) the rates are over")
    features_total: int
    overall: list[FeatureRate] = Field(description=f"Adoption among all customers (top {SHOWN} by rate)")
    standouts: list[Standout] = Field(description="Tiers and segments adopting a feature reliably more or less")
    standouts_total: int
    churn_verdict: str
    churn_separators: list[ChurnSeparator] = Field(description="Features separating retained from churned")
    expansion_verdict: str
    expansion_separators: list[ExpansionSeparator] = Field(
        description="Features separating customers that expanded from those that did not"
    )
    onboarding_group: str = Field(description="Which customers the onboarding order is for")
    onboarding: list[OnboardingStep] = Field(description="Features in order of median days to first use")
    csv_path: str = Field(
        description="Every table in full: per feature overall, per tier, per segment, churn, "
        "onboarding (spreadsheet-safe CSV)"
    )
    notes: list[str]


# -- expansion white space (:mod:`.expansion`) -------------------------------------------------------------------------

FitTier = Literal["green", "yellow", "red", "unscored"]


class PeerGroup(BaseModel):
    """One comparison group: a segment's customers and the white space of its fit customers."""

    segment: str
    peers: int = Field(description="Customers of the segment with a known, positive value")
    median: float | None = Field(description="The peers' median value")
    reachable: float | None = Field(description="The peers' 75th percentile: what comparable customers reach")
    small: bool = Field(description="Fewer peers than min_peers: no gap is given")
    fit_customers: int = Field(description="Fit customers of the segment with a known value")
    below: int = Field(description="Fit customers below the reachable value")
    white_space: float = Field(description="Sum of their gaps (0 for a small group)")


class WhiteSpace(BaseModel):
    """A fit customer below what its peers reach."""

    name: str
    segment: str
    peers: int
    tier: str
    score: int | None
    value: float = Field(description="The account's value, in the result's unit")
    reachable: float = Field(description="Its peers' 75th percentile")
    gap: float = Field(description="reachable - value")


class ExpansionReport(BaseModel):
    """White space among ICP-fit customers, and the traits of customers that expanded."""

    dataset: str
    icp: str
    version: int
    value: str = Field(description="What value is compared, in words")
    unit: str = Field(description="Unit of every value, median, reachable value and gap")
    value_note: str = Field(description="Why this value")
    comparison: str = Field(description="What the comparison groups are")
    statistic: str = Field(description="What 'reachable' means")
    fit_tiers: list[str]
    customers: int
    fit_customers: int = Field(description="Customers whose ICP tier counts as fit")
    fit_with_value: int = Field(description="Fit customers with a known value")
    accounts_with_gap: int
    white_space_total: float = Field(description="Sum of every gap, in the unit")
    segments: list[PeerGroup] = Field(description="Comparison groups by white space (capped)")
    segments_total: int
    top: list[WhiteSpace] = Field(description="Largest gaps (capped; the CSV has every fit customer)")
    truncated: bool
    csv_path: str = Field(description="Every fit customer: value, peers, reachable value, gap (spreadsheet-safe)")
    segments_path: str = Field(description="Every comparison group (spreadsheet-safe CSV)")
    history: ExpansionHistory | None = Field(description="Null when the data holds no expansion history")
    notes: list[str]

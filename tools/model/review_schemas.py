"""What reviewing an ICP returns: its evaluation on held-out rows (:mod:`.evaluation`, :mod:`.validation`) and its
drift against recent wins (:mod:`.drift_stats`, :mod:`.drift`), in a module that imports neither pandas nor numpy:
the server declares validate_icp's and check_drift's output schemas with these when it starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from icp_assistant.tools.core.schemas import MIN_N, Rate

# -- held-out evaluation (:mod:`.evaluation`, :mod:`.validation`) ------------------------------------------------------

Tier = Literal["green", "yellow", "red"]


class TierResult(BaseModel):
    tier: Tier
    rows: int
    win_rate: Rate | None  # null when the tier is empty
    share_of_rows: float
    share_of_wins: float


class CalibrationBin(BaseModel):
    score_range: tuple[float, float]  # lowest and highest score in the bin
    rows: int
    mean_score: float
    observed: Rate


class Evaluation(BaseModel):
    rows: int
    positives: int
    base_rate: Rate
    auc: float | None  # null when all rows share one outcome
    auc_interval: tuple[float, float] | None  # bootstrap 95%, resampling whole groups when groups are given
    top_decile_lift: float | None  # win rate at or above the 90th score percentile / base rate
    green_lift: float | None  # green win rate / base rate
    tiers: list[TierResult]  # green, yellow, red: always all three
    tiers_ordered: bool | None  # green > yellow > red win rates; null when a tier has < 5 rows
    tiers_separate: bool | None  # green's Wilson interval lies entirely above red's
    calibration: list[CalibrationBin]  # score quintiles (fewer bins when scores tie)
    small_sample: bool  # < 20 wins, < 20 losses or < 60 rows
    verdict: str


class Baseline(BaseModel):
    name: str
    auc: float | None
    auc_interval: tuple[float, float] | None
    note: str


class ValidationReport(BaseModel):
    """How the ICP's method does on held-out rows, against baselines."""

    icp: str
    version: int
    split: str = Field(description="How rows were split into fit and test")
    unit: Literal["deals", "accounts"]
    evaluation: Evaluation
    baselines: list[Baseline]
    verdict: str
    notes: list[str]


# -- drift (:mod:`.drift_stats`, :mod:`.drift`) ------------------------------------------------------------------------

Kind = Literal["category", "multi", "number"]


Level = Literal["none", "moderate", "significant"]


class AttributeDrift(BaseModel):
    """How one attribute moved between the reference and the recent sample."""

    attribute: str
    kind: Kind
    psi: float | None = Field(description="Population stability index of the mix among filled rows")
    psi_level: Level | None = Field(description="< 0.1 none, 0.1-0.25 moderate, > 0.25 significant (conventions)")
    test: Literal["ks", "chi2"] | None = Field(description="KS for numbers, chi-square for categories")
    p_value: float | None = Field(description="Reported, not judged by: large samples make every p-value tiny")
    effect: float | None = Field(description="KS statistic (numbers) or Cramer's V (categories), 0-1")
    coverage_reference: float = Field(description="Share of reference rows with a value, 0-1")
    coverage_recent: float = Field(description="Share of recent rows with a value, 0-1")
    coverage_drift: bool = Field(description="Filled share moved by >= 0.15, or the values look recoded")
    recoding: bool = Field(description=">= 30% of recent filled rows carry values the reference never had")
    new_values: list[str] = Field(description="Up to 5 recent values unseen in the reference (recoding hint)")
    top_shifts: list[tuple[str, float, float]] = Field(description="Up to 3 (value or bin, reference, recent share)")
    psi_noise: float | None = Field(
        None, description="95th percentile of PSI between the reference and random samples of it of the recent size"
    )
    statement: str


class DriftReport(BaseModel):
    """Attribute-by-attribute drift of a recent sample against a reference sample."""

    reference_n: int
    recent_n: int
    enough: bool = Field(description=f"Both samples have enough rows (recent >= min_recent, reference >= {MIN_N})")
    verdict: str
    attributes: list[AttributeDrift] = Field(description="Sorted by PSI, largest first (not comparable last)")
    truncated: bool = Field(description="More attributes were compared than are listed")


class TierRates(BaseModel):
    green: Rate | None
    yellow: Rate | None
    red: Rate | None


class DriftCheck(BaseModel):
    """The quarterly review of an ICP against recent wins."""

    icp: str
    version: int
    reference: str = Field(description="Which wins the comparison starts from")
    recent: str = Field(description="Which wins are compared")
    enough: bool = Field(description=f"At least {MIN_N} recent wins")
    verdict: str
    red_share_before: Rate = Field(description="Share of reference wins that score red")
    red_share_now: Rate = Field(description="Share of recent wins that score red")
    tier_win_rates_before: TierRates
    tier_win_rates_now: TierRates
    attributes: DriftReport

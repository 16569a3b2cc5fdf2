"""What segmentation returns (segments with their traits, outcomes and outliers; the ranking of segments; the
segment a prospect resembles most), in a module that imports neither pandas nor numpy: the server declares
segment_accounts', rank_segments' and score_prospect's output schemas with these when it starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from icp_assistant.tools.core.schemas import MIN_N, Rate

# -- a segment's profile (:mod:`.segment_profile`) ---------------------------------------------------------------------


class Trait(BaseModel):
    attribute: str
    value: str
    support: float = Field(description="Share of the segment with this value, 0-1")
    base_rate: float = Field(description="Share of all accounts with this value, 0-1")
    lift: float
    accounts: int


class Outcomes(BaseModel):
    """How the accounts in a group turned out."""

    win_rate: Rate | None = Field(None, description="Won / (won + lost) closed deals, or accounts when no deals")
    base_win_rate: float | None = None
    churn: Rate | None = Field(None, description="Churned / customers")
    median_value: float | None = Field(None, description="Median primary value per customer")
    total_value: float | None = None
    median_cycle_days: float | None = None


class Outlier(BaseModel):
    name: str
    reason: str


# -- segmentations (:mod:`.segments`) ----------------------------------------------------------------------------------


class Segment(BaseModel):
    id: int
    name: str = Field(description="From the defining values and most distinctive traits; 'Mixed' when none")
    accounts: int
    share: float = Field(description="Share of all accounts, 0-1")
    definition: dict[str, str] | None = Field(None, description="Dimension values (dimension mode)")
    traits: list[Trait] = Field(description="Distinctive traits: support >= 20%, lift >= 1.5, n >= 5, BH q < .05")
    numeric: dict[str, tuple[float, float]] = Field(description="Median in segment, median overall")
    outcomes: Outcomes
    outliers: list[Outlier]
    mixed: bool = Field(description="True when nothing distinguishes the segment")


class Segmentation(BaseModel):
    """Segments of a dataset, saved under `name` for rank_segments and later tools."""

    name: str
    dataset: str
    mode: Literal["dimensions", "discovered"]
    dimensions: list[str]
    k: int = Field(description="Number of segments")
    reason: str = Field(description="Why these segments (dimension choice, or how k was chosen)")
    stable: bool | None = Field(None, description="Discovered mode: whether any k was stable under resampling")
    diagnostics: list[dict[str, float | int | bool | None]] = Field(default_factory=list)
    min_size: int
    segments: list[Segment]
    segments_total: int
    truncated: bool
    table_path: str
    membership_path: str
    chart_path: str | None = None
    notes: list[str]


# -- ranking (:mod:`.ranking`) -----------------------------------------------------------------------------------------

MIN_ACCOUNTS = 10


class RankedAccount(BaseModel):
    name: str
    value: float | None
    cycle_days: float | None
    win_rate: float | None


class RankedSegment(BaseModel):
    rank: int
    segment_id: int
    name: str
    accounts: int
    priority: float = Field(description="Combined priority 0-100 (weighted mean of criterion percentiles)")
    profitability: float | None = Field(description="Median primary value per account")
    likelihood: Rate | None = Field(description="Win rate with Wilson interval")
    velocity_days: float | None = Field(description="Median sales cycle (days) of won deals; lower is faster")
    scores: dict[str, float] = Field(description="Percentile 0-100 per criterion among segments (shrunk)")
    low_confidence: bool = Field(description=f"Fewer than {MIN_ACCOUNTS} accounts or {MIN_N} closed deals")
    evidence: str
    top_accounts: list[RankedAccount]


class SegmentRanking(BaseModel):
    """Segments ranked for targeting, with the weights and evidence stated."""

    segmentation: str
    dataset: str
    weights: dict[str, float]
    criteria: dict[str, str] = Field(description="What each criterion measures")
    base_win_rate: float | None
    ranked: list[RankedSegment]
    total: int
    truncated: bool
    table_path: str
    notes: list[str]


# -- the segment a prospect resembles (:mod:`.targets`) ----------------------------------------------------------------


class NearestSegment(BaseModel):
    """The ICP segment a prospect resembles most."""

    name: str
    target: bool
    matched: list[str] = Field(description="Profile values the prospect shares")
    differs: list[str] = Field(description="Profile values the prospect has otherwise")
    unknown: list[str] = Field(description="Profile attributes the prospect does not give")
    similarity: float = Field(description="Share of the segment's profile the prospect matches, 0-1")

"""The ICP and what scoring with it returns (an ICP version's summary, one prospect's score, a scored list, an
export, a market size) and the rubric a caller sets, in a module that imports neither pandas nor numpy.

The server declares its tools' input and output schemas with these when it starts, before any tool has run; the
modules that compute them import them from here, so loading the server does not load pandas. Validation and drift
are in :mod:`.review_schemas`, the team reviews (pipeline, adoption, expansion) in :mod:`.team_schemas`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from icp_assistant.tools.analysis.segment_schemas import NearestSegment
from icp_assistant.tools.core.schemas import Rate
from icp_assistant.tools.store.schemas import Candidate, MatchedBy

# -- ICP versions (:mod:`.icp`, :mod:`.rubric`) ------------------------------------------------------------------------

Tier = Literal["green", "yellow", "red", "unscored"]


class Thresholds(BaseModel):
    green: int = Field(80, ge=1, le=100, description="Score from which an account is green")
    yellow: int = Field(60, ge=0, le=99, description="Score from which an account is yellow")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.yellow >= self.green:
            raise ValueError(f"thresholds out of order: yellow ({self.yellow}) must be below green ({self.green})")
        return self


class ICPSummary(BaseModel):
    """A saved ICP version, compactly: where it is, what it scores and on what evidence."""

    name: str
    version: int
    path: str = Field(description="The version's JSON file (readable, editable by hand)")
    comparison: str
    method: str
    base: int
    criteria: list[str] = Field(description="Strongest criteria as 'label: +N points' (capped)")
    criteria_total: int
    thresholds: Thresholds
    gates: list[str]
    rubric: list[str] = Field(default_factory=list, description="Group weights: 'name weight: attributes'")
    best_fit: list[str]
    good_fit: list[str]
    red_flags: list[str]
    training_tiers: dict[str, Rate]
    segmentation: str | None = None
    segments: list[str] = Field(default_factory=list, description="Segments: size, median score, target or not")
    excluded: list[str]
    notes: list[str]


class RubricGroup(BaseModel):
    """A named group of attributes and its share of the 100 points."""

    name: str = Field(description="e.g. 'must-have', 'growth', 'technical fit'")
    attributes: list[str] = Field(min_length=1, description="Columns in the group, e.g. ['industry', 'size_band']")
    weight: int = Field(ge=0, le=100, description="Points the group spans (all weights add to 100)")

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a rubric group needs a name, e.g. 'growth'")
        return value.strip()


# -- one prospect (:mod:`.prospect`) -----------------------------------------------------------------------------------


class Reason(BaseModel):
    criterion: str = Field(description="The criterion in plain words")
    points: int = Field(description="Points it added (negative: removed)")


class MissingAttribute(BaseModel):
    attribute: str
    could_add: int = Field(description="Most points a known value could add")
    could_remove: int = Field(description="Most points a known value could remove (<= 0)")
    costs: int = Field(0, description="Points the 'not recorded' level gives now (learned: missingness carried signal)")
    why: str | None = Field(None, description="Why an unknown value costs or adds points here")


class FoundCompany(BaseModel):
    """The row of a loaded dataset that a company name, domain or id was found at."""

    dataset: str
    file: str | None = Field(None, description="The file the dataset was loaded from")
    row: int = Field(description="Row in that file (1 = first data row), as score_prospects numbers rows")
    id: str | None = Field(None, description="Its id in the file")
    name: str | None = Field(None, description="Its name in the file")
    domain: str | None = Field(None, description="Its domain in the file")
    matched_by: MatchedBy = Field(description="How it was found: domain, name, id, or the dataset row given")
    outcome: str | None = Field(None, description="Its outcome in that dataset: won (a customer), lost, open")
    churned: bool | None = Field(None, description="A customer that churned (null: not known)")
    also_in: list[Candidate] = Field(default_factory=list, description="Other rows of the same company (not used)")
    note: str | None = Field(None, description="How to read the row number, when duplicates were removed at load")


class ProspectScore(BaseModel):
    """A prospect's fit score with every point explained."""

    icp: str
    version: int
    score: int | None = Field(description="Fit score 0-100 after gates; null when the ICP has no criteria")
    tier: Tier
    gate: str | None = Field(None, description="Hard gate failed (must-have not met / disqualified): shown first")
    explanation: str = Field(description="base + points = score, in one line")
    base: int
    reasons: list[Reason] = Field(description="Matched criteria with their points, largest first")
    missing: list[MissingAttribute] = Field(description="Attributes the ICP uses that the prospect does not give")
    score_range: tuple[int, int] = Field(description="Lowest and highest score once the missing attributes are known")
    segment: NearestSegment | None = Field(None, description="The ICP segment it resembles most (null: none)")
    readiness: float | None = Field(None, description="0-100 from intent / stage / funding / growth; null: no signal")
    cell: str = Field(description="Place on the fit x readiness grid")
    action: str = Field(description="Recommended next step for that cell")
    read_as: dict[str, str] = Field(description="How the given fields were read (canonical field: value)")
    ignored: list[str] = Field(description="Given fields the ICP does not use")
    found: FoundCompany | None = Field(None, description="Where the company was found (looked up by name/domain)")
    overridden: dict[str, str] = Field(
        default_factory=dict, description="Found values replaced by given fields: field -> 'found -> given'"
    )
    customer: str | None = Field(None, description="For an existing customer: whether it sits inside the ICP")


# -- a scored list (:mod:`.bulk`, :mod:`.workbook`) --------------------------------------------------------------------

XLSX_ROW_CAP = 25_000  # rows a person works in a sheet; CSV and Parquet hold every row (a sheet row costs ~0.18 ms)


class TopProspect(BaseModel):
    name: str = Field(description="Company name, or 'row N' when the file has no name column")
    row: int = Field(description="Row number in the input file (1 = first data row)")
    score: int | None
    tier: str
    reasons: str
    segment: str | None = None
    action: str


class ProspectList(BaseModel):
    """A scored target account list: counts per tier, the top accounts, where the full list is."""

    icp: str
    version: int
    rows: int
    rows_in: int = Field(description="Data rows read from the file")
    rows_out: int = Field(description="Rows in the list: every input row, duplicates flagged in duplicate_of")
    duplicates: int = Field(description="Rows repeating an earlier row exactly (kept, flagged)")
    tiers: dict[str, int] = Field(description="Prospects per tier")
    gated: int = Field(description="Prospects capped in red by a must-have or disqualifier")
    grid: dict[str, int] = Field(description="Prospects per fit x readiness cell (readiness from intent signals)")
    segments: dict[str, int] = Field(
        default_factory=dict, description="Prospects per nearest ICP segment (top 8; '(none)': matches no segment)"
    )
    top: list[TopProspect]
    csv_path: str = Field(description="The full list, every row (spreadsheet-safe CSV)")
    parquet_path: str = Field(description="The full list, every row, typed values as they are (Parquet)")
    xlsx_path: str = Field(description="The list as a formatted workbook with a summary sheet")
    xlsx_rows: int = Field(
        description=f"Rows in the workbook: every row, or the top {XLSX_ROW_CAP:,} by score when the list is longer"
    )
    xlsx_note: str | None = Field(None, description="Set when the workbook holds only the top rows")
    data_notes: list[str] = Field(description="Data-quality notes from loading the file (capped)")


# -- export (:mod:`.export`) -------------------------------------------------------------------------------------------


class Export(BaseModel):
    icp: str
    version: int
    sql_path: str = Field(description="The scoring SELECT for DuckDB and ANSI engines (Postgres, Snowflake...)")
    spark_sql_path: str = Field(description="The same SELECT in Spark SQL (Databricks)")
    spec_path: str = Field(description="JSON spec: base, criteria with points, thresholds, gates")
    rules_path: str = Field(description="CRM scoring rules (HubSpot-style: property, operator, value, points)")
    table: str = Field(description="Table name the SQL reads (replace it with yours)")
    criteria: int
    sql_preview: str = Field(description="The first lines of the SQL")


# -- market size (:mod:`.market`) --------------------------------------------------------------------------------------


class Slice(BaseModel):
    name: str
    accounts: int
    value: float


class MarketSize(BaseModel):
    """TAM, SAM and SOM with every assumption stated."""

    icp: str
    universe: int = Field(description="Accounts in the universe file")
    tam: Slice
    sam: Slice = Field(description="Green + yellow accounts")
    som: Slice
    som_limited_by: str = Field(description="'share' or 'capacity'")
    by_tier: list[Slice]
    by_size: list[Slice]
    assumptions: list[str]
    sensitivity: dict[str, float] = Field(description="SOM value under changed assumptions")
    som_accounts_path: str

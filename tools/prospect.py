"""score_prospect: one company, described with fields in any common naming, scored with an ICP version.

The description goes through the same header mapping, value parsing and derivation as a loaded file
("Employees": "51-200" -> employee_count 125.5 -> size band Midsize), so a prospect is read exactly
like a row of an export. The result explains every point: base + each matched criterion = score;
attributes the prospect lacks are listed with how far they could move the score, never counted as bad.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pydantic import BaseModel, Field

from .attributes import add_bands
from .cleaning import clean_table
from .derive import derive_account_fields
from .errors import InsufficientDataError, listing
from .icp import ICPVersion, Tier, score_rows
from .mapping import HeaderMapping, map_headers
from .readiness import grid_action, readiness
from .scorecard import point_range
from .targets import NearestSegment, nearest_segment

MAX_REASONS = 10
FEEDS = {  # a given field also counts as used when the ICP scores something derived from it
    "employee_count": {"employee_band", "size_band"},
    "annual_revenue": {"revenue_band", "size_band"},
    "country": {"region"},
    "founded_year": {"company_age", "age_band"},
}


class Reason(BaseModel):
    criterion: str = Field(description="The criterion in plain words")
    points: int = Field(description="Points it added (negative: removed)")


class MissingAttribute(BaseModel):
    attribute: str
    could_add: int = Field(description="Most points a known value could add")
    could_remove: int = Field(description="Most points a known value could remove (<= 0)")
    costs: int = Field(0, description="Points the 'not recorded' level gives now (learned: missingness carried signal)")
    why: str | None = Field(None, description="Why an unknown value costs or adds points here")


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


def prospect_row(fields: Mapping[str, object]) -> tuple[pd.DataFrame, HeaderMapping]:
    """One cleaned, derived row from a dict of fields named any common way, and how the names were mapped."""
    if not fields:
        raise InsufficientDataError("The prospect has no fields. Give at least industry, employees or country.")
    raw = pd.DataFrame([{str(k): ("" if v is None else str(v)) for k, v in fields.items()}])
    raw = raw.replace("", None)
    mapping = map_headers(list(raw.columns))
    table = clean_table(raw, mapping).frame
    derive_account_fields(table, revenue_scaled_by_header=True)
    return add_bands(table), mapping


def _range(icp: ICPVersion, missing: list[str]) -> list[MissingAttribute]:
    """How far each unknown attribute could move the score once known, from what its 'not recorded' level (if
    one was learned) gives now."""
    out = []
    for attribute in missing:
        known = [c for c in icp.scorecard.criteria if c.attribute == attribute and c.kind != "missing"]
        now = sum(c.points for c in icp.scorecard.criteria if c.attribute == attribute and c.kind == "missing")
        low, high = point_range(known, attribute)
        why = None
        if now:
            outcome = next(
                c.outcome_with for c in icp.scorecard.criteria if c.attribute == attribute and c.kind == "missing"
            )
            share = f" (won {outcome.rate:.0%} of {outcome.n:,})" if outcome and outcome.rate is not None else ""
            why = f"accounts with {attribute} not recorded did {'better' if now > 0 else 'worse'}{share}"
        out.append(MissingAttribute(attribute=attribute, could_add=high - now, could_remove=low - now, costs=now,
                                    why=why))  # fmt: skip
    return sorted(out, key=lambda m: -(m.could_add - m.could_remove))


def _ignored(fields: Mapping[str, object], mapping: HeaderMapping, used: set[str]) -> list[str]:
    """Given fields that feed nothing the ICP scores (directly, under their own name, or through a derived band)."""
    field_of = {m.column: f for f, m in mapping.matches.items()}
    out = []
    for key in fields:
        column = field_of.get(str(key), str(key))
        if not ({column} | FEEDS.get(column, set())) & used:
            out.append(str(key))
    return out[:10]


def score_prospect(icp: ICPVersion, fields: Mapping[str, object]) -> ProspectScore:
    row, mapping = prospect_row(fields)
    used = set(icp.scorecard.attributes)
    present = {c for c in used if c in row and row[c].notna().iloc[0]}
    if not present and icp.scorecard.scored:
        raise InsufficientDataError(
            f"None of the given fields ({listing(fields)}) tells anything the ICP scores. It uses: "
            f"{listing(sorted(used))}. Add e.g. industry, employees, country or technologies."
        )
    scored = score_rows(icp, row).iloc[0]
    labels = {c.id: c.label for c in icp.scorecard.criteria}
    reasons = [
        Reason(criterion=labels[key], points=int(scored[key]))
        for key in labels
        if key in scored.index and int(scored[key]) != 0
    ]
    reasons.sort(key=lambda r: -abs(r.points))
    missing = _range(icp, sorted(used - present))
    score: int | None = int(scored["score"]) if icp.scorecard.scored or scored["gate"] else None
    low = max(0, min(100, int(scored["raw_score"]) + sum(m.could_remove for m in missing)))
    high = max(0, min(100, int(scored["raw_score"]) + sum(m.could_add for m in missing)))
    terms = "".join(f" {r.points:+d} ({r.criterion})" for r in reasons)
    gate = str(scored["gate"]) or None
    explanation = f"{icp.scorecard.base} (base){terms} = {int(scored['raw_score'])}"
    if not icp.scorecard.scored:
        explanation = "Unscored: no attribute predicts the outcome in this data, so no fit score is given"
    if gate:
        explanation += f"; capped at {score} because {gate}"
    ready = readiness(row, relative=False).iloc[0]
    ready_value = None if pd.isna(ready) else float(ready)
    cell, action = grid_action(str(scored["tier"]), ready_value)
    read_as = {
        c: str(row[c].iloc[0]) for c in row.columns if row[c].notna().iloc[0] and not c.endswith(("_low", "_high"))
    }
    return ProspectScore(
        icp=icp.name, version=icp.version, score=score, tier=scored["tier"], gate=gate, explanation=explanation,
        base=icp.scorecard.base, reasons=reasons[:MAX_REASONS], missing=missing, score_range=(low, high),
        segment=nearest_segment(icp.segments, row), readiness=ready_value, cell=cell,
        action=action,
        read_as=dict(list(read_as.items())[:20]),
        ignored=_ignored(fields, mapping, used),
    )  # fmt: skip

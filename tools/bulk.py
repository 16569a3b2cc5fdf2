"""score_prospects: a prospect file scored in bulk into a prioritised target account list.

The file is loaded like any export (same formats, header mapping and cleaning), scored vectorised,
and written sorted by score to CSV and XLSX. Text cells that a spreadsheet would run as a formula
(starting with =, +, -, @, tab or carriage return) are prefixed with an apostrophe, so the list is
safe to open in Excel. The result is a compact summary; the full list is in the files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, Field

from .attributes import add_bands
from .dataset import LoadOptions, load_accounts, open_dataset
from .icp import ICPVersion, score_rows
from .readiness import grid_action, readiness
from .targets import segment_labels
from .workspace import Workspace, atomic_write

TOP = 10
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KEEP = ("name", "domain", "industry", "employee_count", "annual_revenue", "country", "region", "size_band")
Progress = Callable[[float, str], None]


class TopProspect(BaseModel):
    name: str
    score: int
    tier: str
    reasons: str
    segment: str | None = None
    action: str


class ProspectList(BaseModel):
    """A scored target account list: counts per tier, the top accounts, where the full list is."""

    icp: str
    version: int
    rows: int
    tiers: dict[str, int] = Field(description="Prospects per tier")
    gated: int = Field(description="Prospects capped in red by a must-have or disqualifier")
    grid: dict[str, int] = Field(description="Prospects per fit x readiness cell (readiness from intent signals)")
    segments: dict[str, int] = Field(
        default_factory=dict, description="Prospects per nearest ICP segment (top 8; '(none)': matches no segment)"
    )
    top: list[TopProspect]
    csv_path: str
    xlsx_path: str
    data_notes: list[str] = Field(description="Data-quality notes from loading the file (capped)")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would evaluate as a formula."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            text = out[column].astype("object")
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            out[column] = text.where(~risky, "'" + text.astype(str))
    return out


def _reasons(icp: ICPVersion, scored: pd.DataFrame) -> pd.Series:
    labels = {c.id: (c.label, c.points) for c in icp.scorecard.criteria if c.id in scored}
    ordered = sorted(labels, key=lambda k: -abs(labels[k][1]))

    def explain(row: pd.Series) -> str:
        parts = [f"{labels[k][0]} ({int(row[k]):+d})" for k in ordered if row[k] != 0][:3]
        return "; ".join(parts)

    return scored[ordered].apply(explain, axis=1) if ordered else pd.Series("", index=scored.index)


def _grid(listing: pd.DataFrame) -> dict[str, int]:
    return {str(cell): int(count) for cell, count in listing["cell"].value_counts().items()}


def _segments(listing: pd.DataFrame) -> dict[str, int]:
    if "segment" not in listing:
        return {}
    counts = listing["segment"].replace("", "(none)").value_counts()
    return {str(k): int(v) for k, v in counts.head(8).items()}


def score_prospects(
    icp: ICPVersion, path: Path, workspace: Workspace, options: LoadOptions, progress: Progress | None = None
) -> ProspectList:
    report = progress or (lambda _f, _m: None)
    card = load_accounts(path, workspace, options, progress=lambda f, m: report(f * 0.5, m))
    data = open_dataset(workspace, card.name)
    report(0.6, "scoring")
    rows = add_bands(data.accounts)
    scored = score_rows(icp, rows)
    listing = rows[[c for c in KEEP if c in rows]].join(scored[["score", "tier", "gate"]])
    listing["reasons"] = _reasons(icp, scored)
    if icp.segments:
        listing["segment"] = segment_labels(icp.segments, rows)
    listing["readiness"] = readiness(rows)
    cells = [grid_action(t, r) for t, r in zip(listing["tier"], listing["readiness"], strict=True)]
    listing["cell"], listing["action"] = [c for c, _ in cells], [a for _, a in cells]
    listing = listing.sort_values("score", ascending=False, kind="stable")
    report(0.8, "writing the list")
    folder = workspace.folder("prospect-lists", f"{card.name}-{icp.name}-v{icp.version}")
    safe = excel_safe(listing)
    csv_path = atomic_write(folder / "prospects_scored.csv", lambda tmp: safe.to_csv(tmp, index=False))
    xlsx_path = atomic_write(
        folder / "prospects_scored.xlsx", lambda tmp: safe.to_excel(tmp, index=False, engine="openpyxl")
    )
    names = listing.get("name", pd.Series(listing.index.astype(str), index=listing.index))
    top = [
        TopProspect(name=str(names[i]), score=int(listing.at[i, "score"]), tier=str(listing.at[i, "tier"]),
                    reasons=str(listing.at[i, "reasons"]), action=str(listing.at[i, "action"]),
                    segment=str(listing.at[i, "segment"]) or None if "segment" in listing else None)
        for i in listing.index[:TOP]
    ]  # fmt: skip
    return ProspectList(
        icp=icp.name, version=icp.version, rows=len(listing),
        tiers={t: int(listing["tier"].eq(t).sum()) for t in ("green", "yellow", "red")},
        gated=int(listing["gate"].ne("").sum()), grid=_grid(listing), segments=_segments(listing), top=top,
        csv_path=str(csv_path),
        xlsx_path=str(xlsx_path),
        data_notes=card.warnings[:5],
    )  # fmt: skip

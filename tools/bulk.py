"""score_prospects: a prospect file scored in bulk into a prioritised target account list.

The file is loaded like any export (same formats, header mapping and cleaning) but keeps every row:
each row is scored under its row number in the file (1 = first data row), with the file's own id /
name / domain columns under their original headers and any ``carry`` columns; rows repeating an
earlier row are flagged in ``duplicate_of``, never removed. The list is sorted by score and written
to CSV and XLSX by the workspace's spreadsheet-safe writer. The result is a compact summary; the
full list is in the files.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, Field

from .attributes import add_bands
from .card import DatasetCard
from .dataset import LoadOptions, load_accounts, open_dataset
from .errors import OptionError, listing
from .icp import ICPVersion, score_rows
from .readiness import grid_action, readiness
from .targets import segment_labels
from .workspace import Workspace, write_table

TOP = 10
IDENTITY = ("account_id", "name", "domain")
KEEP = ("industry", "employee_count", "annual_revenue", "country", "region", "size_band")
Progress = Callable[[float, str], None]


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
    csv_path: str
    xlsx_path: str
    data_notes: list[str] = Field(description="Data-quality notes from loading the file (capped)")


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


def _is_identity(column: str, kinds: dict[str, str]) -> bool:
    return column in IDENTITY or kinds.get(column) == "id" or bool(re.search(r"(^|[\s_])id$", column, re.IGNORECASE))


def _identity(card: DatasetCard, rows: pd.DataFrame, kinds: dict[str, str], carry: list[str]) -> pd.DataFrame:
    """The row number, the input's id / name / domain columns under their own headers, and the carried columns."""
    header = {f.field: f.source or f.field for f in card.fields}
    by_header = {source: field for field, source in header.items()}
    unknown = [c for c in carry if c not in by_header and c not in rows]
    if unknown:
        known = [header.get(c, c) for c in rows.columns if not c.endswith(("_low", "_high"))]
        raise OptionError(f"carry: no column {unknown} in the file. Its columns are: {listing(known, 60)}.")
    out = pd.DataFrame({"row": rows.index + 1}, index=rows.index)
    identity = [c for c in IDENTITY if c in rows] + [c for c in rows if c not in IDENTITY and _is_identity(c, kinds)]
    for column in identity + [by_header.get(c, c) for c in carry]:
        out[header.get(column, column)] = rows[column]
    return out


def _duplicates(rows: pd.DataFrame) -> pd.Series:
    """For each row repeating an earlier one exactly, the row number of the first; else empty."""
    hashes = pd.util.hash_pandas_object(rows, index=False)
    first = pd.Series(rows.index + 1, index=rows.index).groupby(hashes.to_numpy()).transform("min")
    return first.where(first != rows.index + 1).astype("Int64")


def score_prospects(
    icp: ICPVersion,
    path: Path,
    workspace: Workspace,
    options: LoadOptions,
    progress: Progress | None = None,
    carry: list[str] | None = None,
) -> ProspectList:
    """Score every row of a prospect file (duplicates flagged, never removed) into a target list."""
    report = progress or (lambda _f, _m: None)
    options = dataclasses.replace(options, keep_duplicates=True)
    card = load_accounts(path, workspace, options, progress=lambda f, m: report(f * 0.5, m))
    data = open_dataset(workspace, card.name)
    report(0.6, "scoring")
    rows = add_bands(data.accounts)
    scored = score_rows(icp, rows)
    listing_ = _identity(card, data.accounts, data.kinds, carry or []).join(rows[[c for c in KEEP if c in rows]])
    listing_ = listing_.join(scored[["score", "tier", "gate"]])
    listing_["score"] = listing_["score"].astype("Int64").where(listing_["tier"].ne("unscored"))
    listing_["reasons"] = _reasons(icp, scored)
    if icp.segments:
        listing_["segment"] = segment_labels(icp.segments, rows)
    listing_["readiness"] = readiness(rows)
    cells = [grid_action(t, r) for t, r in zip(listing_["tier"], listing_["readiness"], strict=True)]
    listing_["cell"], listing_["action"] = [c for c, _ in cells], [a for _, a in cells]
    listing_["duplicate_of"] = _duplicates(data.accounts)
    ordered = listing_.assign(_rank=scored["score"]).sort_values(["_rank", "row"], ascending=[False, True])
    listing_ = ordered.drop(columns="_rank")
    report(0.8, "writing the list")
    folder = workspace.folder("prospect-lists", f"{card.name}-{icp.name}-v{icp.version}")
    csv_path = write_table(listing_, folder / "prospects_scored.csv")
    xlsx_path = write_table(listing_, folder / "prospects_scored.xlsx")
    return _summary(icp, card, listing_, csv_path, xlsx_path)


def _summary(
    icp: ICPVersion, card: DatasetCard, listing_: pd.DataFrame, csv_path: Path, xlsx_path: Path
) -> ProspectList:
    name_column = next((c for c in listing_.columns if c in _name_headers(card)), None)
    top = [
        TopProspect(
            name=str(listing_.at[i, name_column]) if name_column else f"row {listing_.at[i, 'row']}",
            row=int(listing_.at[i, "row"]),
            score=None if pd.isna(listing_.at[i, "score"]) else int(listing_.at[i, "score"]),
            tier=str(listing_.at[i, "tier"]), reasons=str(listing_.at[i, "reasons"]),
            action=str(listing_.at[i, "action"]),
            segment=(str(listing_.at[i, "segment"]) or None) if "segment" in listing_ else None,
        )
        for i in listing_.index[:TOP]
    ]  # fmt: skip
    duplicates = int(listing_["duplicate_of"].notna().sum())
    notes = card.warnings[:5]
    if not icp.scorecard.scored:
        notes = ["No attribute predicts the outcome in this data: prospects are left unscored, not called red.", *notes]
    return ProspectList(
        icp=icp.name, version=icp.version, rows=len(listing_), rows_in=card.rows, rows_out=len(listing_),
        duplicates=duplicates,
        tiers={t: int(listing_["tier"].eq(t).sum()) for t in ("green", "yellow", "red", "unscored")
               if t != "unscored" or icp.scorecard.scored is False},
        gated=int(listing_["gate"].ne("").sum()), grid=_grid(listing_), segments=_segments(listing_), top=top,
        csv_path=str(csv_path), xlsx_path=str(xlsx_path), data_notes=notes[:5],
    )  # fmt: skip


def _name_headers(card: DatasetCard) -> set[str]:
    """The header of the company-name column in the input (as kept in the list)."""
    return {f.source or f.field for f in card.fields if f.field == "name"}

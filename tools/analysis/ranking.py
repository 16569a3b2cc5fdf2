"""rank_segments: which segments (and accounts in them) to prioritise, by value, velocity and win rate.

Each criterion is ranked on a *shrunk* estimate: a segment's win rate is pulled toward the base rate
in proportion to how little evidence it has ((wins + 20 x base) / (deals + 20)), and medians of
small segments count for less. A segment below the minimum sample is marked low-confidence and
ranked after the confident ones, so a lucky handful of accounts cannot top the list.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import OptionError, listing
from icp_assistant.tools.core.stats import MIN_N, Rate, shrunk_rate
from icp_assistant.tools.store.workspace import Workspace, write_table

from .best_customers import METRICS, primary_value, value_scores
from .segment_schemas import MIN_ACCOUNTS, RankedAccount, RankedSegment, SegmentRanking
from .segments import open_segmentation

DEFAULT_WEIGHTS = {"profitability": 0.4, "likelihood": 0.35, "velocity": 0.25}
MAX_RANKED = 8
TOP_ACCOUNTS = 3


def _weights(requested: Mapping[str, float] | None) -> dict[str, float]:
    chosen = dict(requested or DEFAULT_WEIGHTS)
    unknown = [k for k in chosen if k not in DEFAULT_WEIGHTS]
    if unknown:
        raise OptionError(f"Unknown criteria {listing(unknown)}; use {listing(DEFAULT_WEIGHTS)}.")
    if any(w < 0 for w in chosen.values()) or sum(chosen.values()) <= 0:
        raise OptionError(f"Weights {chosen} must be non-negative and not all zero.")
    total = sum(chosen.values())
    return {k: round(v / total, 3) for k, v in chosen.items()}


def _segment_stats(frame: pd.DataFrame, labels: pd.Series, value: str | None, base: float | None) -> pd.DataFrame:
    grouped = frame.assign(segment=labels).groupby("segment")
    table = pd.DataFrame({"accounts": grouped.size()})
    if value:
        table["profitability"] = grouped[value].median()
    if "deals_won" in frame:
        table["won"] = grouped["deals_won"].sum()
        table["closed"] = grouped["deals_won"].sum() + grouped["deals_lost"].sum()
    if "median_cycle_days" in frame:
        table["velocity_days"] = grouped["median_cycle_days"].median()
    if base is not None and "closed" in table:
        table["likelihood_shrunk"] = [
            shrunk_rate(w, n, base) for w, n in zip(table["won"], table["closed"], strict=True)
        ]
    overall = {"profitability": table.get("profitability"), "velocity_days": table.get("velocity_days")}
    for column, series in overall.items():
        if series is not None:
            centre = series.median()
            weight = table["accounts"] / (table["accounts"] + MIN_ACCOUNTS)
            table[f"{column}_shrunk"] = weight * series + (1 - weight) * centre
    return table


def _percentiles(table: pd.DataFrame) -> pd.DataFrame:
    scores = pd.DataFrame(index=table.index)
    if "profitability_shrunk" in table:
        scores["profitability"] = table["profitability_shrunk"].rank(pct=True) * 100
    if "likelihood_shrunk" in table:
        scores["likelihood"] = table["likelihood_shrunk"].rank(pct=True) * 100
    if "velocity_days_shrunk" in table:
        scores["velocity"] = table["velocity_days_shrunk"].rank(pct=True, ascending=False) * 100
    return scores.round(1)


def _top_accounts(frame: pd.DataFrame, mask: pd.Series, value: str | None) -> list[RankedAccount]:
    part = frame[mask]
    weights = {m: 1.0 for m in (value, "median_cycle_days", "win_rate") if m and m in part and m in METRICS}
    if part.empty or not weights:
        return []
    score, _ = value_scores(part, weights)
    top = score.sort_values(ascending=False, kind="stable").head(TOP_ACCOUNTS).index
    return [
        RankedAccount(
            name=str(part.loc[i, "name"]) if "name" in part else str(i),
            value=float(part.loc[i, value]) if value and pd.notna(part.loc[i, value]) else None,
            cycle_days=float(part.loc[i, "median_cycle_days"])
            if "median_cycle_days" in part and pd.notna(part.loc[i, "median_cycle_days"])
            else None,
            win_rate=round(float(part.loc[i, "win_rate"]), 3)
            if "win_rate" in part and pd.notna(part.loc[i, "win_rate"])
            else None,
        )
        for i in top
    ]


def _evidence(row: pd.Series, likelihood: Rate | None) -> str:
    parts = [f"{int(row.accounts)} accounts"]
    if likelihood is not None and likelihood.rate is not None:
        parts.append(
            f"win rate {likelihood.rate:.0%} ({likelihood.hits}/{likelihood.n} deals, 95% CI "
            f"{likelihood.low:.0%}-{likelihood.high:.0%})"
        )
    if pd.notna(row.get("profitability")):
        parts.append(f"median value {row.profitability:,.0f}")
    if pd.notna(row.get("velocity_days")):
        parts.append(f"median cycle {row.velocity_days:.0f} days")
    return "; ".join(parts)


def rank_segments(
    dataset: Dataset, workspace: Workspace, segmentation: str, *, weights: Mapping[str, float] | None = None
) -> SegmentRanking:
    """Rank the segments of a saved segmentation, and the best accounts within each."""
    from icp_assistant.tools.core.stats import rate

    seg, labels = open_segmentation(workspace, segmentation)
    if seg.dataset != dataset.name:
        raise OptionError(f"Segmentation {segmentation!r} belongs to dataset {seg.dataset!r}, not {dataset.name!r}.")
    frame = dataset.accounts
    labels = labels.reindex(frame.index)
    value = primary_value(frame)
    base = None
    if "deals_won" in frame and (frame["deals_won"] + frame["deals_lost"]).sum() > 0:
        base = float(frame["deals_won"].sum() / (frame["deals_won"] + frame["deals_lost"]).sum())
    table = _segment_stats(frame, labels, value, base)
    scores = _percentiles(table)
    chosen = {k: w for k, w in _weights(weights).items() if k in scores}
    total_weight = sum(chosen.values()) or 1.0
    table["priority"] = sum(scores[k] * w for k, w in chosen.items()) / total_weight if chosen else 0.0
    table["low_confidence"] = (table["accounts"] < MIN_ACCOUNTS) | (table.get("closed", MIN_N) < MIN_N)
    table = table.sort_values(["low_confidence", "priority"], ascending=[True, False], kind="stable")
    names = {s.id: s.name for s in seg.segments}
    ranked = []
    for position, (segment_id, row) in enumerate(table.iterrows(), start=1):
        likelihood = rate(row["won"], row["closed"]) if "closed" in table and row["closed"] > 0 else None
        ranked.append(
            RankedSegment(
                rank=position,
                segment_id=int(segment_id),
                name=names.get(int(segment_id), f"segment {segment_id}"),
                accounts=int(row.accounts),
                priority=round(float(row.priority), 1),
                profitability=float(row["profitability"]) if pd.notna(row.get("profitability")) else None,
                likelihood=likelihood,
                velocity_days=float(row["velocity_days"]) if pd.notna(row.get("velocity_days")) else None,
                scores={k: float(scores.loc[segment_id, k]) for k in scores.columns},
                low_confidence=bool(row.low_confidence),
                evidence=_evidence(row, likelihood),
                top_accounts=_top_accounts(frame, labels.eq(segment_id), value),
            )
        )
    path = write_table(
        pd.DataFrame([r.model_dump(exclude={"top_accounts", "likelihood"}) for r in ranked]),
        workspace.folder("segmentations", segmentation) / "ranking.csv",
    )
    notes = [] if base is not None else ["No deal outcomes: likelihood and velocity cannot be ranked."]
    return SegmentRanking(
        segmentation=segmentation,
        dataset=dataset.name,
        weights=chosen,
        criteria={
            "profitability": f"median {value or 'value'} per account (higher is better)",
            "likelihood": "win rate of closed deals, shrunk toward the base rate for small samples",
            "velocity": "median days from deal creation to close for won deals (lower is better)",
        },
        base_win_rate=round(base, 4) if base is not None else None,
        ranked=ranked[:MAX_RANKED],
        total=len(ranked),
        truncated=len(ranked) > MAX_RANKED,
        table_path=str(path),
        notes=notes,
    )

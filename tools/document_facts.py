"""The facts behind the ICP document: every number it shows, computed here and nowhere else.

The document templates only format these facts; a test checks every number in a rendered document
against them. Each section's facts say where they come from; what the data cannot tell (pains,
triggers, personas without contacts) is left to the templates as a hypothesis with questions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .attributes import MULTI_SEPARATOR, add_bands
from .dataset import Dataset
from .icp import ICPVersion, score_rows
from .stats import rate

FIRMOGRAPHIC = (
    "industry",
    "size_band",
    "employee_band",
    "revenue_band",
    "region",
    "country",
    "ownership",
    "business_model",
    "age_band",
)
SIGNALS_NUMERIC = ("intent_score", "engagement_score", "web_visits", "job_openings", "employee_growth", "total_funding")
SIGNALS_CATEGORY = ("buying_stage", "funding_stage", "intent_topics")
TOP_VALUES, MIN_COUNT = 4, 5
PARTNER_LIFT = 1.2


def _rate(hits: int, n: int) -> dict[str, Any]:
    return rate(int(hits), int(n)).model_dump()


def _round(value: float, digits: int = 3) -> float:
    return float(round(float(value), digits))


def _values(series: pd.Series, multi: bool) -> pd.Series:
    values = series.dropna().astype(str)
    return values.str.split(MULTI_SEPARATOR).explode().str.strip() if multi else values


def mix(
    frame: pd.DataFrame, won: pd.Series, column: str, multi: bool = False, top: int = TOP_VALUES
) -> list[dict[str, Any]]:
    """The most common values among won customers, with their share there and among all accounts."""
    among_won = _values(frame.loc[won, column], multi)
    everyone = _values(frame[column], multi)
    n_won, n_all = int(frame.loc[won, column].notna().sum()), int(frame[column].notna().sum())
    if n_won < MIN_COUNT or n_all == 0:
        return []
    counts, all_counts = among_won.value_counts(), everyone.value_counts()
    rows = []
    for value, count in counts.head(top).items():
        share_won, share_all = count / n_won, all_counts.get(value, 0) / n_all
        rows.append({
            "value": str(value), "customers": int(count), "share_of_customers": _round(share_won),
            "share_of_accounts": _round(share_all), "lift": _round(share_won / share_all, 2) if share_all else None,
        })  # fmt: skip
    return rows


def firmographics(frame: pd.DataFrame, won: pd.Series) -> dict[str, list[dict[str, Any]]]:
    return {c: rows for c in FIRMOGRAPHIC if c in frame and (rows := mix(frame, won, c))}


def technographics(frame: pd.DataFrame, won: pd.Series) -> list[dict[str, Any]]:
    return mix(frame, won, "tech_stack", multi=True, top=10) if "tech_stack" in frame else []


def signals(frame: pd.DataFrame, won: pd.Series, lost: pd.Series) -> list[dict[str, Any]]:
    """Buying signals in the data: medians among won and lost accounts (numbers), top value (categories)."""
    out: list[dict[str, Any]] = []
    for column in SIGNALS_NUMERIC:
        if column in frame and frame.loc[won, column].notna().sum() >= MIN_COUNT:
            values = pd.to_numeric(frame[column], errors="coerce")
            out.append({
                "signal": column, "won_median": _round(values[won].median(), 2),
                "won_n": int(values[won].notna().sum()),
                "lost_median": _round(values[lost].median(), 2) if values[lost].notna().any() else None,
                "lost_n": int(values[lost].notna().sum()),
            })  # fmt: skip
    for column in SIGNALS_CATEGORY:
        if column in frame and (rows := mix(frame, won, column, multi=column == "intent_topics")):
            out.append({"signal": column, "top_values": rows})
    return out


def budget(dataset: Dataset) -> dict[str, Any] | None:
    """Won deal sizes: quartiles and count."""
    deals = dataset.deals
    if deals is None or "deal_amount" not in deals:
        return None
    amounts = pd.to_numeric(deals.loc[deals["outcome"].eq("won"), "deal_amount"], errors="coerce").dropna()
    if len(amounts) < MIN_COUNT:
        return None
    q25, q50, q75 = np.percentile(amounts, [25, 50, 75])
    return {"won_deals": len(amounts), "p25": _round(q25, 0), "median": _round(q50, 0), "p75": _round(q75, 0)}


def by_column_win_rates(deals: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    closed = deals[deals["outcome"].isin(["won", "lost"]) & deals[column].notna()]
    rows: list[tuple[int, dict[str, Any]]] = []
    for value, part in closed.groupby(column, observed=True):
        if len(part) >= MIN_COUNT:
            won = int(part["outcome"].eq("won").sum())
            rows.append((len(part), {"value": str(value), "deals": len(part), "win_rate": _rate(won, len(part))}))
    return [row for _, row in sorted(rows, key=lambda r: -r[0])[:6]]


def use_cases(dataset: Dataset) -> list[dict[str, Any]]:
    deals = dataset.deals
    return by_column_win_rates(deals, "deal_product") if deals is not None and "deal_product" in deals else []


def channels(dataset: Dataset, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Win rate by lead source, from deals when they carry it, else from accounts."""
    if dataset.deals is not None and "lead_source" in dataset.deals:
        return by_column_win_rates(dataset.deals, "lead_source")
    if "lead_source" in frame and "outcome" in frame:
        return by_column_win_rates(frame, "lead_source")
    return []


def partners(tech: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Technologies clearly more common among customers than overall: integration and marketplace candidates."""
    return [t for t in tech if t["lift"] is not None and t["lift"] >= PARTNER_LIFT and t["customers"] >= MIN_COUNT]


def tiers_among_accounts(icp: ICPVersion, frame: pd.DataFrame, won: pd.Series) -> dict[str, Any]:
    """How the ICP scores today's accounts and customers, and churn per tier among customers."""
    tiers = score_rows(icp, frame)["tier"]
    out: dict[str, Any] = {
        "accounts": {t: int(tiers.eq(t).sum()) for t in ("green", "yellow", "red")},
        "customers": {t: int((tiers.eq(t) & won).sum()) for t in ("green", "yellow", "red")},
    }
    if "churned" in frame and frame.loc[won, "churned"].notna().any():
        churned = frame["churned"].astype("boolean")
        out["churn"] = {
            t: _rate((churned & won & tiers.eq(t)).sum(), (won & tiers.eq(t) & churned.notna()).sum())
            for t in ("green", "yellow", "red")
        }
    return out


def dataset_facts(icp: ICPVersion, dataset: Dataset) -> dict[str, Any]:
    """Everything the document says about the data behind an ICP."""
    frame = add_bands(dataset.accounts)
    outcome = frame["outcome"] if "outcome" in frame else pd.Series("", index=frame.index)
    won, lost = outcome.eq("won"), outcome.eq("lost")
    tech = technographics(frame, won)
    card = dataset.card
    return {
        "dataset": {
            "name": dataset.name,
            "accounts": card.rows,
            "customers": int(won.sum()),
            "lost": int(lost.sum()),
            "deals": card.deals.deals if card.deals else None,
            "deal_outcomes": card.deals.outcomes if card.deals else None,
            "date_range": list(card.deals.date_range) if card.deals and card.deals.date_range else None,
            "files": [f.path.rsplit("/", 1)[-1] for f in card.files],
        },
        "firmographics": firmographics(frame, won),
        "technographics": tech,
        "partners": partners(tech),
        "signals": signals(frame, won, lost),
        "budget": budget(dataset),
        "use_cases": use_cases(dataset),
        "channels": channels(dataset, frame),
        "tiers_today": tiers_among_accounts(icp, frame, won),
    }

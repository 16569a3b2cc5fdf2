"""Realised rates per planted segment, computed from the clean frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .vocab import PROFILES


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(float(numerator) / float(denominator), 4) if denominator else None


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return round(float(values.median()), 1) if len(values) else None


def _group_stats(accounts: pd.DataFrame, deals: pd.DataFrame, in_accounts: pd.Series, in_deals: pd.Series) -> dict:
    stage = deals["Deal Stage"]
    won, lost = stage.eq("Closed Won"), stage.eq("Closed Lost")
    cycle = (deals["Close Date"] - deals["Create Date"].dt.normalize()).dt.days
    customers = accounts["Became a Customer Date"].notna()
    churned = accounts["Churn Date"].notna()
    closed = int((in_deals & (won | lost)).sum())
    return {
        "accounts": int(in_accounts.sum()),
        "deals": int(in_deals.sum()),
        "closed_deals": closed,
        "won_deals": int((in_deals & won).sum()),
        "win_rate": _ratio((in_deals & won).sum(), closed),
        "median_cycle_days_won": _median(cycle[in_deals & won]),
        "median_amount_won": _median(deals["Amount"][in_deals & won].astype("float64")),
        "customers": int((in_accounts & customers).sum()),
        "churn_rate": _ratio((in_accounts & churned).sum(), (in_accounts & customers).sum()),
        "mean_nps": _mean(accounts["NPS"][in_accounts]),
    }


def _mean(values: pd.Series) -> float | None:
    values = values.dropna().astype("float64")
    return round(float(values.mean()), 2) if len(values) else None


def _with_elsewhere(inside: dict, outside: dict, total_wins: int, total_accounts: int) -> dict:
    out = dict(inside)
    out["share_of_accounts"] = _ratio(inside["accounts"], total_accounts)
    out["share_of_wins"] = _ratio(inside["won_deals"], total_wins)
    for key in ("win_rate", "median_cycle_days_won", "median_amount_won", "churn_rate", "mean_nps"):
        out[f"{key}_elsewhere"] = outside[key]
    return out


def realised_rates(accounts: pd.DataFrame, deals: pd.DataFrame, labels: pd.Series) -> dict[str, dict[str, Any]]:
    """Per planted segment (and "all"): accounts, win rate, cycle, amounts, churn, NPS; from clean frames.

    Each segment also carries the same figures for all other accounts (``*_elsewhere``), its share of
    accounts and its share of all won deals.
    """
    segment_of = pd.Series(labels.to_numpy(), index=accounts["Company name"].to_numpy())
    deal_segment = deals["Associated Company"].map(segment_of)
    everyone = pd.Series(True, index=accounts.index)
    total = _group_stats(accounts, deals, everyone, deal_segment.notna())
    out = {}
    for name in PROFILES:
        in_accounts, in_deals = labels.eq(name), deal_segment.eq(name)
        inside = _group_stats(accounts, deals, in_accounts, in_deals)
        outside = _group_stats(accounts, deals, ~in_accounts, deal_segment.notna() & ~in_deals)
        out[name] = _with_elsewhere(inside, outside, total["won_deals"], total["accounts"])
    out["all"] = total
    return out

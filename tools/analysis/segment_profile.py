"""Describe a group of accounts honestly: distinctive traits, numeric profile, outcomes, outliers, name.

A trait is distinctive when at least 20% of the segment has it, it is at least 1.5x as common as in
all accounts, at least 5 accounts have it, and it survives Benjamini-Hochberg correction. A segment
with no such trait is called "Mixed" rather than given an invented persona.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from icp_assistant.tools.core.labels import field_label
from icp_assistant.tools.core.stats import bh_adjust, quantiles, rate, round_sig

from .attributes import OTHER, Attribute
from .contrast import AttributeValues, Comparison, value_tests
from .segment_schemas import Outcomes, Outlier, Trait

MIN_SUPPORT, MIN_TRAIT_LIFT, MIN_TRAIT_COUNT = 0.2, 1.5, 5
MAX_TRAITS, MAX_OUTLIERS = 3, 3
FAMILIES = (
    frozenset({"size_band", "employee_band", "revenue_band", "employee_count", "annual_revenue"}),
    frozenset({"country", "region", "state", "city"}),
    frozenset({"industry", "sub_industry", "sic_code", "naics_code"}),
)


def family(column: str) -> frozenset[str]:
    return next((f for f in FAMILIES if column in f), frozenset({column}))


def distinctive_traits(
    frame: pd.DataFrame, mask: pd.Series, attrs: list[Attribute], known: dict[str, AttributeValues] | None = None
) -> list[Trait]:
    """Traits of ``mask`` rows that pass support, lift, count and the corrected test (``known``: the frame's values,
    split once for all segments)."""
    table = value_tests(Comparison(frame, mask, "accounts", "segment vs all accounts"), attrs, deff=1.0, known=known)
    if table.empty:
        return []
    table["q"] = bh_adjust(table["p_value"].to_numpy())
    keep = table[
        (table["support"] >= MIN_SUPPORT)
        & (table["lift"] >= MIN_TRAIT_LIFT)
        & (table["in_group"] >= MIN_TRAIT_COUNT)
        & (table["q"] < 0.05)
        & (table["value"] != OTHER)
    ].sort_values(["lift", "support"], ascending=False)
    keep = keep.drop_duplicates("attribute")
    return [
        Trait(attribute=r.attribute, value=r.value, support=round(r.support, 3), base_rate=round(r.base_rate, 3),
              lift=round(r.lift, 2), accounts=int(r.in_group))
        for r in keep.head(MAX_TRAITS).itertuples()
    ]  # fmt: skip


def name_from(traits: list[Trait], fixed: list[str] | None = None, extra: int = 3) -> str:
    """Defining values, then the most distinctive traits, one per attribute family."""
    used: set[frozenset[str]] = set()
    picked: list[str] = []
    for trait in traits:
        if family(trait.attribute) not in used and len(picked) < extra:
            picked.append(trait.value)
            used.add(family(trait.attribute))
    parts = list(fixed or []) + picked
    return " · ".join(dict.fromkeys(parts)) if parts else "Mixed"


def numeric_profile(frame: pd.DataFrame, mask: pd.Series, columns: list[str]) -> dict[str, tuple[float, float]]:
    """Median in the segment and in all accounts, per numeric column."""
    out = {}
    for column in columns:
        inside, everyone = quantiles(frame.loc[mask, column]), quantiles(frame[column])
        if inside and everyone:
            out[column] = (round_sig(inside[1], 4) or 0.0, round_sig(everyone[1], 4) or 0.0)
    return out


def outcomes(frame: pd.DataFrame, mask: pd.Series, value: str | None, base_win: float | None) -> Outcomes:
    part = frame[mask]
    result = Outcomes(base_win_rate=round_sig(base_win))
    if "deals_won" in part and (part["deals_won"] + part["deals_lost"]).sum() > 0:
        result.win_rate = rate(part["deals_won"].sum(), (part["deals_won"] + part["deals_lost"]).sum())
    elif "outcome" in part and part["outcome"].isin(["won", "lost"]).any():
        closed = part["outcome"].isin(["won", "lost"])
        result.win_rate = rate(part.loc[closed, "outcome"].eq("won").sum(), closed.sum())
    if "churned" in part and part["churned"].notna().any():
        known = part["churned"].dropna()
        result.churn = rate(known.astype(bool).sum(), len(known))
    if value is not None and value in part and part[value].notna().any():
        result.median_value = round_sig(float(part[value].median()), 4)
        result.total_value = round_sig(float(part[value].sum()), 6)
    if "median_cycle_days" in part and part["median_cycle_days"].notna().any():
        result.median_cycle_days = round_sig(float(part["median_cycle_days"].median()), 3)
    return result


def base_win_rate(frame: pd.DataFrame) -> float | None:
    if "deals_won" in frame and (frame["deals_won"] + frame["deals_lost"]).sum() > 0:
        return float(frame["deals_won"].sum() / (frame["deals_won"] + frame["deals_lost"]).sum())
    if "outcome" in frame and frame["outcome"].isin(["won", "lost"]).any():
        closed = frame["outcome"].isin(["won", "lost"])
        return float(frame.loc[closed, "outcome"].eq("won").mean())
    return None


def outliers(frame: pd.DataFrame, mask: pd.Series, value: str | None) -> list[Outlier]:
    """Accounts whose value is far from their segment (robust z-score on log value above 3)."""
    if value is None or value not in frame or mask.sum() < 8:
        return []
    part = frame.loc[mask & frame[value].gt(0), [value] + (["name"] if "name" in frame else [])]
    logs = np.log10(part[value].astype(float))
    mad = float((logs - logs.median()).abs().median()) or 0.0
    if mad == 0:
        return []
    z = (logs - logs.median()) / (1.4826 * mad)
    picked = z[abs(z) > 3].abs().sort_values(ascending=False).head(MAX_OUTLIERS)
    median = float(part[value].median())
    return [
        Outlier(
            name=str(part.loc[i, "name"]) if "name" in part else str(i),
            reason=f"{field_label(value)} {part.loc[i, value]:,.0f} vs segment median {median:,.0f}",
        )
        for i in picked.index
    ]

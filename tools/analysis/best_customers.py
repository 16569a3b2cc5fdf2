"""find_best_customers: rank customers by value, with the definition stated and adjustable.

The value score (0-100) is a weighted mean of percentile ranks of whatever value metrics the data
has: contract / lifetime / won value, expansion, retention (tenure, not churned), satisfaction (NPS,
CSAT) and velocity (shorter sales cycles score higher). Ranks make metrics of different scales
comparable and outliers harmless; an account missing a metric is scored on the others (weights
renormalised), so missing data does not count as bad.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError, listing
from icp_assistant.tools.core.stats import round_sig, spearman
from icp_assistant.tools.store.workspace import write_table

from .attributes import add_bands
from .schemas import METRICS, BestCustomers, MetricUse, TopAccount, ValueDriver, ValueShare

MAX_TOP = 10


DEFAULT_FAMILY_WEIGHTS = {
    "value": 0.5,
    "expansion": 0.1,
    "retention": 0.15,
    "satisfaction": 0.1,
    "velocity": 0.15,
}
VALUE_PRIORITY = ("lifetime_value", "contract_value", "won_value")


def primary_value(frame: pd.DataFrame) -> str | None:
    """The first value column (in ``VALUE_PRIORITY`` order) that ``frame`` has and fills at least once."""
    return next((c for c in VALUE_PRIORITY if c in frame and frame[c].notna().any()), None)


def _candidates(data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if "outcome" in data and data["outcome"].eq("won").any():
        return data[data["outcome"].eq("won")], "customers (accounts with a won deal or customer status)"
    return data, "all accounts (no outcome information)"


def _prepare(data: pd.DataFrame) -> pd.DataFrame:
    out = data.copy()
    if "churned" in out and out["churned"].notna().any():
        out["retained"] = (~out["churned"].astype("boolean")).astype("float")
    if "tenure_months" not in out and "customer_since" in out:
        end = pd.to_datetime(out.get("churn_date")).fillna(pd.Timestamp.today().normalize())
        out["tenure_months"] = (end - pd.to_datetime(out["customer_since"])).dt.days / 30.44
    return out


def _weights(frame: pd.DataFrame, requested: Mapping[str, float] | None) -> dict[str, float]:
    available = [m for m, spec in METRICS.items() if spec.column in frame and frame[spec.column].notna().any()]
    if requested:
        unknown = [m for m in requested if m not in METRICS]
        if unknown:
            raise OptionError(f"Unknown value metric(s) {listing(unknown)}. Metrics: {listing(METRICS)}.")
        missing = [m for m in requested if m not in available]
        if missing:
            raise OptionError(f"Metric(s) {listing(missing)} are not in this dataset. Available: {listing(available)}.")
        chosen = {m: float(w) for m, w in requested.items() if w > 0}
    else:
        value = next((m for m in VALUE_PRIORITY if m in available), None)
        picked = [m for m in available if METRICS[m].family != "value" and METRICS[m].family != "conversion"]
        picked = ([value] if value else []) + picked
        families = {METRICS[m].family for m in picked}
        per_family = {f: sum(1 for m in picked if METRICS[m].family == f) for f in families}
        chosen = {m: DEFAULT_FAMILY_WEIGHTS[METRICS[m].family] / per_family[METRICS[m].family] for m in picked}
    total = sum(chosen.values())
    if not chosen or total <= 0:
        raise InsufficientDataError(
            "No value metric found (contract value, lifetime value, won deals, tenure, NPS, cycle days). "
            "Load a deals file or map a value column with mapping={'contract_value': '<column>'}."
        )
    return {m: w / total for m, w in chosen.items()}


def value_scores(frame: pd.DataFrame, weights: Mapping[str, float]) -> tuple[pd.Series, pd.DataFrame]:
    """Score 0-100 per row and the percentile of each metric (NaN where the metric is missing)."""
    pct = pd.DataFrame(index=frame.index)
    for metric in weights:
        spec = METRICS[metric]
        pct[metric] = frame[spec.column].astype(float).rank(pct=True, ascending=spec.higher_is_better)
    w = pd.Series(weights)
    known = pct.notna().astype(float)
    score = (pct.fillna(0) * w).sum(axis=1) / (known * w).sum(axis=1).replace(0, np.nan)
    return (score * 100).round(1), pct


def best_mask(dataset: Dataset, top_share: float = 0.2, weights: Mapping[str, float] | None = None) -> pd.Series:
    """True for the best customers (top share by value score) among all accounts."""
    data = _prepare(dataset.accounts)
    candidates, _ = _candidates(data)
    chosen = _weights(candidates, weights)
    score, _ = value_scores(candidates, chosen)
    cutoff = score.quantile(1 - top_share)
    mask = pd.Series(False, index=data.index)
    mask.loc[score.index] = score.ge(cutoff) & score.notna()
    return mask


UNITS = {"tenure_months": " months", "median_cycle_days": " days", "win_rate": ""}


def _reasons(pct: pd.Series, frame_row: pd.Series) -> list[str]:
    """The account's strongest metrics, e.g. "won deal value 472,700 (top 1% of customers)"."""
    reasons = []
    for metric, p in pct.dropna().sort_values(ascending=False).head(3).items():
        spec = METRICS[str(metric)]
        value = frame_row[spec.column]
        shown = f"{value:,.0f}" if isinstance(value, float | int) and abs(value) >= 100 else f"{value:.3g}"
        if metric == "retained":
            shown = "retained" if value else "churned"
        top = max(1, math.ceil((1 - float(p)) * 100))
        reasons.append(f"{spec.label} {shown}{UNITS.get(str(metric), '')} (top {top}% of customers)")
    return reasons


def gini(values: pd.Series) -> float | None:
    known = np.sort(values.dropna().clip(lower=0).to_numpy(dtype=float))
    if len(known) < 2 or known.sum() == 0:
        return None
    n = len(known)
    return float((2 * np.arange(1, n + 1) - n - 1).dot(known) / (n * known.sum()))


def _by_size(frame: pd.DataFrame, value: str | None) -> list[ValueShare]:
    if value is None or "size_band" not in frame:
        return []
    known = frame[frame[value].notna()]
    total = known[value].sum()
    out = []
    for band, group in known.groupby("size_band", observed=True):
        out.append(
            ValueShare(
                attribute="size_band",
                value=str(band),
                accounts=len(group),
                account_share=round(len(group) / len(known), 3),
                value_share=round(float(group[value].sum() / total), 3) if total else 0.0,
                median_value=round_sig(float(group[value].median()), 4),
            )
        )
    return sorted(out, key=lambda s: -s.value_share)[:6]


def _drivers(frame: pd.DataFrame, value: str | None) -> list[ValueDriver]:
    if value is None:
        return []
    out = []
    for column in ("employee_count", "annual_revenue", "company_age", "total_funding"):
        if column not in frame:
            continue
        found = spearman(frame[column], frame[value])
        if found is None:
            continue
        rho, p, n = found
        strength = "strongly" if abs(rho) >= 0.5 else "moderately" if abs(rho) >= 0.3 else "weakly"
        direction = "larger" if rho > 0 else "smaller"
        reliable = "" if p < 0.05 else " (not significant)"
        statement = f"{strength} {direction} {column} goes with more {value}: Spearman {rho:.2f}, n={n}{reliable}"
        out.append(ValueDriver(column=column, spearman=round(rho, 3), p_value=round_sig(p) or 0.0, n=n,
                               statement=statement))  # fmt: skip
    return sorted(out, key=lambda d: -abs(d.spearman))


def _concentration(scored: pd.DataFrame, best: pd.Series, value: str | None, top_share: float) -> tuple:
    if value is None or scored[value].notna().sum() == 0:
        return None, None
    total = float(scored[value].sum())
    share = float(scored.loc[best, value].sum() / total) if total else 0.0
    label = METRICS[value].label
    statement = (
        f"The best {top_share:.0%} of customers ({int(best.sum()):,} accounts) hold {share:.0%} of total {label} "
        f"({total:,.0f} across {int(scored[value].notna().sum()):,} accounts)."
    )
    return statement, round(share, 3)


def find_best_customers(
    dataset: Dataset,
    output_dir: Path,
    *,
    top_share: float = 0.2,
    weights: Mapping[str, float] | None = None,
    top_n: int = MAX_TOP,
    chart: bool = False,
) -> BestCustomers:
    """Score customers by value, take the top share, and say how concentrated value is."""
    if not 0 < top_share < 1:
        raise OptionError(f"top_share={top_share} must be between 0 and 1 (e.g. 0.2 for the top 20%).")
    data = add_bands(_prepare(dataset.accounts))
    candidates, who = _candidates(data)
    if len(candidates) < 5:
        raise InsufficientDataError(
            f"Only {len(candidates)} customers to rank; at least 5 are needed. Load a file with more customers "
            "(a status or customer-since column marks them), or add a deals file with won deals (deals_path)."
        )
    chosen = _weights(candidates, weights)
    score, pct = value_scores(candidates, chosen)
    best = score.ge(score.quantile(1 - top_share)) & score.notna()
    primary = next((m for m in VALUE_PRIORITY if m in chosen), None) or primary_value(candidates)
    concentration, top_value = _concentration(candidates, best, primary, top_share)
    order = score.sort_values(ascending=False, kind="stable").index
    names = candidates.get("name", pd.Series(candidates.index.astype(str), index=candidates.index))
    top = [
        TopAccount(
            name=str(names[i]),
            score=float(score[i]),
            value=round_sig(float(candidates.loc[i, primary]), 6) if primary else None,
            reasons=_reasons(pct.loc[i], candidates.loc[i]),
        )
        for i in order[:top_n]
    ]
    table = candidates.assign(value_score=score, best=best).loc[order]
    path = write_table(table, output_dir / "best_customers.csv")
    notes = [f"Scored {who}."]
    chart_path = None
    if chart and primary:
        from icp_assistant.tools.core.charts import value_concentration

        chart_path = str(value_concentration(candidates[primary].dropna().tolist(), output_dir / "best_customers.png",
                         title=f"Concentration of {METRICS[primary].label}", top_share=top_share,
                         value_label=METRICS[primary].label))  # fmt: skip
    if len(candidates) < 50:
        notes.append(f"Small sample: {len(candidates)} customers, so the top {top_share:.0%} is {int(best.sum())}.")
    return BestCustomers(
        dataset=dataset.name,
        definition=[
            MetricUse(
                metric=m,
                label=METRICS[m].label,
                weight=round(w, 3),
                higher_is_better=METRICS[m].higher_is_better,
                coverage=round(float(candidates[METRICS[m].column].notna().mean()), 3),
            )
            for m, w in chosen.items()
        ],
        primary_value=primary,
        candidates=len(candidates),
        top_share=top_share,
        best=int(best.sum()),
        concentration=concentration,
        top_value_share=top_value,
        gini=round_sig(gini(candidates[primary]), 3) if primary else None,
        by_size=_by_size(candidates, primary),
        drivers=_drivers(candidates, primary),
        top_accounts=top,
        truncated=len(candidates) > top_n,
        table_path=str(path),
        chart_path=chart_path,
        notes=notes,
    )

"""Readiness: is the account in market now? A second axis beside fit, from intent and engagement signals.

Fit says who should buy; readiness says who is looking. Each signal present becomes 0-100 and readiness is
their mean (an account without any signal has no readiness, not a low one):

- intent score (Bombora composite, 6sense / Demandbase intent): its 0-100 value;
- buying / journey stage: Target 0, Awareness 25, Consideration 50, Decision 75, Purchase 100 (6sense); for
  Demandbase journeys Qualified 25, Engaged 50, MQA 75, Opportunity 100;
- last funding: within 6 months 100, within a year 50, older 0;
- headcount growth: >= 20% 100, >= 10% 60, >= 0% 30, shrinking 0;
- engagement score, web visits, job openings: percentile among the accounts scored together (bulk only).

An account is *ready* at 60 or more. The fit x readiness grid gives each cell its recommended action.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

READY = 60
STAGES = {
    "target": 0, "awareness": 25, "consideration": 50, "decision": 75, "purchase": 100,
    "qualified": 25, "engaged": 50, "mqa": 75, "opportunity": 100,
}  # fmt: skip
RELATIVE = ("engagement_score", "web_visits", "job_openings")
ACTIONS = {
    ("green", True): "Prioritise now: sales outreach this week",
    ("green", False): "Nurture: account-based ads and content; alert sales when intent rises",
    ("yellow", True): "Qualify fast: SDR discovery call to check the fit gaps",
    ("yellow", False): "Low-touch nurture",
    ("red", True): "Check fit before spending: interested, but unlike the accounts that win",
    ("red", False): "Deprioritise",
    ("unscored", True): "No fit model (no attribute predicts the outcome in this data): follow up on the interest",
    ("unscored", False): "No fit model (no attribute predicts the outcome in this data): rank by value or readiness",
}


def _stage(series: pd.Series) -> pd.Series:
    key = series.astype("object").where(series.notna()).astype("string").str.strip().str.lower()
    return key.map(STAGES).astype("float64")


def _steps(value: pd.Series, conditions: list[pd.Series], scores: list[float]) -> pd.Series:
    """The score of the first condition that holds (else 0); NaN where the value is missing."""
    chosen = np.select([c.to_numpy(dtype=bool) for c in conditions], scores, 0.0)
    return pd.Series(chosen, index=value.index, dtype="float64").where(value.notna())


def _funding(series: pd.Series, today: pd.Timestamp) -> pd.Series:
    days = (today - pd.to_datetime(series, errors="coerce")).dt.days
    return _steps(days, [days.le(183), days.le(365)], [100.0, 50.0])


def _growth(series: pd.Series) -> pd.Series:
    value = pd.to_numeric(series, errors="coerce")
    return _steps(value, [value.ge(0.2), value.ge(0.1), value.ge(0)], [100.0, 60.0, 30.0])


def signal_scores(rows: pd.DataFrame, *, relative: bool = True, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """0-100 per readiness signal present in ``rows`` (NaN where an account lacks it)."""
    now = today or pd.Timestamp.today().normalize()
    out: dict[str, pd.Series] = {}
    if "intent_score" in rows:
        out["intent_score"] = pd.to_numeric(rows["intent_score"], errors="coerce").clip(0, 100)
    if "buying_stage" in rows:
        out["buying_stage"] = _stage(rows["buying_stage"])
    if "last_funding_date" in rows:
        out["last_funding_date"] = _funding(rows["last_funding_date"], now)
    if "employee_growth" in rows:
        out["employee_growth"] = _growth(rows["employee_growth"])
    if relative and len(rows) >= 10:
        for column in (c for c in RELATIVE if c in rows):
            out[column] = pd.to_numeric(rows[column], errors="coerce").rank(pct=True) * 100
    return pd.DataFrame(out, index=rows.index)


def readiness(rows: pd.DataFrame, *, relative: bool = True) -> pd.Series:
    """Mean of the signals present, 0-100; NaN for accounts without any signal."""
    scores = signal_scores(rows, relative=relative)
    if scores.empty:
        return pd.Series(float("nan"), index=rows.index)
    return scores.mean(axis=1, skipna=True).round(0)


def grid_action(tier: str, ready: float | None) -> tuple[str, str]:
    """(cell, action) on the fit x readiness grid; without readiness, the fit tier decides alone."""
    if ready is None or pd.isna(ready):
        return f"{tier} / readiness unknown", ACTIONS[(tier, tier == "green")]
    is_ready = ready >= READY
    return f"{tier} / {'ready' if is_ready else 'not ready'}", ACTIONS[(tier, is_ready)]


def grid_actions(tiers: pd.Series, ready: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`grid_action` for whole columns at once: the same cells and actions, worked out once per tier and
    readiness state and taken for each row. A row without a tier gets neither."""
    known = ready.notna().to_numpy()
    is_ready = ready.ge(READY).to_numpy(dtype=bool, na_value=False)
    state = np.where(known, is_ready.astype(np.int64), 2)  # 0: not ready, 1: ready, 2: readiness unknown
    codes, levels = pd.factorize(tiers, use_na_sentinel=False)
    cells: list[object] = []
    actions: list[object] = []
    for level in levels:
        tier = None if pd.isna(level) else str(level)
        for words, acted in (("not ready", False), ("ready", True), ("readiness unknown", tier == "green")):
            cells.append(np.nan if tier is None else f"{tier} / {words}")
            actions.append(np.nan if tier is None else ACTIONS.get((tier, acted), np.nan))
    pick = codes * 3 + state
    cell = pd.Series(np.array(cells, dtype=object)[pick], index=tiers.index, dtype=object)
    return cell, pd.Series(np.array(actions, dtype=object)[pick], index=tiers.index, dtype=object)

"""The feature-adoption tables in full, as one frame with human headers: adoption per group, retained vs churned,
expanded vs not, and the onboarding order (the CSV the adoption review writes)."""

from __future__ import annotations

import math

import pandas as pd

from icp_assistant.tools.core.stats import ALPHA, Rate

from .adoption_stats import MIN_LIFT, OnboardingStep

HEADERS = {
    "table": "Table",
    "group": "Group",
    "feature": "Feature",
    "n": "Customers",
    "hits": "Adopters",
    "rate": "Adoption rate",
    "low": "95% low",
    "high": "95% high",
    "small": "Small sample",
    "lift": "Lift vs all customers",
    "other_n": "Compared customers",
    "other_rate": "Compared adoption rate",
    "diff": "Difference",
    "diff_low": "Difference 95% low",
    "diff_high": "Difference 95% high",
    "q": "q-value (Benjamini-Hochberg)",
    "days": "Median days to first use",
    "dated": "Adopters with a date",
    "verdict": "Verdict",
}


def tables_frame(
    table: pd.DataFrame, churn: pd.DataFrame, expansion: pd.DataFrame, steps: list[OnboardingStep], fit_label: str
) -> pd.DataFrame:
    def rates(r: Rate) -> dict[str, object]:
        return {
            "n": r.n,
            "hits": r.hits,
            "rate": r.rate,
            "low": r.low,
            "high": r.high,
            "small": "yes" if r.small_sample else "no",
        }

    records: list[dict[str, object]] = []
    for r in table.itertuples():
        verdict = (
            ""
            if r.kind == "all"
            else (
                "differs"
                if r.q < ALPHA and r.lift and abs(math.log(r.lift)) >= math.log(MIN_LIFT)
                else "no reliable difference"
            )
        )
        records.append(
            {
                "table": "Adoption by group",
                "group": r.group,
                "feature": r.feature,
                **rates(r.adopted),
                "lift": None if r.lift is None else round(r.lift, 3),
                "other_n": r.others.n or None,
                "other_rate": r.others.rate,
                "q": None if pd.isna(r.q) else r.q,
                "verdict": verdict,
            }
        )
    for name, group, compared in (
        ("Retained vs churned", "Retained customers", churn),
        ("Expanded vs not", "Customers that expanded", expansion),
    ):
        for r in compared.itertuples():
            records.append(
                {
                    "table": name,
                    "group": group,
                    "feature": r.feature,
                    **rates(r.side),
                    "other_n": r.other.n,
                    "other_rate": r.other.rate,
                    "diff": round(r.diff, 4),
                    "diff_low": round(r.low, 4),
                    "diff_high": round(r.high, 4),
                    "q": r.q,
                    "verdict": "separates" if r.separates else "no reliable difference",
                }
            )
    for s in steps:
        records.append(
            {
                "table": "Onboarding order",
                "group": fit_label,
                "feature": s.feature,
                **rates(s.adopted),
                "days": s.median_days,
                "dated": s.dated,
                "verdict": f"step {s.order}",
            }
        )
    return pd.DataFrame.from_records(records, columns=list(HEADERS)).rename(columns=HEADERS)

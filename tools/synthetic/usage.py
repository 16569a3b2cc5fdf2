"""A product-usage export for the example customers, with a planted adoption pattern.

One row per account and feature it used (a Pendo-like "feature usage by account" export: Account ID, Account Name,
Feature, Events, First Used, Last Used). Customers are the accounts with a Became a Customer Date; usage starts on
that date, stops at the churn date, and is observed until ``OBSERVED_UNTIL``. Planted (``PLANTED``):

- **segment**: the best segment's customers (mid-size fintech on Salesforce, the ICP's green tier) adopt
  *Integrations* far more than other customers;
- **churn**: retained customers use *Alerts*, churned customers rarely do (whatever their segment);
- **onboarding order**: best-segment customers first use *Dashboards* around day 7, *Integrations* around day 30
  and *Workflow automation* around day 60 after becoming customers;
- **noise**: *Reports*, *Mobile app*, *API access* and *SSO* are adopted at one rate by everyone, at random times.

A few trial accounts that are not in the accounts file have usage too (the join must report them). Draws come from
a stream of their own (spawned after the contacts stream), so adding the usage file changes no other file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .helpers import _STREAMS

USAGE_COLUMNS = ("Account ID", "Account Name", "Feature", "Events", "First Used", "Last Used")
OBSERVED_UNTIL = "2026-06-30"
# feature -> (adoption rate in the best segment, elsewhere, median days to first use in the best segment, elsewhere)
SEGMENT_FEATURES: dict[str, tuple[float, float, float, float]] = {
    "Dashboards": (0.95, 0.60, 7, 45),
    "Integrations": (0.85, 0.25, 30, 90),
    "Workflow automation": (0.75, 0.35, 60, 90),
}
CHURN_FEATURE = ("Alerts", 0.70, 0.15)  # feature, adoption rate of retained customers, of churned ones
NOISE_FEATURES: dict[str, float] = {"Reports": 0.5, "Mobile app": 0.3, "API access": 0.2, "SSO": 0.25}
TRIAL_ACCOUNTS = ("Trial Workspace Alpha", "Sandbox Co (trial)", "Demo Tenant 42")
PLANTED: dict[str, Any] = {
    "segment": {"best": "Integrations", "rates": {"best": 0.85, "other customers": 0.25}},
    "churn": {"feature": "Alerts", "rates": {"retained": 0.70, "churned": 0.15}},
    "onboarding_order_best": {"Dashboards": 7, "Integrations": 30, "Workflow automation": 60},
    "noise": dict(NOISE_FEATURES),
}


@dataclass
class UsageTruth:
    """What the usage file planted and realises. JSON-serialisable via ``asdict``."""

    dataset: str
    seed: int
    parameters: dict[str, Any]
    planted: dict[str, Any]
    realised: dict[str, Any]
    notes: tuple[str, ...] = ()
    messiness: dict[str, int] = field(default_factory=dict)


def _usage_stream(seed: int) -> np.random.Generator:
    """A stream of its own, spawned after the account streams and the contacts stream (it leaves both untouched)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(len(_STREAMS) + 2)[-1])


def _first_use(rng: np.random.Generator, n: int, median: float) -> np.ndarray:
    return np.maximum(0, np.round(median * np.exp(rng.normal(0.0, 0.35, n)))).astype(int)


def _draws(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and feature with its adoption draw and first-use day (before censoring)."""
    best, churned = customers["best"].to_numpy(), customers["churned"].to_numpy()
    tenure = customers["tenure"].to_numpy()
    n, parts = len(customers), []

    def within(days: int) -> np.ndarray:  # a day within the customer's life (noise is not censored into a signal)
        return np.floor(rng.random(n) * np.minimum(days, tenure + 1)).astype(int)

    for feature, (p_best, p_other, d_best, d_other) in SEGMENT_FEATURES.items():
        adopted = rng.random(n) < np.where(best, p_best, p_other)
        days = np.where(best, _first_use(rng, n, d_best), within(2 * int(d_other)))
        parts.append((feature, adopted, days))
    feature, p_kept, p_churned = CHURN_FEATURE
    parts.append((feature, rng.random(n) < np.where(churned, p_churned, p_kept), within(120)))
    for feature, p in NOISE_FEATURES.items():
        parts.append((feature, rng.random(n) < p, within(300)))
    frames = [pd.DataFrame({"row": np.arange(n), "feature": f, "adopted": a, "day": d}) for f, a, d in parts]
    return pd.concat(frames, ignore_index=True)


def _realised(customers: pd.DataFrame, usage: pd.DataFrame) -> dict[str, Any]:
    adopted = usage.pivot_table(index="row", columns="feature", values="Events", aggfunc="size", fill_value=0) > 0
    adopted = adopted.reindex(range(len(customers)), fill_value=False)
    best, churned = customers["best"].to_numpy(), customers["churned"].to_numpy()

    def share(mask: np.ndarray) -> dict[str, float]:
        return {f: round(float(adopted.loc[mask, f].mean()), 4) for f in adopted.columns} if mask.any() else {}

    first = usage[customers["best"].to_numpy()[usage["row"]]].groupby("feature")["day"].median()
    return {
        "customers": len(customers),
        "best_customers": int(best.sum()),
        "churned_customers": int(churned.sum()),
        "adoption_best": share(best),
        "adoption_other_customers": share(~best),
        "adoption_retained": share(~churned),
        "adoption_churned": share(churned),
        "median_days_to_first_use_best": {f: float(v) for f, v in first.items()},
    }


def generate_usage(accounts: pd.DataFrame, best_ids: list[str], *, seed: int = 7) -> tuple[pd.DataFrame, UsageTruth]:
    """The usage export (``USAGE_COLUMNS``) of the customers of the clean accounts frame of
    :func:`generate_accounts_and_deals` (``messy=False``); ``best_ids``: the Record IDs of the best segment."""
    rng = _usage_stream(seed)
    since = pd.to_datetime(accounts["Became a Customer Date"], errors="coerce")
    customers = pd.DataFrame(
        {
            "id": accounts["Record ID"].astype(str),
            "name": accounts["Company name"],
            "since": since,
            "churn": pd.to_datetime(accounts["Churn Date"], errors="coerce"),
        }
    )[since.notna()].reset_index(drop=True)
    customers["best"] = customers["id"].isin(set(map(str, best_ids)))
    customers["churned"] = customers["churn"].notna()
    stop = customers["churn"].fillna(pd.Timestamp(OBSERVED_UNTIL))
    customers["tenure"] = (stop - customers["since"]).dt.days.clip(lower=0)
    draws = _draws(rng, customers)
    start = customers["since"].to_numpy()[draws["row"]]
    first = pd.Series(start + draws["day"].to_numpy().astype("timedelta64[D]"))
    stop = customers["churn"].fillna(pd.Timestamp(OBSERVED_UNTIL)).to_numpy()[draws["row"]]
    observed = draws["adopted"].to_numpy() & (first.to_numpy() <= stop)
    usage = draws[observed].reset_index(drop=True)
    first, stop = first[observed].reset_index(drop=True), pd.Series(stop[observed])
    span = (stop - first).dt.days.clip(lower=0).to_numpy()
    last = first + pd.to_timedelta(np.floor(rng.random(len(usage)) * (span + 1)), unit="D")
    usage["Events"] = 1 + rng.poisson(np.maximum(1.0, span / 7.0))
    frame = pd.DataFrame(
        {
            "Account ID": customers["id"].to_numpy()[usage["row"]],
            "Account Name": customers["name"].to_numpy()[usage["row"]],
            "Feature": usage["feature"],
            "Events": usage["Events"],
            "First Used": first.dt.strftime("%Y-%m-%d"),
            "Last Used": last.dt.strftime("%Y-%m-%d"),
        }
    )
    realised = _realised(customers, usage)
    trials = pd.DataFrame(
        {
            "Account ID": "",
            "Account Name": list(TRIAL_ACCOUNTS),
            "Feature": "Dashboards",
            "Events": 3,
            "First Used": "2026-01-15",
            "Last Used": "2026-01-20",
        }
    )
    frame = pd.concat([frame, trials], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=rng).reset_index(drop=True)  # exports are not sorted by account
    truth = UsageTruth(
        dataset="product_usage",
        seed=seed,
        parameters={
            "rows": len(frame),
            "customers": len(customers),
            "observed_until": OBSERVED_UNTIL,
            "features": [*SEGMENT_FEATURES, CHURN_FEATURE[0], *NOISE_FEATURES],
        },
        planted=PLANTED,
        realised=realised,
        notes=(
            "Customers = accounts with a Became a Customer Date; best = the best segment's Record IDs; churned = "
            "customers with a Churn Date. Features first used after the churn date or after observed_until are "
            "not in the file; a customer without any row used no feature.",
            "Account IDs are the Record IDs of accounts.csv; the trial accounts have no id and are not in it.",
        ),
        messiness={"trial_accounts_not_in_accounts_file": len(TRIAL_ACCOUNTS)},
    )
    return frame[list(USAGE_COLUMNS)], truth

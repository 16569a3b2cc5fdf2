"""Feature adoption as statistics on an adoption matrix (customers x features): rates per tier and segment with the
groups that stand out, the features that separate two groups of customers (retained vs churned, expanded vs not),
and the order of first use. No ICP, file or workspace: :mod:`..model.adoption` assembles the customers and the
report.

Every rate carries n and a Wilson interval; a group is compared with the other customers by Fisher's exact test
(chi-square on large tables), corrected across every group and feature with Benjamini-Hochberg; differences between
two groups carry a Newcombe interval and the same correction. "No reliable difference" is said when nothing holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.stats import ALPHA, MIN_N, Rate, bh_adjust, rate, two_by_two_p

from .adoption_schemas import ChurnSeparator, ExpansionSeparator, OnboardingStep, Standout
from .expansion_history import expanded_customers

MIN_SIDE = 5  # churned and retained customers needed to compare them


MIN_FIT = 10  # green-tier customers needed for the onboarding order (else green + yellow)


MIN_LIFT = 1.25  # a group standing out must differ from all customers by at least this factor (or 1 / it)


LONGEST = 60  # characters of a feature or group name in the summary (the CSV has them whole)


@dataclass
class Customers:
    """The customers and what is known of each: tier, segment, churn, start date, adoption matrix."""

    frame: pd.DataFrame  # tier, segment, churned, start; index = account key
    adopted: pd.DataFrame  # bool, customers x features
    first_used: pd.DataFrame  # datetime, customers x features


ALL = "All customers"


def group_rates(customers: Customers) -> pd.DataFrame:
    """One row per (group, feature): adoption with its interval, the other customers' adoption, lift and the test."""
    frame, adopted = customers.frame, customers.adopted
    groups: list[tuple[str, str, pd.Series]] = [("all", ALL, pd.Series(True, index=frame.index))]
    for tier in ("green", "yellow", "red"):
        if frame["tier"].eq(tier).any():
            groups.append(("tier", f"{tier.capitalize()} tier", frame["tier"].eq(tier)))
    for name in sorted(s for s in frame["segment"].dropna().unique() if s):
        groups.append(("segment", f"Segment: {name}", frame["segment"].eq(name)))
    totals = adopted.sum()
    records = []
    for kind, label, mask in groups:
        inside = adopted[mask.to_numpy()]
        hits, n = inside.sum(), len(inside)
        for feature in adopted.columns:
            h, other_h, other_n = int(hits[feature]), int(totals[feature] - hits[feature]), len(adopted) - n
            overall = totals[feature] / len(adopted)
            records.append(
                {
                    "kind": kind,
                    "group": label,
                    "feature": feature,
                    "adopted": rate(h, n),
                    "rate": h / n if n else None,
                    "others": rate(other_h, other_n),
                    "lift": (h / n) / overall if n and overall else None,
                    "p": two_by_two_p(h, n - h, other_h, other_n - other_h) if kind != "all" and other_n else None,
                }
            )
    table = pd.DataFrame.from_records(records)
    tested = table["p"].notna()
    table["q"] = np.nan
    if tested.any():
        table.loc[tested, "q"] = bh_adjust(table.loc[tested, "p"].to_numpy(dtype=float))
    return table


def standouts_of(table: pd.DataFrame) -> list[Standout]:
    reliable = table[
        table["q"].lt(ALPHA) & table["lift"].notna() & ((table["lift"] >= MIN_LIFT) | (table["lift"] <= 1 / MIN_LIFT))
    ]
    reliable = reliable.assign(strength=(reliable["lift"].map(math.log).abs())).sort_values("strength", ascending=False)
    return [
        Standout(
            group=short(r.group),
            feature=short(r.feature),
            adopted=r.adopted,
            others=r.others,
            lift=round(r.lift, 2),
            q_value=float(f"{r.q:.2g}"),
        )
        for r in reliable.itertuples()
    ]


def newcombe(a: Rate, b: Rate) -> tuple[float, float, float]:
    """Difference a - b with the Newcombe (hybrid Wilson score) 95% interval."""
    pa, pb = a.rate or 0.0, b.rate or 0.0
    la, ha, lb, hb = a.low or 0.0, a.high or 0.0, b.low or 0.0, b.high or 0.0
    diff = pa - pb
    return diff, diff - math.hypot(pa - la, hb - pb), diff + math.hypot(ha - pa, pb - lb)


COMPARED = ["feature", "side", "other", "diff", "low", "high", "p", "q", "separates"]


def differences(adopted: pd.DataFrame, side: np.ndarray, other: np.ndarray) -> pd.DataFrame:
    """Per feature, adoption on each side, the difference with its Newcombe interval, and the BH-corrected test."""
    records = []
    for feature in adopted.columns:
        used = adopted[feature].to_numpy()
        a, b = rate(int(used[side].sum()), int(side.sum())), rate(int(used[other].sum()), int(other.sum()))
        diff, low, high = newcombe(a, b)
        p = two_by_two_p(a.hits, a.n - a.hits, b.hits, b.n - b.hits)
        records.append({"feature": feature, "side": a, "other": b, "diff": diff, "low": low, "high": high, "p": p})
    table = pd.DataFrame.from_records(records)
    table["q"] = bh_adjust(table["p"].to_numpy(dtype=float))
    table["separates"] = table["q"].lt(ALPHA) & ((table["low"] > 0) | (table["high"] < 0))
    return table.sort_values("diff", key=lambda d: -d.abs()).reset_index(drop=True)


def compared(
    adopted: pd.DataFrame, side: np.ndarray, other: np.ndarray, names: tuple[str, str], missing: str
) -> tuple[pd.DataFrame, str]:
    """The per-feature differences between two groups of customers, and the verdict in words."""
    counts = f"{int(side.sum()):,} {names[0]} and {int(other.sum()):,} {names[1]}"
    if side.sum() < MIN_SIDE or other.sum() < MIN_SIDE:
        return pd.DataFrame(columns=COMPARED), f"Not enough to compare ({counts}; {MIN_SIDE} of each needed){missing}."
    table = differences(adopted, side, other)
    found = table[table["separates"]]
    if found.empty:
        return table, f"No reliable difference: no feature's adoption separates the {counts} beyond chance."
    named = ", ".join(found["feature"].head(5).map(short))
    return table, (
        f"{len(found)} of {len(table)} features separate the {counts}: {named}; the others show no reliable "
        "difference. An association, not proof that the feature causes it."
    )


def churn_differences(customers: Customers) -> tuple[pd.DataFrame, str]:
    churned = customers.frame["churned"]
    known = churned.notna().to_numpy()
    lost = churned.fillna(False).astype(bool).to_numpy() & known
    names = ("retained customers", "churned customers")
    return compared(customers.adopted, known & ~lost, lost, names, ": load churn dates or a churned status")


def expansion_differences(dataset: Dataset, customers: Customers) -> tuple[pd.DataFrame, str]:
    is_customer = pd.Series(True, index=customers.frame.index).reindex(dataset.accounts.index, fill_value=False)
    found = expanded_customers(dataset, is_customer)
    if found is None:
        return pd.DataFrame(columns=COMPARED), "No expansion history in the data (no won deals after a first one)."
    expanded = found[0].reindex(customers.frame.index)
    known = expanded.notna().to_numpy()
    grew = expanded.fillna(False).astype(bool).to_numpy() & known
    names = ("customers that expanded", "customers that did not")
    return compared(customers.adopted, grew, known & ~grew, names, "")


def churn_separator(r: pd.Series) -> ChurnSeparator:
    return ChurnSeparator(
        feature=short(r["feature"]),
        retained=r["side"],
        churned=r["other"],
        difference=round(r["diff"], 4),
        low=round(r["low"], 4),
        high=round(r["high"], 4),
        q_value=float(f"{r['q']:.2g}"),
    )


def expansion_separator(r: pd.Series) -> ExpansionSeparator:
    return ExpansionSeparator(
        feature=short(r["feature"]),
        expanded=r["side"],
        not_expanded=r["other"],
        difference=round(r["diff"], 4),
        low=round(r["low"], 4),
        high=round(r["high"], 4),
        q_value=float(f"{r['q']:.2g}"),
    )


def onboarding(customers: Customers, notes: list[str]) -> tuple[str, list[OnboardingStep]]:
    frame = customers.frame
    fit = frame["tier"].eq("green")
    label = "Green-tier customers"
    if fit.sum() < MIN_FIT:
        fit = frame["tier"].isin(["green", "yellow"])
        label = "Green- and yellow-tier customers (fewer than 10 green)"
    if fit.sum() == 0:
        return "No ICP-fit customers (none scores green or yellow)", []
    adopted, first = customers.adopted[fit.to_numpy()], customers.first_used[fit.to_numpy()]
    start = frame.loc[fit, "start"]
    days = first.sub(start, axis=0).apply(lambda c: c.dt.days)
    early = int((days < 0).sum().sum())
    if early:
        notes.append(
            f"{early:,} first uses of ICP-fit customers fall before their customer date (trials): counted as day 0."
        )
    days = days.clip(lower=0)
    steps = []
    for feature in adopted.columns:
        known = days[feature].dropna()
        median = float(known.median()) if len(known) else None
        steps.append((feature, rate(int(adopted[feature].sum()), len(adopted)), median, len(known)))
    if not any(s[3] for s in steps):
        notes.append("The usage file has no dates: no onboarding order (add a first-use date or event timestamps).")
        return f"{label}: no first-use dates", []
    ordered = sorted(steps, key=lambda s: (s[2] is None or s[3] < MIN_SIDE, s[2] if s[2] is not None else 0))
    size = f"n={int(fit.sum()):,}" + ("; small sample" if fit.sum() < MIN_N else "")
    return f"{label} ({size})", [
        OnboardingStep(order=i, feature=short(f), adopted=a, median_days=m, dated=d)
        for i, (f, a, m, d) in enumerate(ordered, start=1)
    ]


def short(text: str, longest: int = LONGEST) -> str:
    return text if len(text) <= longest else text[: longest - 1] + "…"

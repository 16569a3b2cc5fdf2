"""Planted segments and ground truth: the segment specs, their rules and what a dataset realises.

Planted segments (rules on the clean columns, checked in this order; see :func:`planted_segments`):

* ``best``: Industry "Fintech", 100-999 employees, "Salesforce" in Web Technologies. Wins ~65% of
  closed deals (~20% elsewhere), ~30-day median sales cycle (~75 elsewhere), ~2x deal amounts.
  About 11% of accounts.
* ``churn``: Industry "Retail", fewer than 50 employees. Normal win rate, but ~60% of its customers
  churn (~10% elsewhere), low NPS, ~0.45x deal amounts. About 11% of accounts.
* ``shift``: Industry "Healthcare", 1000+ employees, "Microsoft Dynamics 365" in Web Technologies.
  Behaves like everyone else with ``drift="none"`` (3% of accounts); with ``drift="shift"`` it is 35%
  of the accounts and wins ~70% of their deals, so most new wins come from it.
* ``other``: everything else, with no pattern. The noise columns ("Favorite Color",
  "Lead Score (random)", "Internal Notes") are independent of everything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from .vocab import NOISE_COLUMNS, PROFILES, Mode


@dataclass(frozen=True)
class SegmentSpec:
    """One planted segment: its rule on the clean columns and the rates planted for it."""

    name: str
    description: str
    industry: str | None  # Industry equals this
    min_employees: int | None  # Number of Employees >= this
    max_employees: int | None  # Number of Employees <= this
    technology: str | None  # listed in Web Technologies
    share: float  # planted share of accounts
    win_rate: float  # of closed deals
    median_cycle_days: float  # create -> close, closed deals
    amount_multiplier: float  # deal amount vs the base median of 15,000
    churn_rate: float  # of customers
    nps_mean: float

    @property
    def has_rule(self) -> bool:
        return any(v is not None for v in (self.industry, self.min_employees, self.max_employees, self.technology))

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of a clean accounts frame (``messy=False``) that satisfy the rule."""
        mask = pd.Series(True, index=frame.index)
        if self.industry is not None:
            mask &= frame["Industry"].eq(self.industry).fillna(False)
        employees = pd.to_numeric(frame["Number of Employees"], errors="coerce")
        if self.min_employees is not None:
            mask &= employees.ge(self.min_employees).fillna(False)
        if self.max_employees is not None:
            mask &= employees.le(self.max_employees).fillna(False)
        if self.technology is not None:
            listed = frame["Web Technologies"].fillna("").astype("str").str.split("; ")
            mask &= listed.map(lambda items: self.technology in items).astype(bool)
        return mask


@dataclass(frozen=True)
class GroundTruth:
    """What a generator planted and what its frames realise. JSON-serialisable via ``asdict``."""

    dataset: str  # "accounts_and_deals" or "prospects"
    seed: int
    parameters: dict[str, Any]
    segments: tuple[SegmentSpec, ...]  # rules checked in order; "other" (no rule) last
    segment_ids: dict[str, list[str]]  # Record IDs per segment
    realised: dict[str, dict[str, Any]]  # per segment (and "all"), computed from the clean frames
    noise_columns: tuple[str, ...] = NOISE_COLUMNS
    messiness: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


_RATES: dict[str, dict[str, tuple[float, float, float, float, float, float]]] = {
    # share, win rate, median cycle days, amount multiplier, churn rate, mean NPS
    "none": {
        "best": (0.11, 0.65, 30, 2.0, 0.10, 8.0),
        "churn": (0.11, 0.20, 75, 0.45, 0.60, 4.0),
        "shift": (0.03, 0.20, 75, 1.0, 0.10, 7.5),
        "other": (0.75, 0.20, 75, 1.0, 0.10, 7.5),
    },
    "shift": {
        "best": (0.06, 0.30, 30, 2.0, 0.10, 8.0),
        "churn": (0.09, 0.20, 75, 0.45, 0.60, 4.0),
        "shift": (0.35, 0.70, 45, 2.5, 0.05, 8.5),
        "other": (0.50, 0.12, 75, 1.0, 0.10, 7.5),
    },
}
_RULES: dict[str, tuple[str | None, int | None, int | None, str | None]] = {
    "best": ("Fintech", 100, 999, "Salesforce"),
    "churn": ("Retail", None, 49, None),
    "shift": ("Healthcare", 1000, None, "Microsoft Dynamics 365"),
    "other": (None, None, None, None),
}
_DESCRIPTIONS = {
    "best": ("Mid-size fintech on Salesforce: Industry = Fintech, 100-999 employees, Salesforce in Web Technologies"),
    "churn": "Small retail: Industry = Retail, fewer than 50 employees",
    "shift": (
        "Large healthcare on Dynamics: Industry = Healthcare, 1000+ employees, "
        "Microsoft Dynamics 365 in Web Technologies"
    ),
    "other": "Everything else (no rule matched)",
}
_PROSPECT_SHARES = {"best": 0.15, "churn": 0.12, "shift": 0.05, "other": 0.68}


def planted_segments(mode: Mode = "none") -> tuple[SegmentSpec, ...]:
    """The segment specs for a drift mode ("none", "shift") or for prospects (rates as in "none")."""
    rates = _RATES["none" if mode == "prospects" else mode]
    specs = []
    for name in PROFILES:
        share, win, cycle, amount, churn, nps = rates[name]
        if mode == "prospects":
            share = _PROSPECT_SHARES[name]
        industry, low, high, tech = _RULES[name]
        specs.append(
            SegmentSpec(name, _DESCRIPTIONS[name], industry, low, high, tech, share, win, cycle, amount, churn, nps)
        )
    return tuple(specs)


def segment_labels(accounts: pd.DataFrame, segments: Sequence[SegmentSpec] | None = None) -> pd.Series:
    """The planted segment of each row of a clean accounts frame (first matching rule, else "other")."""
    segments = planted_segments() if segments is None else segments
    labels = pd.Series("other", index=accounts.index, dtype="object")
    unlabelled = pd.Series(True, index=accounts.index)
    for spec in segments:
        if not spec.has_rule:
            continue
        hit = spec.matches(accounts) & unlabelled
        labels[hit] = spec.name
        unlabelled &= ~hit
    return labels

"""The ICP scorecard: criteria with whole points that add up to a fit score from 0 to 100.

Points are learned, never typed in by a model:

- **learned** (won and lost known): L2-regularised logistic regression on indicator columns of
  attribute values (rare values pooled, leaky columns excluded), fitted on closed deals with their
  account's attributes (or on accounts when there are no deals);
- **lift** (only positives known, e.g. customers against the whole list): smoothed weight of
  evidence, log((a + 1) / (A + V)) - log((n + 1) / (N + V)), per value.

Within each attribute the weights are centred on the average known account, so an account whose
value is unknown gets 0 points from that attribute: "unknown" is neutral, not bad. Weights become
whole points by one scale factor chosen so the 2nd-98th percentile of training accounts spans 0-100;
``score = clip(base + sum(points), 0, 100)``. Whole points make the Python scorer and the exported SQL
agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import GroupKFold, StratifiedKFold

from .attributes import Attribute, trait_mask, values_of
from .contrast import Frame, value_tests
from .stats import ALPHA, Rate, bh_adjust, design_effect, rate

Method = Literal["learned", "lift"]
MIN_VALUE_COUNT = 5
REGULARISATION = 0.1  # sklearn C when too few rows to cross-validate: strong L2 shrinkage
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # shrinkage matters more than events per variable (van Smeden et al.)
NOT_CRITERIA = {"city", "state"}  # too fine-grained to generalise; region and country carry geography
NEUTRAL_BASE = 50  # the score of every account when no attribute carries points


class Criterion(BaseModel):
    """One attribute value and the points it adds or removes."""

    id: str = Field(description="attribute=value")
    attribute: str
    value: str
    kind: Literal["category", "multi"]
    points: int = Field(description="Added to the score when the account has this value (negative: removed)")
    label: str = Field(description="Plain words, e.g. 'industry is Fintech'")
    rows_with: int = Field(description="Training rows with this value")
    outcome_with: Rate | None = Field(None, description="Win rate (or positive share) of training rows with it")
    group: str | None = Field(None, description="Rubric group whose weight the points come from, when one is set")
    pinned: bool = Field(False, description="Points set by the user rather than learned")


def point_range(criteria: Sequence[Criterion], attribute: str) -> tuple[int, int]:
    """Fewest and most points one account can get from ``attribute``: a category value matches one criterion
    (or none: 0 points), a multi-valued cell can match all of them."""
    own = [c for c in criteria if c.attribute == attribute]
    points = [c.points for c in own]
    if any(c.kind == "multi" for c in own):
        return sum(p for p in points if p < 0), sum(p for p in points if p > 0)
    return min([0, *points]), max([0, *points])


class Scorecard(BaseModel):
    """Additive points: score = clip(base + sum of matched criteria points, 0, 100)."""

    method: Method
    base: int = Field(description="Points every account starts with")
    criteria: list[Criterion]
    attributes: list[str] = Field(description="Attributes the scorecard reads")
    scale: float = Field(description="Points per unit of model weight (log-odds)")
    training_rows: int
    training_unit: Literal["deals", "accounts"]
    positives: int


def _indicators(rows: pd.DataFrame, attrs: Sequence[Attribute]) -> tuple[pd.DataFrame, list[tuple[Attribute, str]]]:
    columns: dict[str, np.ndarray] = {}
    keys: list[tuple[Attribute, str]] = []
    for attr in attrs:
        values = values_of(rows, attr, MIN_VALUE_COUNT)
        for value in values[values != "Other"].value_counts().index:
            keys.append((attr, str(value)))
            columns[f"{attr.column}={value}"] = trait_mask(rows, attr, str(value)).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=rows.index), keys


def _weights_learned(
    x: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None, random_state: int
) -> tuple[np.ndarray, float]:
    """L2 logistic regression, its strength chosen by log-loss in folds that keep each account whole."""
    folds = min(5, int(min(y.sum(), len(y) - y.sum())), len(np.unique(groups)) if groups is not None else len(y))
    if folds >= 3:
        splitter = (
            GroupKFold(n_splits=folds)
            if groups is not None
            else StratifiedKFold(folds, shuffle=True, random_state=random_state)
        )
        cv = list(splitter.split(x, y, groups))
        model = LogisticRegressionCV(
            Cs=list(C_GRID), l1_ratios=(0.0,), cv=cv, scoring="neg_log_loss", max_iter=2000, use_legacy_attributes=False
        )
    else:
        model = LogisticRegression(C=REGULARISATION, max_iter=2000, random_state=random_state)
    model.fit(x.to_numpy(), y)
    return model.coef_[0], float(model.intercept_[0])


def _weights_lift(x: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, float]:
    positives, total = max(int(y.sum()), 1), len(y)
    a = x.to_numpy()[y == 1].sum(axis=0)
    n = x.to_numpy().sum(axis=0)
    values = x.shape[1] or 1
    weights = np.log((a + 1) / (positives + values)) - np.log((n + 1) / (total + values))
    return weights, float(np.log(positives / max(total - positives, 1)))


def _centre(weights: np.ndarray, x: pd.DataFrame, keys: list[tuple[Attribute, str]]) -> tuple[np.ndarray, float]:
    """Shift each attribute's weights so the average known account gets 0 from it."""
    centred = weights.copy()
    shift_total = 0.0
    for column in {attr.column for attr, _ in keys}:
        idx = [i for i, (attr, _) in enumerate(keys) if attr.column == column]
        block = x.iloc[:, idx].to_numpy()
        known = block.sum(axis=1) > 0
        if not known.any():
            continue
        mean = float((block[known] @ weights[idx]).mean())
        centred[idx] = weights[idx] - mean / np.maximum(block[known].sum(axis=1).mean(), 1.0)
        shift_total += mean
    return centred, shift_total


def significant_attributes(
    rows: pd.DataFrame, outcome: pd.Series, attrs: Sequence[Attribute], groups: pd.Series | None
) -> list[Attribute]:
    """Attributes with at least one value associated with the outcome beyond chance (BH q < .05, n >= 5),
    counting deals of one account as less than independent evidence. Only these may carry points."""
    group = outcome.astype(bool)
    deff = design_effect(group, groups) if groups is not None else 1.0
    table = value_tests(Frame(rows, group, "accounts", "outcome", groups), list(attrs), deff)
    if table.empty:
        return []
    table["q_value"] = bh_adjust(table["p_value"].to_numpy())
    real = table[(table["q_value"] < ALPHA) & (table["in_group"] >= MIN_VALUE_COUNT) & (table["value"] != "Other")]
    keep = set(real["attribute"])
    return [a for a in attrs if a.column in keep]


def _label(attr: Attribute, value: str) -> str:
    verb = "uses" if attr.kind == "multi" else "is"
    return f"{attr.column} {verb} {value}"


def fit_scorecard(
    rows: pd.DataFrame,
    outcome: pd.Series,
    attrs: Sequence[Attribute],
    *,
    method: Method,
    unit: Literal["deals", "accounts"],
    groups: pd.Series | None = None,
    random_state: int = 0,
) -> Scorecard:
    """Fit points on ``rows`` (one per deal or account) against a 0/1 ``outcome``."""
    candidates = [a for a in attrs if a.column not in NOT_CRITERIA]
    x, keys = _indicators(rows, significant_attributes(rows, outcome, candidates, groups))
    y = outcome.astype(int).to_numpy()
    if x.shape[1] == 0:  # nothing separates the outcome: an honest, empty scorecard
        return Scorecard(method=method, base=NEUTRAL_BASE, criteria=[], attributes=[], scale=0.0,
                         training_rows=len(rows), training_unit=unit, positives=int(y.sum()))  # fmt: skip
    group_array = groups.to_numpy() if groups is not None else None
    if method == "learned":
        raw, intercept = _weights_learned(x, y, group_array, random_state)
    else:
        raw, intercept = _weights_lift(x, y)
    weights, shift = _centre(raw, x, keys)
    logits = intercept + shift + x.to_numpy() @ weights
    low, high = np.percentile(logits, [2, 98]) if len(logits) else (0.0, 1.0)
    scale = 100.0 / max(high - low, 1e-6)
    points = np.rint(weights * scale).astype(int)
    base = int(np.rint((intercept + shift - low) * scale))
    criteria = []
    for (attr, value), pts, column in zip(keys, points, x.columns, strict=True):
        mask = x[column].to_numpy() > 0
        if pts == 0:
            continue
        criteria.append(
            Criterion(
                id=f"{attr.column}={value}", attribute=attr.column, value=value, kind=attr.kind, points=int(pts),
                label=_label(attr, value), rows_with=int(mask.sum()),
                outcome_with=rate(int(y[mask].sum()), int(mask.sum())),
            )
        )  # fmt: skip
    criteria.sort(key=lambda c: (-abs(c.points), c.id))
    return Scorecard(
        method=method, base=base, criteria=criteria, attributes=sorted({c.attribute for c in criteria}),
        scale=round(scale, 6), training_rows=len(rows), training_unit=unit, positives=int(y.sum()),
    )  # fmt: skip

"""Columns that give the outcome away: a column that separates won from lost almost perfectly on its own was most
likely filled after the outcome, and is left out of the fit unless the user says it is known before."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import Attribute

from .reading import Reader
from .scorecard import MIN_VALUE_COUNT

LEAK_AUC = 0.97


def level_auc(scores: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of ``scores`` for the 0/1 outcome ``y`` (ties count half), as ``roc_auc_score`` computes it (equal to
    ~1e-15), counted per distinct score level instead of sorting every row: at two million deals the sort was
    seconds per column."""
    levels, inverse = np.unique(scores, return_inverse=True)
    positive = np.bincount(inverse, weights=y, minlength=len(levels))
    negative = np.bincount(inverse, minlength=len(levels)) - positive
    below = np.cumsum(negative) - negative  # negatives scored lower than each level
    wins = float(np.dot(positive, below) + 0.5 * np.dot(positive, negative))
    return wins / (float(positive.sum()) * float(negative.sum()))


def single_auc(series: pd.Series, y: np.ndarray, kind: str) -> float | None:
    """How well one column alone separates the outcome (AUC, 0.5-1; a level's rate is its score)."""
    if y.min() == y.max():
        return None
    reader = Reader(series)
    if kind == "numeric":
        values = np.where(reader.codes >= 0, reader.numbers()[np.maximum(reader.codes, 0)], np.nan)
        known = ~np.isnan(values)
        if known.sum() < 2 * MIN_VALUE_COUNT or len(np.unique(y[known])) < 2:
            return None
        auc = level_auc(values[known], y[known])
        return max(auc, 1 - auc) * known.mean() + 0.5 * (1 - known.mean())
    tokens = pd.Series(np.where(reader.codes >= 0, reader.codes, -1))
    rates = pd.Series(y).groupby(tokens.to_numpy()).mean()
    auc = level_auc(tokens.map(rates).to_numpy(), y)
    return max(auc, 1 - auc)


def leaks(rows: pd.DataFrame, attrs: Sequence[Attribute], y: np.ndarray) -> dict[str, str]:
    """Columns that separate the outcome almost perfectly on their own: set after the outcome, most likely."""
    out = {}
    for attr in attrs:
        if attr.kind == "multi":
            continue
        auc = single_auc(rows[attr.column], y, attr.kind)
        if auc is not None and auc >= LEAK_AUC:
            out[attr.column] = (
                f"separates the outcome almost perfectly on its own (AUC {auc:.2f}): most likely filled after the "
                "outcome (pass include=[...] if it is known before)"
            )
    return out

"""Data-quality warnings: duplicates, near-empty columns, and columns that leak the outcome.

Leakage: a field set after the outcome is known (close value, churn date, notes, "lead quality"
tags) makes a fit model look perfect on history and useless on prospects. Such columns are found by
what they are (canonical post-outcome fields), by their names, and by near-perfect separation of
won from lost.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from icp_assistant.tools.core.fields import FIELD_BY_NAME

NEAR_EMPTY = 0.1
LEAKY_NAME = re.compile(
    r"(clos(e|ed|ing)|won|lost|churn|cancel|renew|reason|notes?\b|comment|quality|outcome|result|"
    r"became.*customer|customer.since|days.to.close|deal|lifetime|ltv|arr\b|mrr\b|revenue.earned|"
    r"total.revenue|stage)",
    re.IGNORECASE,
)
OUTCOME_COLUMNS = {"outcome", "churned", "deals_won", "deals_lost", "deals_open", "win_rate", "won_value"}


def near_empty(frame: pd.DataFrame, columns: list[str]) -> list[tuple[str, float]]:
    """Columns filled in fewer than 10% of rows."""
    rates = frame[columns].notna().mean()
    return [(c, float(r)) for c, r in rates.items() if r < NEAR_EMPTY]


def _separation(values: pd.Series, rows: np.ndarray, won: np.ndarray) -> float:
    """How well one column alone tells won from lost: 0.5 = not at all, 1.0 = perfectly. ``rows``: positions of the
    labelled rows, ``won``: their outcome."""
    known = values.notna().to_numpy(dtype=bool)[rows]
    y = won[known]
    if len(y) < 20 or y.all() or not y.any():
        return 0.5
    if pd.api.types.is_numeric_dtype(values):
        pos = int(y.sum())
        neg = len(y) - pos
        auc = (_rank_sum(values.iloc[rows[known]], y) - pos * (pos + 1) / 2) / (pos * neg)
        return float(max(auc, 1 - auc))
    return _category_separation(values, rows[known], y)


def _rank_sum(values: pd.Series, chosen: np.ndarray) -> float:
    """Sum of the ranks of the ``chosen`` values, ties taking their mean rank (as ``Series.rank`` gives them),
    ranked per distinct value: exact, since every rank is a multiple of 0.5 and the sum stays far below 2**53."""
    if not isinstance(values.dtype, np.dtype):  # nullable numbers and flags: ranked as they are
        return float(values.rank().to_numpy()[chosen].sum())
    codes, distinct = pd.factorize(values)
    ordered, group = np.unique(np.asarray(distinct), return_inverse=True)  # sorted; -0.0 and 0.0 one value
    rows_group = group[codes]
    counts = np.bincount(rows_group, minlength=len(ordered))
    mean_rank = np.cumsum(counts) - counts + (counts + 1) / 2
    return float((np.bincount(rows_group[chosen], minlength=len(ordered)) * mean_rank).sum())


def _category_separation(values: pd.Series, rows: np.ndarray, y: np.ndarray) -> float:
    """Purity of won / lost within each value, weighted by the value's rows; 0.5 for more than 50 values."""
    text = values.dtype == "str"  # its sorted codes tell its values apart: factorized once
    if not text and np.count_nonzero(np.bincount(pd.factorize(values)[0][rows])) > 50:
        return 0.5
    groups = pd.factorize(values if text else values.astype(str), sort=True)[0][rows]  # sorted, as a groupby has them
    if text and np.count_nonzero(np.bincount(groups)) > 50:
        return 0.5
    counts = np.bincount(groups)
    shares = np.bincount(groups, weights=y.astype("float64"))[counts > 0] / counts[counts > 0]
    return float(np.average(np.maximum(shares, 1 - shares), weights=counts[counts > 0]))


def leakage_suspects(frame: pd.DataFrame, won: pd.Series | None, columns: list[str]) -> dict[str, str]:
    """Columns that look set after the outcome, with the reason."""
    suspects: dict[str, str] = {}
    for column in columns:
        spec = FIELD_BY_NAME.get(column)
        if spec is not None and spec.post_outcome:
            suspects[column] = "set after the outcome"
        elif spec is None and column not in OUTCOME_COLUMNS and LEAKY_NAME.search(column):
            suspects[column] = "name suggests it is set after the outcome"
    if won is not None and won.notna().sum() >= 20:
        labelled = won.notna().to_numpy(dtype=bool)
        rows, outcome = np.flatnonzero(labelled), won[labelled].astype(bool).to_numpy()
        for column in columns:
            if column in suspects or column in OUTCOME_COLUMNS or column in ("name", "account_id", "domain"):
                continue
            score = _separation(frame[column], rows, outcome)
            if score >= 0.97:
                suspects[column] = f"separates won from lost almost perfectly ({score:.2f})"
    return suspects


def first_copies(frame: pd.DataFrame, narrowing: int = 3) -> np.ndarray:
    """For each row, the position of the first row equal to it in every cell (its own when none comes before).

    A repeated row repeats each of its cells, so only rows whose first text and number cells all repeat in their
    column are hashed (one column factorized at a time): an export with an id column first hashes no row at all."""
    candidates = np.arange(len(frame))
    typed = [i for i, dtype in enumerate(frame.dtypes) if dtype == "str" or pd.api.types.is_numeric_dtype(dtype)]
    for column in typed[:narrowing]:  # text and number cells: equal codes for the cells the hash finds equal
        if len(candidates) == 0:
            break
        cells = frame.iloc[:, column] if len(candidates) == len(frame) else frame.iloc[candidates, column]
        codes = pd.factorize(cells, use_na_sentinel=False)[0]
        candidates = candidates[np.bincount(codes)[codes] > 1]
    if 2 * len(candidates) > len(frame):  # most rows left: hash them all rather than copy most of the frame
        candidates = np.arange(len(frame))
    first = np.arange(len(frame))
    if len(candidates):
        some = frame if len(candidates) == len(frame) else frame.iloc[candidates]
        hashes = pd.util.hash_pandas_object(some, index=False).to_numpy()
        first[candidates] = pd.Series(candidates).groupby(hashes).transform("min").to_numpy()
    return first


def duplicate_keys(frame: pd.DataFrame) -> tuple[str, int, list[str]] | None:
    """Accounts sharing an id, domain or name (after exact duplicate rows were removed)."""
    for column in ("account_id", "domain", "name"):
        if column in frame:
            keys = frame[column].dropna().astype(str).str.strip().str.lower()
            repeated = keys[keys.duplicated(keep=False)]
            if not repeated.empty:
                examples = frame.loc[repeated.index, column].astype(str).unique()[:3].tolist()
                return column, int(repeated.nunique()), examples
            return None
    return None

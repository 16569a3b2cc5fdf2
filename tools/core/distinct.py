"""Work done once per distinct value of a column, then spread back to its rows.

A million-row export holds a few hundred labels (stages, countries, lifecycle statuses); looking each row up in a
dict costs a hash of every cell as a Python object, looking up each distinct value costs a few hundred.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas.api.extensions import take


def map_distinct(values: pd.Series, mapping: Mapping[object, object]) -> pd.Series:
    """``values.astype("object").map(mapping)`` (missing where the mapping has no key, dtype as pandas infers it),
    looked up once per distinct value."""
    codes, distinct = pd.factorize(values)
    looked_up = pd.Series(np.asarray(distinct, dtype=object), dtype="object").map(mapping)
    return pd.Series(take(looked_up.array, codes, allow_fill=True), index=values.index, name=values.name)


def weighted_counts(values: np.ndarray, weights: np.ndarray) -> pd.Series:
    """``value_counts()`` of ``values`` with each one repeated ``weights`` times, in its order (most first, ties as
    first seen), counted without repeating anything: distinct cells weighted by the rows that hold them. Missing
    values are left out."""
    codes, names = pd.factorize(pd.Series(values, dtype=object))
    known = codes >= 0
    totals = np.bincount(codes[known], weights=weights[known], minlength=len(names)).astype(np.int64)
    counted = pd.Series(totals, index=pd.Index(names, dtype=object))
    return counted[counted > 0].sort_values(ascending=False, kind="stable")


def spread(per_cell: np.ndarray, codes: np.ndarray, missing: bool = False) -> np.ndarray:
    """Each row's flag from its distinct cell (``codes`` as ``pd.factorize`` gives them), ``missing`` for a row with
    no cell."""
    out = np.full(len(codes), missing, dtype=bool)
    known = codes >= 0
    out[known] = per_cell[codes[known]]
    return out

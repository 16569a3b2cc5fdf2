"""Indicators of the most common values of an "a; b" list column, for the logistic baseline of ``validate_icp``.

They are the columns ``CountVectorizer(tokenizer=LIST_VALUE.findall, binary=True, max_features=top)`` gives, in the
same order and with the same dtype, but each distinct cell is split once rather than every row (a list column of a
million accounts holds a few thousand distinct cells). Imported with scikit-learn, on the first evaluation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin


class ListValues(TransformerMixin, BaseEstimator):
    """The ``top`` values found in the most rows (ties broken as CountVectorizer breaks them), one 0/1 column each,
    the columns sorted by value. ``pattern`` finds the values of a cell."""

    def __init__(self, pattern: re.Pattern[str], top: int) -> None:
        self.pattern = pattern
        self.top = top

    def fit(self, cells: Any, y: Any = None) -> ListValues:
        codes, distinct = pd.factorize(_cells(cells))
        rows = np.bincount(codes, minlength=len(distinct))
        found: Counter[str] = Counter()
        for cell, count in zip(distinct, rows.tolist(), strict=True):
            for value in set(self.pattern.findall(cell)):
                found[value] += count
        values = sorted(found)
        kept: Sequence[int] | np.ndarray = range(len(values))
        if len(values) > self.top:  # CountVectorizer's own choice, ties included: its sort on the same counts
            kept = np.sort((-np.array([found[v] for v in values], dtype=np.int64)).argsort()[: self.top])
        self.vocabulary_ = {values[i]: n for n, i in enumerate(kept)}
        return self

    def transform(self, cells: Any) -> sparse.csr_matrix:
        codes, distinct = pd.factorize(_cells(cells))
        columns = [sorted({self.vocabulary_[v] for v in self.pattern.findall(cell) if v in self.vocabulary_})
                   for cell in distinct]  # fmt: skip
        starts = np.cumsum([0] + [len(c) for c in columns])
        indices = np.fromiter((i for c in columns for i in c), dtype=np.int32, count=int(starts[-1]))
        shape = (len(distinct), len(self.vocabulary_))
        per_cell = sparse.csr_matrix((np.ones(len(indices), dtype=np.int64), indices, starts), shape=shape)
        return per_cell[codes]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)


def _cells(cells: Any) -> np.ndarray:
    """The column's cells as a flat array of text (the baseline fills gaps with "(missing)" before)."""
    return np.asarray(cells, dtype=object).ravel()

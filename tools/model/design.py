"""The scorecard fit's design: which rows each criterion matches, held as row numbers alone.

A 0/1 indicator matrix of a million deals and a few dozen criteria has some twenty million ones. As a sparse
matrix it holds a float for each (0.15 GB) besides the row numbers (0.08 GB), and each attribute's block sliced
out of it is copied again. Here only the row numbers are held; the products the fit needs over every row (the
logits, each attribute's mean) are summed criterion by criterion, in the order a compressed-column product adds
them, so they are the same numbers to the last bit, and the regression gets a sparse matrix of its sample only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


class Design:
    """Column ``j`` (criterion ``j``) matches rows ``rows[starts[j]:starts[j + 1]]`` of ``n`` rows, each once."""

    def __init__(self, rows: np.ndarray, starts: np.ndarray, n: int) -> None:
        self.rows, self.starts, self.n = rows, starts, n

    @classmethod
    def of(cls, columns: Iterable[np.ndarray], sizes: Sequence[int], n: int) -> Design:
        """From each column's 0/1 mask over the ``n`` rows, ``sizes`` their counts of matches (known beforehand,
        so the row numbers are written in place into one int32 array)."""
        starts = np.r_[0, np.cumsum(sizes, dtype=np.int64)]
        rows = np.empty(starts[-1], dtype=np.int32)
        for j, mask in enumerate(columns):
            rows[starts[j] : starts[j + 1]] = np.flatnonzero(mask)
        return cls(rows, starts, n)

    @property
    def width(self) -> int:
        return len(self.starts) - 1

    def column(self, j: int) -> np.ndarray:
        return self.rows[self.starts[j] : self.starts[j + 1]]

    def dot(self, weights: np.ndarray, columns: Iterable[int] | None = None) -> np.ndarray:
        """Each row's sum of ``weights`` over the columns it matches (only ``columns``, when given)."""
        out = np.zeros(self.n)
        for j in range(self.width) if columns is None else columns:
            out[self.column(j)] += weights[j]
        return out

    def per_row(self, columns: Iterable[int]) -> np.ndarray:
        """How many of ``columns`` each row matches."""
        out = np.zeros(self.n, dtype=np.int64)
        for j in columns:
            out[self.column(j)] += 1
        return out

    def counts(self, among: np.ndarray | None = None) -> np.ndarray:
        """Rows matched per column (only rows where the 0/1 ``among`` is 1, when given)."""
        if among is None:
            return np.diff(self.starts)
        return np.array([int(among[self.column(j)].sum()) for j in range(self.width)], dtype=np.int64)

    def matrix(self, sample: np.ndarray | None = None) -> csr_matrix:
        """The sparse 0/1 matrix of every row, or of the sorted row numbers ``sample`` in that order."""
        from scipy.sparse import csc_matrix  # on first fit: the server starts without scipy

        rows, starts, n = self.rows, self.starts, self.n
        if sample is not None:
            position = np.full(self.n, -1, dtype=np.int32)
            position[sample] = np.arange(len(sample), dtype=np.int32)
            kept = [position[self.column(j)] for j in range(self.width)]
            kept = [k[k >= 0] for k in kept]
            rows = np.concatenate(kept) if kept else np.empty(0, dtype=np.int32)
            starts = np.r_[0, np.cumsum([len(k) for k in kept], dtype=np.int64)]
            n = len(sample)
        return csc_matrix((np.ones(len(rows)), rows, starts), shape=(n, self.width)).tocsr()

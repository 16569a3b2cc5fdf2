"""FAMD-style encoding of mixed account data for clustering: :class:`MixedEncoder`.

:class:`MixedEncoder` is fitted like a scikit-learn transformer and returns principal components:

* Numeric columns are coerced to numbers. A non-negative, right-skewed column (skewness > 1: money,
  counts, headcount) is ``log1p``-transformed; missing values take the median; the column is
  standardised and clipped to +-5 SD, so a handful of extreme accounts cannot claim a cluster.
* Categorical columns: missing or blank cells become ``"(missing)"``. A column where at least 1% of
  the filled cells list several values (``"a; b"``) becomes one yes/no indicator per value for its
  15 most frequent values. Otherwise values seen in fewer than max(1% of rows, 5 rows) are pooled
  into ``"(other)"`` and the rest one-hot encoded.
* FAMD weighting: a one-hot column is centred and divided by ``sqrt(p)`` (so no categorical variable
  weighs more than a numeric one on any principal axis); a listed-value indicator is a yes/no
  variable of its own, centred and divided by ``sqrt(p(1-p))``.
* PCA to at most 10 components; ``transform`` works in chunks of 100k rows.

:meth:`MixedEncoder.facets` gives each encoded column as integer codes (:class:`Facet`: numbers in
deciles, one "has X" per listed value), so :mod:`.clustering` can tell segments that merely restate
one column. Why this weighting and 10 components: the measurements in :mod:`.clustering`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA

from icp_assistant.tools.core.errors import OptionError

MAX_COMPONENTS = 10
TOP_VALUES = 15  # indicator columns kept for a multi-valued column
RARE_SHARE, RARE_ROWS = 0.01, 5  # values rarer than max(1% of rows, 5 rows) are pooled
MULTI_SEPARATOR = ";"
MULTI_SHARE = 0.01  # share of filled cells listing several values that makes a column multi-valued
CLIP_SD = 5.0
CHUNK_ROWS = 100_000
MISSING, OTHER = "(missing)", "(other)"


def numbers(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("Float64")
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _cells(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Row codes into the distinct cell texts (missing and blank cells become "(missing)")."""
    text = column.astype("string").str.strip()
    text = text.mask(text.isna() | text.eq(""), MISSING)
    codes, uniques = pd.factorize(text)
    return codes, [str(u) for u in uniques]


def _tokens(cell: str, multi: bool) -> set[str]:
    if not multi:
        return {cell}
    return {t.strip() for t in cell.split(MULTI_SEPARATOR) if t.strip()} or {MISSING}


@dataclass(frozen=True)
class Facet:
    """One column as integer codes (numbers in deciles, "has X" per listed value), to spot restating."""

    name: str
    codes: np.ndarray


@dataclass(frozen=True)
class _Numeric:
    name: str
    log: bool
    median: float
    mean: float
    scale: float

    @classmethod
    def fit(cls, name: str, column: pd.Series) -> _Numeric | None:
        x = numbers(column)
        filled = x[np.isfinite(x)]
        if filled.size < 2 or np.ptp(filled) == 0:
            return None
        log = bool(filled.min() >= 0 and pd.Series(filled).skew() > 1)
        median = float(np.median(np.log1p(filled) if log else filled))
        imputed = cls(name, log, median, 0.0, 1.0).imputed(column)
        return cls(name, log, median, float(imputed.mean()), float(imputed.std()))

    @property
    def features(self) -> list[str]:
        return [f"{self.name} (log)" if self.log else self.name]

    def imputed(self, column: pd.Series) -> np.ndarray:
        x = numbers(column)
        if self.log:
            x = np.log1p(np.clip(x, 0, None))
        return np.where(np.isfinite(x), x, self.median)

    def encode(self, column: pd.Series) -> np.ndarray:
        return np.clip((self.imputed(column) - self.mean) / self.scale, -CLIP_SD, CLIP_SD)[:, None]

    def facets(self, column: pd.Series) -> list[Facet]:
        deciles = pd.qcut(pd.Series(numbers(column)), 10, labels=False, duplicates="drop")
        return [Facet(self.name, deciles.fillna(-1).to_numpy(dtype=np.int64) + 1)]


def _token_counts(uniques: list[str], counts: np.ndarray, multi: bool) -> dict[str, int]:
    totals: dict[str, int] = {}
    for cell, count in zip(uniques, counts, strict=True):
        for token in _tokens(cell, multi):
            totals[token] = totals.get(token, 0) + int(count)
    return totals


def _levels(totals: dict[str, int], rows: int, multi: bool) -> list[str]:
    """Values seen in at least max(1% of rows, 5 rows), most frequent first; rare ones pool into (other)."""
    floor = max(RARE_SHARE * rows, RARE_ROWS)
    frequent = sorted((t for t in totals if totals[t] >= floor), key=lambda t: (-totals[t], t))
    if multi:
        return frequent[:TOP_VALUES]
    return [*frequent, OTHER] if len(frequent) < len(totals) else frequent


@dataclass(frozen=True)
class _Categorical:
    name: str
    multi: bool
    levels: tuple[str, ...]  # one indicator column each; "(other)" pools the rare values
    centre: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, name: str, column: pd.Series) -> _Categorical | None:
        codes, uniques = _cells(column)
        counts = np.bincount(codes, minlength=len(uniques))
        listed = sum(int(n) for cell, n in zip(uniques, counts, strict=True) if MULTI_SEPARATOR in cell)
        filled = sum(int(n) for cell, n in zip(uniques, counts, strict=True) if cell != MISSING)
        multi = listed > 0 and listed >= MULTI_SHARE * filled
        totals = _token_counts(uniques, counts, multi)
        levels = _levels(totals, len(column), multi)
        draft = cls(name, multi, tuple(levels), np.zeros(len(levels)), np.ones(len(levels)))
        share = draft.indicators(codes, uniques).mean(axis=0)
        keep = (share > 0) & (share < 1)
        if keep.sum() < (1 if multi else 2):
            return None
        share = share[keep]
        # FAMD: a value's indicator over sqrt(p); each listed value is a yes/no variable of its own.
        scale = np.sqrt(share * (1 - share)) if multi else np.sqrt(share)
        return cls(name, multi, tuple(np.asarray(levels)[keep]), share, scale)

    @property
    def features(self) -> list[str]:
        join = " has " if self.multi else "="
        return [f"{self.name}{join}{level}" for level in self.levels]

    def indicators(self, codes: np.ndarray, uniques: list[str]) -> np.ndarray:
        """0/1 matrix (rows x levels); a value that is not a level counts as "(other)" if present."""
        position = {level: i for i, level in enumerate(self.levels)}
        fallback = None if self.multi else position.get(OTHER)
        table = np.zeros((len(uniques), len(self.levels)))
        for row, cell in enumerate(uniques):
            for token in _tokens(cell, self.multi):
                column = position.get(token, fallback)
                if column is not None:
                    table[row, column] = 1.0
        return table[codes]

    def encode(self, column: pd.Series) -> np.ndarray:
        return (self.indicators(*_cells(column)) - self.centre) / self.scale

    def facets(self, column: pd.Series) -> list[Facet]:
        flags = self.indicators(*_cells(column))
        if self.multi:
            return [Facet(f, flags[:, i].astype(np.int64)) for i, f in enumerate(self.features)]
        codes = np.where(flags.any(axis=1), flags.argmax(axis=1), len(self.levels))
        return [Facet(self.name, codes.astype(np.int64))]


class MixedEncoder(TransformerMixin, BaseEstimator):
    """FAMD-style encoding of categorical + numeric columns, reduced by PCA (see the module docs).

    ``fit`` learns ``columns_`` (the encoded columns), ``dropped_`` ({column: why unusable}),
    ``features_`` (encoded feature names) and ``pca_``; ``transform`` returns the components.
    """

    def __init__(
        self,
        categorical: Sequence[str] = (),
        numeric: Sequence[str] = (),
        max_components: int = MAX_COMPONENTS,
        random_state: int | None = 0,
    ) -> None:
        self.categorical = categorical
        self.numeric = numeric
        self.max_components = max_components
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: object = None) -> MixedEncoder:
        fitted: dict[str, _Numeric | _Categorical | None] = {n: _Numeric.fit(n, X[n]) for n in self.numeric}
        fitted |= {name: _Categorical.fit(name, X[name]) for name in self.categorical}
        self.columns_ = [column for column in fitted.values() if column is not None]
        unusable = [name for name, column in fitted.items() if column is None]
        self.dropped_ = {name: _why_dropped(X[name], name in self.numeric) for name in unusable}
        if not self.columns_:
            reasons = "; ".join(f"{name!r} {why}" for name, why in self.dropped_.items())
            raise OptionError(f"No usable columns to segment on: {reasons}. Pass columns that vary.")
        self.features_ = [feature for column in self.columns_ for feature in column.features]
        design = self._design(X)
        components = min(self.max_components, design.shape[1], design.shape[0])
        self.pca_ = PCA(n_components=components, random_state=self.random_state).fit(design)
        return self

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        return np.hstack([column.encode(X[column.name]) for column in self.columns_])

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        parts = [
            self.pca_.transform(self._design(X.iloc[start : start + CHUNK_ROWS]))
            for start in range(0, len(X), CHUNK_ROWS)
        ]
        return np.vstack(parts)

    def facets(self, X: pd.DataFrame) -> list[Facet]:
        """Each encoded column as codes, to tell segments that merely restate one column."""
        return [facet for column in self.columns_ for facet in column.facets(X[column.name])]


def _why_dropped(column: pd.Series, numeric: bool) -> str:
    if column.isna().all():
        return "is empty"
    if numeric:
        return "has fewer than two distinct numbers"
    if column.nunique(dropna=True) < 2:
        return "has a single value"
    return f"has no value shared by {RARE_SHARE:.0%} of rows (or {RARE_ROWS} rows)"

"""Discovered segments: k-means on a FAMD encoding of mixed account data, k chosen for usefulness.

Encoding (:class:`MixedEncoder`, fitted like a scikit-learn transformer):

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
* PCA to at most 10 components, then ``KMeans(n_init=4)``. Above ``sample_size`` rows the encoder,
  the PCA and KMeans are fitted on a random sample; every row is then transformed and predicted
  in chunks of 100k. Fits run single-threaded (``threadpool_limits(1)``): they are small.

Choosing k: each k in ``[k_min, k_max]`` (and ``k <= rows / min_accounts``) is scored by stability
(mean adjusted Rand index, clipped at 0, between the labels of the fitted rows and KMeans refitted
on bootstrap resamples, over the resampled rows), the smallest segment's share of rows and, given
an outcome or a value, Cramer's V between segment and outcome (or value tercile). A k is usable
when stability >= 0.6, its smallest segment holds >= ``max(min_share, min_accounts / rows)`` of
the rows, and no single column explains >= 90% of the segments (uncertainty coefficient of the
labels given that column; numbers in deciles, listed values one by one): segments that restate one
column, such as the lumps one-hot encoding makes of "industry", are that column, not a discovery.
The most stable usable k wins; ks within 0.05 of it tie, and ties go to the clearly better
separation (by more than 0.02), then to fewer segments. With no usable k the most stable one is
returned with ``stable=False`` and a reason recommending user-defined segments. Silhouette is
reported, never used: on firmographic data it is 0.02-0.3 whatever k.

Measured while choosing (planted segments: industry x size x tech stack with 20% noise, beside
noise columns; ARI against the truth at k=4, 5k rows, 2-3 seeds; speed in bench/bench_segments.py):

* Weighting: FAMD as above 0.96 (0.93-0.95 with four more noise columns, incl. a 40-value city);
  every indicator at unit variance 0.95-0.96 (0.66-0.95); plain one-hot 0.60-0.76 (0.56-0.72);
  every categorical scaled to total variance 1, i.e. down-weighted, 0.30 (0.22-0.30): size then
  fills the components and the industry/tech signal is lost.
* 10 PCA components against none: same ARI on clean data; with the noise columns one seed in two
  chose k=2 (ARI 0.54) without the reduction. Keeping only components above a shuffled-column null
  (parallel analysis) was tried and dropped: in 1-2 dimensions k-means slices noise reproducibly.
* Without the restated-column rule, independent columns (6 industries, 4 regions, 3 numbers) gave
  "usable" k=6 = the six industries (stability 1.00), and a real export (Olist closed deals) gave
  k=2 = "behaviour profile has cat" (explained 98%); planted segments peak at 64% for one column.
* KMeans on 20k x 10 points: 0.02-0.08 s single-threaded against 0.05-0.35 s with 2 OpenMP threads
  on an idle 2-core machine (25x slower on a busy one).
* Bench (2 cores): 10k / 100k / 1M planted rows in 3.2 / 4.3 / 5.6 s for the whole k = 2-8
  search, ARI 0.955-0.959, 55-175 MB above the data. k-prototypes (``kmodes``, k=4 only): 19 s for
  10k rows, ~50 s for a 20k sample, ARI 0.70-0.71.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

from .errors import ColumnError, InsufficientDataError, OptionError, listing

STABILITY_THRESHOLD = 0.6  # mean ARI under resampling below which a segmentation is not real
NEAR_TIE = 0.05  # stabilities this close count as equal when choosing k
SEPARATION_TIE = 0.02  # Cramer's V this close counts as equal when choosing k
MAX_COMPONENTS = 10
TOP_VALUES = 15  # indicator columns kept for a multi-valued column
RARE_SHARE, RARE_ROWS = 0.01, 5  # values rarer than max(1% of rows, 5 rows) are pooled
MULTI_SEPARATOR = ";"
MULTI_SHARE = 0.01  # share of filled cells listing several values that makes a column multi-valued
CLIP_SD = 5.0
RESTATED = 0.9  # segments one column explains this much of (uncertainty coefficient) are not discovered
SILHOUETTE_ROWS = 5000
SILHOUETTE_MB = 32
CHUNK_ROWS = 100_000
MISSING, OTHER = "(missing)", "(other)"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class KDiagnostics:
    """How one number of segments fared."""

    k: int
    stability: float  # mean adjusted Rand index, full-data labels vs bootstrap refits, 0-1
    min_share: float  # smallest cluster share of rows
    silhouette: float | None  # on a sample of <= 5000 rows, informational only
    separation: float | None  # Cramer's V, cluster vs outcome (else value tercile), else None
    usable: bool  # stability >= 0.6, min_share >= the required share, and not one column restated


@dataclass(frozen=True)
class Clustering:
    """Discovered segments and why this number of them."""

    labels: np.ndarray  # int cluster id per row (0..k-1), 0 = the largest cluster
    k: int
    reason: str  # plain-English why this k (or why no k is usable)
    diagnostics: list[KDiagnostics]
    stable: bool  # False when no k is usable (none stable with big enough, not restated segments)
    features: list[str]  # encoded feature names used


# ------------------------------------------------------------------------------------- encoding
def _numbers(column: pd.Series) -> np.ndarray:
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
class _Facet:
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
        x = _numbers(column)
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
        x = _numbers(column)
        if self.log:
            x = np.log1p(np.clip(x, 0, None))
        return np.where(np.isfinite(x), x, self.median)

    def encode(self, column: pd.Series) -> np.ndarray:
        return np.clip((self.imputed(column) - self.mean) / self.scale, -CLIP_SD, CLIP_SD)[:, None]

    def facets(self, column: pd.Series) -> list[_Facet]:
        deciles = pd.qcut(pd.Series(_numbers(column)), 10, labels=False, duplicates="drop")
        return [_Facet(self.name, deciles.fillna(-1).to_numpy(dtype=np.int64) + 1)]


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

    def facets(self, column: pd.Series) -> list[_Facet]:
        flags = self.indicators(*_cells(column))
        if self.multi:
            return [_Facet(f, flags[:, i].astype(np.int64)) for i, f in enumerate(self.features)]
        codes = np.where(flags.any(axis=1), flags.argmax(axis=1), len(self.levels))
        return [_Facet(self.name, codes.astype(np.int64))]


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

    def facets(self, X: pd.DataFrame) -> list[_Facet]:
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


# ------------------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class _Target:
    """What segments should separate: codes per row (-1 = missing) and a name for the reason."""

    codes: np.ndarray
    levels: int
    name: str


def _outcome_target(outcome: pd.Series) -> _Target:
    raw = pd.Series(outcome).reset_index(drop=True)
    won = _numbers(raw)
    odd = raw.notna().to_numpy() & ~np.isin(won, (0.0, 1.0))
    if odd.any():
        found = listing(raw[odd].astype(str).unique(), 5)
        raise OptionError(f"outcome must be True/False or 1/0 per row (missing allowed); found {found}.")
    return _Target(np.where(np.isfinite(won), won, -1).astype(np.int64), 2, "win rate")


def _value_target(value: pd.Series) -> _Target:
    x = pd.Series(_numbers(pd.Series(value).reset_index(drop=True)))
    codes = np.full(len(x), -1, dtype=np.int64)
    filled = x.notna().to_numpy()
    if filled.sum() >= 3:
        codes[filled] = pd.qcut(x[filled].rank(method="first"), 3, labels=False).to_numpy()
    return _Target(codes, 3, "value terciles")


def _target(outcome: pd.Series | None, value: pd.Series | None, rows: int) -> _Target | None:
    for name, series in (("outcome", outcome), ("value", value)):
        if series is not None and len(series) != rows:
            count = len(series)
            raise OptionError(f"{name} has {count} values but the frame has {rows} rows; pass one per row.")
    if outcome is not None:
        return _outcome_target(outcome)
    return _value_target(value) if value is not None else None


def _cramers_v(labels: np.ndarray, target: _Target, k: int) -> float | None:
    known = target.codes >= 0
    table = np.bincount(labels[known] * target.levels + target.codes[known], minlength=k * target.levels)
    table = table.reshape(k, target.levels).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return None
    if table.shape[0] < 2:
        return 0.0
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (total * (min(table.shape) - 1))))


def _entropy(codes: np.ndarray) -> float:
    p = np.bincount(codes) / len(codes)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _explained(labels: np.ndarray, codes: np.ndarray) -> float:
    """Uncertainty coefficient U(labels | codes): the share of the segment information one column holds."""
    spread = _entropy(labels)
    if spread == 0:
        return 1.0
    joint = labels * (int(codes.max()) + 1) + codes
    return (spread - _entropy(joint) + _entropy(codes)) / spread


def _restated(labels: np.ndarray, facets: list[_Facet]) -> tuple[str, float] | None:
    """The column that alone explains >= RESTATED of the segments, if any (then they are not discovered)."""
    scores = [(_explained(labels, facet.codes), facet.name) for facet in facets]
    share, name = max(scores)
    return (name, share) if share >= RESTATED else None


@dataclass(frozen=True)
class _Settings:
    resamples: int
    random_state: int
    required_share: float
    target: _Target | None
    facets: list[_Facet]


@dataclass(frozen=True)
class _Solution:
    diagnostics: KDiagnostics
    labels: np.ndarray  # every row, 0 = largest segment
    restated: tuple[str, float] | None  # (column, share explained) when one column explains it all


def _kmeans(k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=4, random_state=seed)


def _fit(model: KMeans, points: np.ndarray) -> KMeans:
    # A resample with fewer distinct points than k warns; such a k is simply unstable.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(points)


def _stability(points: np.ndarray, reference: np.ndarray, k: int, settings: _Settings) -> float:
    """Mean ARI between the reference labels and KMeans refitted on bootstrap resamples."""
    rng = np.random.default_rng([settings.random_state, k])
    scores = []
    for _ in range(settings.resamples):
        rows = rng.integers(0, len(points), len(points))
        refit = _fit(_kmeans(k, int(rng.integers(2**31 - 1))), points[rows])
        seen = np.unique(rows)
        scores.append(adjusted_rand_score(reference[seen], refit.predict(points[seen])))
    return max(0.0, float(np.mean(scores)))


def _silhouette(points: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    if not 2 <= len(np.unique(labels)) < len(points):
        return None
    size = SILHOUETTE_ROWS if len(points) > SILHOUETTE_ROWS else None
    with config_context(working_memory=SILHOUETTE_MB):  # distances in chunks, not 5000 x 5000 at once
        return float(silhouette_score(points, labels, sample_size=size, random_state=seed))


def _by_size(labels: np.ndarray, k: int) -> np.ndarray:
    """Relabel so 0 is the largest cluster (ties keep the fitted order)."""
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels]


def _evaluate(k: int, embedding: np.ndarray, fit_rows: np.ndarray, settings: _Settings) -> _Solution:
    points = embedding[fit_rows]
    model = _fit(_kmeans(k, settings.random_state), points)
    labels = _by_size(model.predict(embedding), k)
    min_share = float(np.bincount(labels, minlength=k).min() / len(labels))
    stability = _stability(points, model.labels_, k, settings)
    separation = _cramers_v(labels, settings.target, k) if settings.target else None
    restated = _restated(model.labels_, settings.facets)
    usable = stability >= STABILITY_THRESHOLD and min_share >= settings.required_share - 1e-12
    silhouette = _silhouette(points, model.labels_, settings.random_state)
    diagnostics = KDiagnostics(k, stability, min_share, silhouette, separation, usable and restated is None)
    return _Solution(diagnostics, labels, restated)


# ------------------------------------------------------------------------------------ choosing k
def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.01 else f"{share:.0%}"


def _separates(d: KDiagnostics, target: _Target | None) -> str:
    if target is None or d.separation is None:
        return ""
    return f", separates {target.name} (V={d.separation:.2f})"


def _facts(solution: _Solution, target: _Target | None) -> str:
    d = solution.diagnostics
    text = f"ARI {d.stability:.2f}, smallest segment {_pct(d.min_share)}{_separates(d, target)}"
    if solution.restated is not None:
        name, share = solution.restated
        text += f"; one column, {name!r}, explains {share:.0%} of it"
    return text


def _pick(usable: list[KDiagnostics]) -> KDiagnostics:
    """Most stable; near-ties go to the best separation (within SEPARATION_TIE), then fewer segments."""
    best = max(d.stability for d in usable)
    near = [d for d in usable if d.stability >= best - NEAR_TIE]
    top = max((d.separation or 0.0) for d in near)
    return min((d for d in near if (d.separation or 0.0) >= top - SEPARATION_TIE), key=lambda d: d.k)


def _usable_reason(chosen: KDiagnostics, usable: list[KDiagnostics], target: _Target | None) -> str:
    steadiest = max(usable, key=lambda d: (d.stability, -d.k))
    size = f"smallest segment {_pct(chosen.min_share)}"
    if chosen is steadiest:
        stability = f"most stable usable solution (ARI {chosen.stability:.2f})"
        return f"k={chosen.k}: {stability}, {size}{_separates(chosen, target)}"
    versus = f"ARI {chosen.stability:.2f} vs {steadiest.stability:.2f}"
    tie = f"k={chosen.k}: as stable as the most stable k={steadiest.k} ({versus})"
    if target is not None and (chosen.separation or 0.0) > (steadiest.separation or 0.0) + SEPARATION_TIE:
        versus = f"V={chosen.separation or 0.0:.2f} vs {steadiest.separation or 0.0:.2f}"
        return f"{tie} and separates {target.name} better ({versus}), {size}"
    return f"{tie} with fewer segments, {size}{_separates(chosen, target)}"


def _needs(settings: _Settings) -> str:
    return (
        f"needs ARI >= {STABILITY_THRESHOLD}, every segment >= {_pct(settings.required_share)} of rows, "
        f"and no single column explaining >= {RESTATED:.0%} of the segments"
    )


def _unusable_reason(chosen: _Solution, ks: str, settings: _Settings) -> str:
    advice = "segments from user-defined dimensions (e.g. industry x size band x region) are advisable"
    if chosen.restated is not None:
        advice = f"segmenting by {chosen.restated[0]!r} directly says the same; " + advice
    return (
        f"No k in {ks} gives usable segments ({_needs(settings)}); the most stable is "
        f"k={chosen.diagnostics.k} ({_facts(chosen, settings.target)}). "
        f"The firmographics do not form stable segments here: {advice}."
    )


def _choose(solutions: dict[int, _Solution], settings: _Settings, fixed: bool) -> tuple[_Solution, str]:
    diagnostics = [solution.diagnostics for solution in solutions.values()]
    usable = [d for d in diagnostics if d.usable]
    ks = f"{min(solutions)}-{max(solutions)}" if len(solutions) > 1 else str(min(solutions))
    if fixed:
        only = next(iter(solutions.values()))
        verdict = "usable" if only.diagnostics.usable else f"not usable ({_needs(settings)})"
        facts = _facts(only, settings.target)
        return only, f"k={only.diagnostics.k} (fixed by the caller): {facts}; {verdict}"
    if not usable:
        steadiest = max(diagnostics, key=lambda d: (d.stability, -d.k))
        return solutions[steadiest.k], _unusable_reason(solutions[steadiest.k], ks, settings)
    chosen = _pick(usable)
    return solutions[chosen.k], _usable_reason(chosen, usable, settings.target)


# ------------------------------------------------------------------------------------ validation
def _candidate_ks(rows: int, k_min: int, k_max: int, k: int | None, min_accounts: int) -> list[int]:
    low, high = (k, k) if k is not None else (k_min, k_max)
    if low < 2 or low > high:
        raise OptionError(f"k_min={k_min}, k_max={k_max}, k={k}: need 2 <= k_min <= k_max (or k >= 2).")
    if rows < low * min_accounts:
        raise InsufficientDataError(
            f"too few rows ({rows}) for {low} segments of at least {min_accounts} accounts; "
            f"load at least {low * min_accounts} rows, or lower min_accounts"
            + (" or k" if k is not None else " or k_min")
            + "."
        )
    return list(range(low, min(high, rows // min_accounts) + 1))


def _check_inputs(frame: pd.DataFrame, columns: list[str], resamples: int, sample_size: int) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(f"Column {missing[0]!r} not found; columns are: {listing(frame.columns)}.")
    if not columns:
        raise OptionError("No columns to segment on: pass categorical=[...] and/or numeric=[...].")
    if resamples < 1 or sample_size < 100:
        given = f"resamples={resamples}, sample_size={sample_size}"
        raise OptionError(f"{given}: need resamples >= 1 and sample_size >= 100.")


def _distinct_ks(ks: list[int], points: np.ndarray) -> list[int]:
    distinct = len(np.unique(points.round(9), axis=0))
    if distinct < ks[0]:
        raise InsufficientDataError(
            f"The rows take only {distinct} distinct combinations of the chosen columns, too few for "
            f"{ks[0]} segments; pass columns that vary more."
        )
    return [k for k in ks if k <= distinct]


def discover_segments(
    frame: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
    *,
    outcome: pd.Series | None = None,
    value: pd.Series | None = None,
    k_min: int = 2,
    k_max: int = 8,
    k: int | None = None,
    min_share: float = 0.05,
    min_accounts: int = 10,
    resamples: int = 8,
    sample_size: int = 20_000,
    random_state: int = 0,
    progress: Progress | None = None,
) -> Clustering:
    """Cluster accounts on mixed columns and choose the number of segments for usefulness.

    ``outcome`` (won: True/False or 1/0, missing allowed) and ``value`` are matched to rows by
    position. ``k`` fixes the number of segments. See the module docstring for the method.
    """
    rows = len(frame)
    ks = _candidate_ks(rows, k_min, k_max, k, min_accounts)
    _check_inputs(frame, list(dict.fromkeys([*categorical, *numeric])), resamples, sample_size)
    target = _target(outcome, value, rows)
    fit_rows = np.arange(rows)
    if rows > sample_size:
        fit_rows = np.sort(np.random.default_rng(random_state).choice(rows, sample_size, replace=False))
    encoder = MixedEncoder(categorical, numeric, random_state=random_state).fit(frame.iloc[fit_rows])
    embedding = encoder.transform(frame)
    ks = _distinct_ks(ks, embedding[fit_rows])
    facets = encoder.facets(frame.iloc[fit_rows])
    settings = _Settings(resamples, random_state, max(min_share, min_accounts / rows), target, facets)
    solutions: dict[int, _Solution] = {}
    for done, kk in enumerate(ks, start=1):
        with threadpool_limits(limits=1):  # small fits: threads cost more than they gain
            solutions[kk] = _evaluate(kk, embedding, fit_rows, settings)
        if progress is not None:
            progress(done / len(ks), f"k={kk}: {_facts(solutions[kk], target)}")
    chosen, reason = _choose(solutions, settings, fixed=k is not None)
    diagnostics = [solution.diagnostics for solution in solutions.values()]
    stable = any(d.usable for d in diagnostics)
    return Clustering(chosen.labels, chosen.diagnostics.k, reason, diagnostics, stable, encoder.features_)

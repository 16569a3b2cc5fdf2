"""Discovered segments: k-means on a FAMD encoding of mixed account data, k chosen for usefulness.

Encoding: :class:`~.mixed_encoding.MixedEncoder` (FAMD weighting of numeric, categorical and
multi-valued columns, then PCA to at most 10 components; described in :mod:`.mixed_encoding`).
Then ``KMeans(n_init=4)``. Above ``sample_size`` rows the encoder, the PCA and KMeans are fitted on
a random sample; every row is then transformed and predicted in chunks of 100k. Fits run
single-threaded (``threadpool_limits(1)``): they are small.

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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

from icp_assistant.tools.core.errors import ColumnError, InsufficientDataError, OptionError, listing

from .mixed_encoding import Facet, MixedEncoder, numbers

__all__ = ["Clustering", "KDiagnostics", "MixedEncoder", "discover_segments"]

STABILITY_THRESHOLD = 0.6  # mean ARI under resampling below which a segmentation is not real
NEAR_TIE = 0.05  # stabilities this close count as equal when choosing k
SEPARATION_TIE = 0.02  # Cramer's V this close counts as equal when choosing k
RESTATED = 0.9  # segments one column explains this much of (uncertainty coefficient) are not discovered
SILHOUETTE_ROWS = 5000
SILHOUETTE_MB = 32

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


# ------------------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class _Target:
    """What segments should separate: codes per row (-1 = missing) and a name for the reason."""

    codes: np.ndarray
    levels: int
    name: str


def _outcome_target(outcome: pd.Series) -> _Target:
    raw = pd.Series(outcome).reset_index(drop=True)
    won = numbers(raw)
    odd = raw.notna().to_numpy() & ~np.isin(won, (0.0, 1.0))
    if odd.any():
        found = listing(raw[odd].astype(str).unique(), 5)
        raise OptionError(f"outcome must be True/False or 1/0 per row (missing allowed); found {found}.")
    return _Target(np.where(np.isfinite(won), won, -1).astype(np.int64), 2, "win rate")


def _value_target(value: pd.Series) -> _Target:
    x = pd.Series(numbers(pd.Series(value).reset_index(drop=True)))
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


def _restated(labels: np.ndarray, facets: list[Facet]) -> tuple[str, float] | None:
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
    facets: list[Facet]


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

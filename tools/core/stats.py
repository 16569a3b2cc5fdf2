"""Honest statistics for small and clustered samples.

Every rate carries its count and a Wilson 95% interval; tests of many attribute values are corrected
with Benjamini-Hochberg; deal-level comparisons shrink their sample to an *effective* size with the
design effect of deals clustered within accounts (1 + (m - 1) x ICC), so 8,000 deals from 85 accounts
are not treated as 8,000 independent observations.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from types import ModuleType

import numpy as np
import pandas as pd

from .schemas import MIN_N, Rate

ALPHA = 0.05


def _scipy_stats() -> ModuleType:
    """scipy.stats, imported on the first test rather than when the server starts (it costs ~0.5 s)."""
    from scipy import stats

    return stats


def wilson(hits: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval, as scipy's ``binomtest(hits, n).proportion_ci(confidence, method="wilson")`` gives it:
    the same formula (Newcombe 1998) in the same order, so the same floats, without the two-sided binomial test
    ``binomtest`` works out first (about 1 ms a rate, most of describing a segment)."""
    if n <= 0:
        return None
    k, n = int(hits), int(n)
    if not 0 <= k <= n:
        raise ValueError(f"{k} hits out of {n}: hits must be between 0 and n")
    z = _z(confidence)
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
    return 0.0 if k == 0 else float(center - delta), 1.0 if k == n else float(center + delta)


@cache
def _z(confidence: float) -> np.float64:
    """The two-sided normal quantile of ``confidence`` (1.96 for 95%), as scipy's interval takes it."""
    from scipy.special import ndtri

    return np.float64(ndtri(0.5 + 0.5 * confidence))


def rate(hits: float, n: float, min_n: int = MIN_N) -> Rate:
    hits_i, n_i = round(hits), round(n)
    interval = wilson(hits_i, n_i)
    return Rate(
        rate=round(hits_i / n_i, 4) if n_i else None,
        hits=hits_i,
        n=n_i,
        low=round(interval[0], 4) if interval else None,
        high=round(interval[1], 4) if interval else None,
        small_sample=n_i < min_n,
    )


def two_by_two_p(a: float, b: float, c: float, d: float) -> float:
    """p-value for a 2x2 table [[a, b], [c, d]]: Fisher's exact when small, else chi-square. Kept per table: an
    exact test takes about 1 ms, and the same value-by-outcome tables recur when one dataset is analysed again
    (patterns, then red flags, then the ICP, each re-run with other settings)."""
    return _two_by_two_p(float(a), float(b), float(c), float(d))


@lru_cache(maxsize=1 << 15)
def _two_by_two_p(a: float, b: float, c: float, d: float) -> float:
    table = np.array([[a, b], [c, d]], dtype=float)
    if table.min() < 0 or table.sum(axis=1).min() == 0 or table.sum(axis=0).min() == 0:
        return 1.0
    if table.sum() <= 2000 or table.min() < 5:
        return float(_scipy_stats().fisher_exact(np.round(table).astype(int))[1])
    return float(_scipy_stats().chi2_contingency(table, correction=True)[1])


def bh_adjust(pvalues: list[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values)."""
    values = np.asarray(pvalues, dtype=float)
    if values.size == 0:
        return values
    return np.asarray(_scipy_stats().false_discovery_control(np.clip(values, 0, 1), method="bh"))


def design_effect(outcome: pd.Series, cluster: pd.Series) -> float:
    """1 + (mean cluster size - 1) x ICC for a binary outcome clustered in accounts (ANOVA estimator)."""
    frame = pd.DataFrame({"y": outcome.astype(float), "g": cluster}).dropna()
    groups = frame.groupby("g")["y"]
    k, n = groups.ngroups, len(frame)
    if k < 2 or n <= k:
        return 1.0
    sizes = groups.size()
    means = groups.mean()
    grand = frame["y"].mean()
    msb = float((sizes * (means - grand) ** 2).sum() / (k - 1))
    msw = float(((frame["y"] - frame["g"].map(means)) ** 2).sum() / (n - k))
    m0 = (n - float((sizes**2).sum()) / n) / (k - 1)
    icc = (msb - msw) / (msb + (m0 - 1) * msw) if (msb + (m0 - 1) * msw) > 0 else 0.0
    icc = min(max(icc, 0.0), 1.0)
    return 1.0 + (float(sizes.mean()) - 1.0) * icc


def mann_whitney_p(inside: pd.Series, outside: pd.Series) -> float:
    a, b = inside.dropna(), outside.dropna()
    if len(a) < 3 or len(b) < 3 or (a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]):
        return 1.0
    return float(_scipy_stats().mannwhitneyu(a, b, alternative="two-sided").pvalue)


def spearman(x: pd.Series, y: pd.Series) -> tuple[float, float, int] | None:
    """(rho, p-value, n) on rows where both are known; None below 10 rows."""
    both = pd.DataFrame({"x": x, "y": y}).dropna()
    if len(both) < 10 or both["x"].nunique() < 2 or both["y"].nunique() < 2:
        return None
    result = _scipy_stats().spearmanr(both["x"], both["y"])
    return float(result.statistic), float(result.pvalue), len(both)


def shrunk_rate(hits: float, n: float, base: float, strength: float = 20.0) -> float:
    """Empirical-Bayes style shrinkage toward the base rate: small samples cannot top a ranking by luck."""
    return (hits + strength * base) / (n + strength) if (n + strength) > 0 else base


def quantiles(series: pd.Series) -> tuple[float, float, float] | None:
    """(25th, median, 75th) of the known values."""
    known = pd.to_numeric(series, errors="coerce").dropna()
    if known.empty:
        return None
    q = known.quantile([0.25, 0.5, 0.75]).tolist()
    return float(q[0]), float(q[1]), float(q[2])


def round_sig(value: float | None, digits: int = 3) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")

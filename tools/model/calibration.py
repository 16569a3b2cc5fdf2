"""Close likelihood from a fit score: a calibration fitted on one half of the held-out deals and checked on the other.

The held-out deals (scored by the ICP's method refitted without them, see :func:`.validation.held_out`) are split by
account into a fitting half and a checking half. Two shapes are fitted on the first half: Platt scaling (a logistic
curve of the score, Platt 1999) and isotonic regression (a monotone step: win rates that stay flat and then jump for
the best-fitting accounts, which a logistic curve cannot follow). The one with the lower Brier score in a five-fold
cross-validation by account within that half is kept, so small samples get the smoother curve and large ones the
shape the data has; the choice never sees the checking half. On the second half the deals are cut into likelihood
bands of at least ``MIN_BAND`` deals, and each band's mean predicted likelihood is set against its observed win rate
with a Wilson interval at the effective sample size (deals of one account are alike: the design effect of
:func:`..core.stats.design_effect`). The calibrator applied to open deals is the one that was checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from icp_assistant.tools.core.stats import design_effect, rate, wilson

from .evaluation import group_split
from .team_schemas import LikelihoodBand

if TYPE_CHECKING:  # sklearn is imported on the first fit: the server starts without it
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

Shape = Literal["Platt scaling", "isotonic regression"]

MIN_BAND = 30  # deals per likelihood band on the checking half
MAX_BANDS = 5
FOLDS = 5  # cross-validation folds (by account) choosing the shape


@dataclass
class Calibrator:
    """A fitted calibration of the fit score (its shape chosen on the fitting half), and its check on deals it was
    not fitted on."""

    shape: Shape
    model: LogisticRegression | IsotonicRegression
    fitted_on: int
    checked_on: int
    design_effect: float
    bands: list[LikelihoodBand]

    @property
    def holds(self) -> bool:
        return all(band.inside for band in self.bands)

    def likelihood(self, score: ArrayLike) -> np.ndarray:
        """Close likelihood 0-1 for each score; NaN where the score is missing."""
        values = pd.to_numeric(pd.Series(np.ravel(score)), errors="coerce").to_numpy(dtype=float)
        out = np.full(len(values), np.nan)
        known = np.isfinite(values)
        if known.any():
            out[known] = _predict(self.model, values[known])
        return out


def _predict(model: LogisticRegression | IsotonicRegression, score: np.ndarray) -> np.ndarray:
    from sklearn.isotonic import IsotonicRegression

    if isinstance(model, IsotonicRegression):
        return np.asarray(model.predict(score), dtype=float)
    return np.asarray(model.predict_proba(score.reshape(-1, 1))[:, 1], dtype=float)


def _fit(shape: Shape, score: np.ndarray, outcome: np.ndarray) -> LogisticRegression | IsotonicRegression:
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    if shape == "isotonic regression":
        return IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(score, outcome)
    return LogisticRegression(C=np.inf).fit(score.reshape(-1, 1), outcome)


def choose_shape(score: np.ndarray, outcome: np.ndarray, groups: np.ndarray) -> Shape:
    """The shape with the lower cross-validated Brier score (folds by account); Platt on a tie or too few accounts."""
    from sklearn.model_selection import GroupKFold

    if len(np.unique(groups)) < FOLDS:
        return "Platt scaling"
    errors: dict[Shape, float] = {"Platt scaling": 0.0, "isotonic regression": 0.0}
    for train, test in GroupKFold(n_splits=FOLDS).split(score, outcome, groups):
        if len(np.unique(outcome[train])) < 2:
            return "Platt scaling"
        for shape in errors:
            predicted = _predict(_fit(shape, score[train], outcome[train]), score[test])
            errors[shape] += float(np.sum((predicted - outcome[test]) ** 2))
    return "isotonic regression" if errors["isotonic regression"] < errors["Platt scaling"] else "Platt scaling"


def fit_calibrator(
    score: ArrayLike, outcome: ArrayLike, groups: ArrayLike | None, *, random_state: int = 0
) -> Calibrator:
    """A calibration fitted on half the held-out deals (split by account; its shape chosen by cross-validation within
    that half), checked per likelihood band on the other half."""
    s = pd.to_numeric(pd.Series(np.ravel(score)), errors="coerce").to_numpy(dtype=float)
    y = np.ravel(np.asarray(outcome, dtype=int))
    ids = pd.Series(np.ravel(np.asarray(groups, dtype=object)) if groups is not None else np.arange(len(y)))
    fit, check, _ = group_split(ids, test_share=0.5, random_state=random_state)
    shape = choose_shape(s[fit], y[fit], ids[fit].astype(str).to_numpy())
    model = _fit(shape, s[fit], y[fit])
    predicted = _predict(model, s[check])
    deff = design_effect(pd.Series(y[check]), ids[check].reset_index(drop=True))
    bands = check_bands(predicted, y[check], deff, fitted=_predict(model, s[fit]))
    return Calibrator(shape, model, int(fit.sum()), int(check.sum()), round(deff, 3), bands)


def check_bands(
    predicted: np.ndarray, outcome: np.ndarray, deff: float = 1.0, fitted: np.ndarray | None = None
) -> list[LikelihoodBand]:
    """Quantile bands of the predictions (at least ``MIN_BAND`` deals each; tied predictions share a band), each
    with its observed win rate and a Wilson 95% interval at the effective sample size (``deff``: the design effect).

    A band holds when its mean prediction is within sampling error of its observed rate: the difference is within
    the Bonferroni-corrected normal quantile (5% for all bands together) times the standard error of the
    difference, which adds to the check half's sampling error that of the prediction itself, learned from the
    ``fitted`` half's deals in the band's likelihood range (a calibration fitted on a few hundred deals is itself
    uncertain). A perfect calibration then holds in at least 95 of 100 checks, whatever the number of bands."""
    from scipy.stats import norm

    count = max(1, min(MAX_BANDS, len(predicted) // MIN_BAND))
    band = np.floor(count * (pd.Series(predicted).rank(method="min").to_numpy() - 1) / len(predicted))
    frame = pd.DataFrame({"p": predicted, "y": outcome, "band": band})
    groups = list(frame.groupby("band", sort=True))
    z = float(norm.ppf(1 - 0.05 / (2 * len(groups))))
    edges = [float(part["p"].min()) for _, part in groups[1:]]
    fitted_band = np.searchsorted(edges, fitted, side="right") if fitted is not None else None
    out = []
    for position, (_, part) in enumerate(groups):
        hits, n = int(part["y"].sum()), len(part)
        interval = wilson(round(hits / deff), max(1, round(n / deff)))
        observed = rate(hits, n)
        if interval is not None:
            observed = observed.model_copy(update={"low": round(interval[0], 4), "high": round(interval[1], 4)})
        mean = float(part["p"].mean())
        variance = mean * (1 - mean) * deff / n
        if fitted_band is not None and (behind := int((fitted_band == position).sum())):
            variance += mean * (1 - mean) * deff / behind
        inside = abs(mean - hits / n) <= z * math.sqrt(variance)
        span = (round(float(part["p"].min()), 4), round(float(part["p"].max()), 4))
        out.append(
            LikelihoodBand(likelihood_range=span, mean_likelihood=round(mean, 4), observed=observed, inside=inside)
        )
    return out

"""Close likelihood from a fit score: Platt scaling fitted on one half of the held-out deals and checked on the other.

The held-out deals (scored by the ICP's method refitted without them, see :func:`.validation.held_out`) are split by
account into a fitting half and a checking half. A one-feature logistic regression on the score (Platt 1999; sigmoid
rather than isotonic, which overfits under ~1,000 deals) is fitted on the first; on the second, the deals are cut into
likelihood bands of at least ``MIN_BAND`` deals, and each band's mean predicted likelihood is set against its observed
win rate with a Wilson interval at the effective sample size (deals of one account are alike: the design effect of
:func:`..core.stats.design_effect`). The calibrator applied to open deals is the one that was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pydantic import BaseModel, Field

from icp_assistant.tools.core.stats import Rate, design_effect, rate, wilson

from .evaluation import group_split

if TYPE_CHECKING:  # sklearn is imported on the first fit: the server starts without it
    from sklearn.linear_model import LogisticRegression

MIN_BAND = 30  # deals per likelihood band on the checking half
MAX_BANDS = 5


class LikelihoodBand(BaseModel):
    """One band of the checking half: what the calibrator predicted against what happened."""

    likelihood_range: tuple[float, float] = Field(description="Lowest and highest predicted likelihood in the band")
    mean_likelihood: float = Field(description="Mean predicted close likelihood, 0-1")
    observed: Rate = Field(
        description="Observed win rate of the band's deals; Wilson 95% interval at the effective sample size"
    )
    inside: bool = Field(description="The mean prediction lies inside the observed rate's interval")


@dataclass
class Calibrator:
    """A fitted Platt scaling of the fit score, and its check on deals it was not fitted on."""

    model: LogisticRegression
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
            out[known] = self.model.predict_proba(values[known].reshape(-1, 1))[:, 1]
        return out


def fit_calibrator(
    score: ArrayLike, outcome: ArrayLike, groups: ArrayLike | None, *, random_state: int = 0
) -> Calibrator:
    """Platt scaling on half the held-out deals (split by account), checked per likelihood band on the other half."""
    s = pd.to_numeric(pd.Series(np.ravel(score)), errors="coerce").to_numpy(dtype=float)
    y = np.ravel(np.asarray(outcome, dtype=int))
    ids = pd.Series(np.ravel(np.asarray(groups, dtype=object)) if groups is not None else np.arange(len(y)))
    fit, check, _ = group_split(ids, test_share=0.5, random_state=random_state)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=np.inf).fit(s[fit].reshape(-1, 1), y[fit])
    predicted = model.predict_proba(s[check].reshape(-1, 1))[:, 1]
    deff = design_effect(pd.Series(y[check]), ids[check].reset_index(drop=True))
    return Calibrator(model, int(fit.sum()), int(check.sum()), round(deff, 3), check_bands(predicted, y[check], deff))


def check_bands(predicted: np.ndarray, outcome: np.ndarray, deff: float = 1.0) -> list[LikelihoodBand]:
    """Quantile bands of the predictions (at least ``MIN_BAND`` deals each; tied predictions share a band), each
    with its observed win rate and a Wilson interval at the effective sample size (``deff``: the design effect)."""
    count = max(1, min(MAX_BANDS, len(predicted) // MIN_BAND))
    band = np.floor(count * (pd.Series(predicted).rank(method="min").to_numpy() - 1) / len(predicted))
    frame = pd.DataFrame({"p": predicted, "y": outcome, "band": band})
    out = []
    for _, part in frame.groupby("band", sort=True):
        hits, n = int(part["y"].sum()), len(part)
        interval = wilson(round(hits / deff), max(1, round(n / deff)))
        observed = rate(hits, n)
        if interval is not None:
            observed = observed.model_copy(update={"low": round(interval[0], 4), "high": round(interval[1], 4)})
        mean = float(part["p"].mean())
        inside = observed.low is not None and observed.high is not None and observed.low <= mean <= observed.high
        span = (round(float(part["p"].min()), 4), round(float(part["p"].max()), 4))
        out.append(LikelihoodBand(likelihood_range=span, mean_likelihood=round(mean, 4), observed=observed,
                                  inside=inside))  # fmt: skip
    return out

"""check_drift: have recent wins moved away from the ICP? The quarterly review.

Reference: the won deals the ICP was built from (or, with a date cut, those closed before it).
Recent: the won deals of a second loaded dataset (a later export), or those closed on or after the cut.
Each attribute is compared with :mod:`.drift_stats` (PSI, KS / Cramer's V, coverage kept apart from
mix). At the ICP level: the share of wins that score red now against before (rising = the ICP is
getting stale) and the win rate per tier then and now. Fewer than 30 recent wins is too few to judge.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from icp_assistant.tools.analysis.attributes import add_bands, attributes
from icp_assistant.tools.analysis.contrast import Comparison
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError, OptionError
from icp_assistant.tools.core.stats import MIN_N, Rate, rate

from .drift_stats import DriftReport, compare_samples
from .icp import ICPVersion, columns_read, score_rows, training_frame
from .review_schemas import DriftCheck, TierRates

NUMBERS = ("employee_count", "annual_revenue", "company_age")
NOT_COMPARED = {"city", "state"}  # too fine-grained: every small sample "drifts" there
NOISE_RESAMPLES = 100


def _periods(
    reference: Dataset, recent: Dataset | None, since: str | None, icp: ICPVersion
) -> tuple[Comparison, Comparison, str, str]:
    compared = [a.column for a in attributes(reference, add_bands(reference.accounts))]
    keep = [*columns_read(icp), *compared, *NUMBERS]
    base, _, _ = training_frame(reference, icp.outcome, keep, learn=False)
    if recent is not None:
        later, _, _ = training_frame(recent, icp.outcome, keep, learn=False)
        return base, later, f"deals of dataset {reference.name!r}", f"deals of dataset {recent.name!r}"
    if since is None:
        raise OptionError("Give recent (a dataset of newer deals loaded with load_accounts) or since (a date cut).")
    try:
        cut = pd.Timestamp(dt.date.fromisoformat(since))
    except ValueError as exc:
        raise OptionError(f"since={since!r} is not a date; use YYYY-MM-DD, e.g. '2025-10-01'.") from exc
    if base.dates is None:
        raise InsufficientDataError("The deals have no close dates, so there is nothing to cut; pass recent instead.")
    dates = pd.to_datetime(base.dates)
    before, after = (dates < cut).to_numpy(), (dates >= cut).to_numpy()
    return (
        _subset(base, before),
        _subset(base, after),
        f"deals closed before {since}",
        f"deals closed on or after {since}",
    )


def _subset(frame: Comparison, mask: np.ndarray) -> Comparison:
    cluster = frame.cluster[mask] if frame.cluster is not None else None
    dates = frame.dates[mask] if frame.dates is not None else None
    return Comparison(frame.rows[mask], frame.members[mask], frame.unit, frame.label, cluster, dates)


def _tier_rates(icp: ICPVersion, frame: Comparison) -> tuple[TierRates, Rate, pd.DataFrame]:
    scored = score_rows(icp, frame.rows, points=False)
    won = frame.members.to_numpy()
    by_tier: dict[str, Rate | None] = {}
    for tier in ("green", "yellow", "red"):
        in_tier = scored["tier"].eq(tier).to_numpy()
        by_tier[tier] = rate(int(won[in_tier].sum()), int(in_tier.sum())) if in_tier.any() else None
    red_wins = rate(int(scored.loc[won, "tier"].eq("red").sum()), int(won.sum()))
    wins = frame.rows[won]
    if frame.cluster is not None:  # one row per won account: deals of one account are not independent evidence
        wins = wins[~frame.cluster[won].duplicated().to_numpy()]
    return TierRates(**by_tier), red_wins, wins


def check_drift(
    reference: Dataset, icp: ICPVersion, *, recent: Dataset | None = None, since: str | None = None
) -> DriftCheck:
    before, now, reference_label, recent_label = _periods(reference, recent, since, icp)
    tiers_before, red_before, wins_before = _tier_rates(icp, before)
    tiers_now, red_now, wins_now = _tier_rates(icp, now)
    kinds: dict[str, str] = {
        a.column: a.kind
        for a in attributes(reference, wins_before)
        if a.column in wins_now and a.column not in NOT_COMPARED
    }
    kinds.update({c: "number" for c in NUMBERS if c in wins_before and c in wins_now})
    report = compare_samples(wins_before, wins_now, kinds, noise_resamples=NOISE_RESAMPLES)  # type: ignore[arg-type]
    enough = red_now.n >= MIN_N
    return DriftCheck(
        icp=icp.name,
        version=icp.version,
        reference=f"won {reference_label} ({red_before.n:,})",
        recent=f"won {recent_label} ({red_now.n:,})",
        enough=enough,
        verdict=_verdict(report, red_before, red_now, enough),
        red_share_before=red_before,
        red_share_now=red_now,
        tier_win_rates_before=tiers_before,
        tier_win_rates_now=tiers_now,
        attributes=report,
    )


def _verdict(report: DriftReport, before: Rate, now: Rate, enough: bool) -> str:
    if not enough:
        return f"Too few recent wins ({now.n} < {MIN_N}) to judge drift; re-run when there are more."
    rising = (
        now.rate is not None
        and before.rate is not None
        and now.low is not None
        and before.high is not None
        and now.low > before.high
    )
    red = f"{now.rate:.0%} of recent wins score red vs {before.rate:.0%} before" if now.rate is not None else ""
    if rising:
        return f"The ICP is getting stale: {red} (intervals do not overlap). {report.verdict}"
    return f"{report.verdict}. {red.capitalize()}." if red else report.verdict

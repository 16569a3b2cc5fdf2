"""Account outcomes (customer, churn, NPS, lifecycle stage), noise columns and the account draw."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .deals import _Deals
from .firmographics import _Accounts, _assign_profiles, _firmographics
from .helpers import _by_profile, _pick, _unique_ids, _Window
from .names import _name_parts
from .specs import SegmentSpec
from .vocab import (
    CHURNED,
    COLORS,
    CUSTOMER,
    EVANGELIST,
    FORMER,
    LEAD,
    MISSING,
    MQL,
    NOTE_WEIGHTS,
    OPEN,
    OPPORTUNITY,
    SUBSCRIBER,
    WON,
)


def _status(
    rng: np.random.Generator,
    acc: _Accounts,
    segments: Sequence[SegmentSpec],
    window: _Window,
    customer_day: np.ndarray,
    activity: tuple[np.ndarray, np.ndarray],
) -> None:
    """Churn, NPS and lifecycle stage from who became a customer (``customer_day`` != MISSING)."""
    n = len(acc)
    has_open, has_deal = activity
    customer = customer_day != MISSING
    churned = customer & (rng.random(n) < _by_profile(segments, "churn_rate", acc.profile))
    span = window.days - np.where(customer, customer_day, 0)
    u = rng.random(n)
    offset = np.where(span > 30, 30 + np.floor(u * (span - 30)), np.floor(u * np.maximum(span, 0)))
    nps = np.clip(np.round(rng.normal(_by_profile(segments, "nps_mean", acc.profile) - 1.5 * churned, 1.5)), 0, 10)
    acc.customer_day = customer_day
    acc.churn_day = np.where(churned, customer_day + offset.astype(np.int64), MISSING)
    acc.nps = np.where(customer & (rng.random(n) < 0.85), nps, np.nan)
    v = rng.random(n)
    unengaged = np.select([v < 0.5, v < 0.8], [LEAD, MQL], SUBSCRIBER)
    acc.lifecycle = np.select(
        [churned & (v < 0.7), churned, customer & (nps >= 9) & (v < 0.25), customer, has_open, has_deal],
        [CHURNED, FORMER, EVANGELIST, CUSTOMER, OPPORTUNITY, LEAD],
        unengaged,
    )


def _noise(rng: np.random.Generator, acc: _Accounts) -> None:
    n = len(acc)
    acc.color = rng.integers(0, len(COLORS), n)
    acc.lead_score = rng.integers(0, 101, n)
    acc.note = _pick(rng, NOTE_WEIGHTS, n)


def _draw_accounts(
    streams: dict[str, np.random.Generator],
    n: int,
    segments: Sequence[SegmentSpec],
    window: _Window,
    *,
    unique_names: bool = True,
    exclude: frozenset[str] = frozenset(),
) -> _Accounts:
    profile = _assign_profiles(streams["profiles"], n, segments)
    firmo = _firmographics(streams["firmographics"], profile, window.end_year)
    names = _name_parts(streams["names"], firmo["industry"], firmo["country"], unique=unique_names, exclude=exclude)
    acc = _Accounts(profile=profile, ids=_unique_ids(streams["ids"], n), **firmo, **names)
    _noise(streams["noise"], acc)
    return acc


def _outcomes_from_deals(
    rng: np.random.Generator, acc: _Accounts, deals: _Deals, segments: Sequence[SegmentSpec], window: _Window
) -> None:
    n = len(acc)
    big = np.iinfo(np.int64).max
    won = deals.outcome == WON
    customer_day = np.full(n, big)
    np.minimum.at(customer_day, deals.account[won], deals.close_day[won])
    first_create = np.full(n, big)
    np.minimum.at(first_create, deals.account, deals.create_day)
    has_deal = first_create < big
    acc.create_day = np.where(has_deal, first_create - rng.integers(0, 181, n), rng.integers(-365, window.days + 1, n))
    acc.create_minute = rng.integers(7 * 60, 20 * 60, n)
    has_open = np.bincount(deals.account[deals.outcome == OPEN], minlength=n) > 0
    customer_day = np.where(customer_day < big, customer_day, MISSING)
    _status(rng, acc, segments, window, customer_day, (has_open, has_deal))


def _outcomes_without_deals(
    rng: np.random.Generator, acc: _Accounts, segments: Sequence[SegmentSpec], window: _Window
) -> None:
    """Account-level outcomes for the large frame: P(customer) = the planted win rate."""
    n = len(acc)
    customer = rng.random(n) < _by_profile(segments, "win_rate", acc.profile)
    customer_day = np.where(customer, rng.integers(0, window.days + 1, n), MISSING)
    acc.create_day = np.where(customer, customer_day, window.days) - rng.integers(30, 400, n)
    acc.create_minute = rng.integers(7 * 60, 20 * 60, n)
    has_open = ~customer & (rng.random(n) < 0.3)
    has_deal = customer | has_open | (rng.random(n) < 0.4)
    _status(rng, acc, segments, window, customer_day, (has_open, has_deal))

"""Deals per account: who is worked, outcome, timing, amount, owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .firmographics import _Accounts
from .helpers import _by_profile, _pick, _unique_ids, _Window
from .specs import SegmentSpec
from .vocab import BASE_AMOUNT, DEAL_KIND_WEIGHTS, LOST, OPEN, OPEN_SHARE, OPEN_STAGE_WEIGHTS, OWNERS, WON


@dataclass
class _Deals:
    ids: np.ndarray
    account: np.ndarray
    outcome: np.ndarray
    stage: np.ndarray
    create_day: np.ndarray
    create_minute: np.ndarray
    close_day: np.ndarray
    amount: np.ndarray
    owner: np.ndarray
    pipeline: np.ndarray
    kind: np.ndarray

    def sorted(self) -> _Deals:
        order = np.lexsort((self.create_minute, self.create_day))
        return _Deals(**{k: v[order] for k, v in vars(self).items()})


def _deal_accounts(rng: np.random.Generator, n_accounts: int, n_deals: int) -> np.ndarray:
    weights = rng.lognormal(0.0, 0.8, n_accounts)
    weights[rng.random(n_accounts) < 0.08] = 0.0  # accounts never worked
    if weights.sum() == 0:
        weights[:] = 1.0
    return rng.choice(n_accounts, size=n_deals, p=weights / weights.sum())


def _deal_timing(
    rng: np.random.Generator, cycle_median: np.ndarray, is_open: np.ndarray, window: _Window
) -> tuple[np.ndarray, np.ndarray]:
    n = len(is_open)
    cycle = np.maximum(1, np.round(rng.lognormal(np.log(cycle_median), 0.45))).astype(np.int64)
    closed_close = rng.integers(0, window.days + 1, n)
    open_create = window.days - rng.integers(0, 121, n)
    open_close = np.maximum(open_create + cycle, window.days + rng.integers(7, 61, n))
    create = np.where(is_open, open_create, closed_close - cycle)
    close = np.where(is_open, open_close, closed_close)
    return create, close


def _draw_deals(
    rng: np.random.Generator, acc: _Accounts, n_deals: int, segments: Sequence[SegmentSpec], window: _Window
) -> _Deals:
    account = _deal_accounts(rng, len(acc), n_deals)
    profile = acc.profile[account]
    is_open = rng.random(n_deals) < OPEN_SHARE
    won = rng.random(n_deals) < _by_profile(segments, "win_rate", profile)
    outcome = np.where(is_open, OPEN, np.where(won, WON, LOST))
    create, close = _deal_timing(rng, _by_profile(segments, "median_cycle_days", profile), is_open, window)
    amount_median = BASE_AMOUNT * _by_profile(segments, "amount_multiplier", profile)
    amount = (np.round(rng.lognormal(np.log(amount_median), 0.55) / 100) * 100).astype(np.int64)
    open_stage = 2 + _pick(rng, OPEN_STAGE_WEIGHTS, n_deals)
    other_owner = rng.integers(0, len(OWNERS), n_deals)
    return _Deals(
        ids=_unique_ids(rng, n_deals),
        account=account,
        outcome=outcome,
        stage=np.where(is_open, open_stage, outcome),
        create_day=create,
        create_minute=rng.integers(8 * 60, 19 * 60, n_deals),
        close_day=close,
        amount=np.maximum(amount, 500),
        owner=np.where(rng.random(n_deals) < 0.88, acc.owner[account], other_owner),
        pipeline=(rng.random(n_deals) < 0.15).astype(np.int64),
        kind=_pick(rng, DEAL_KIND_WEIGHTS, n_deals),
    ).sorted()

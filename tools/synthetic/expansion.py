"""A planted expansion group: follow-on "Expansion" deals won after a customer's first win (opt-in).

With ``generate_accounts_and_deals(..., expansion=True)`` the customers of one firmographic trait
combination win a follow-on deal after their first won deal far more often than other customers:

* the group: Industry "Software" and "Google Analytics" in Web Technologies (about 9% of accounts);
* each customer (an account with a won deal) gets one extra won deal named "<company> - Expansion",
  closed 30 to 365 days after its first win (inside the window, and before its churn date if it
  churned), with probability ``GROUP_RATE`` (0.75) in the group and ``REST_RATE`` (0.10) elsewhere,
  at about half the base deal amount.

The generator's own deals already give some customers a second win by chance (more deals per
account, more repeat wins), so the *realised* rates, computed on the clean frames with the engine's
definition (a won deal closed after the account's first won deal), are recorded beside the planted
ones in ``GroundTruth.realised["expansion"]``. Off by default: the example files do not change.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .deals import _Deals
from .firmographics import _Accounts
from .helpers import _unique_ids, _Window
from .vocab import BASE_AMOUNT, DEAL_KINDS, INDUSTRIES, MISSING, TOOLS, WON

GROUP_INDUSTRY = "Software"
GROUP_TECHNOLOGY = "Google Analytics"
GROUP_RATE = 0.75
REST_RATE = 0.10
RULE = f"Industry = {GROUP_INDUSTRY} and {GROUP_TECHNOLOGY} in Web Technologies"
_STREAM = 14  # the stream key: SeedSequence((seed, 14)), apart from the generator's own streams


def in_group(acc: _Accounts) -> np.ndarray:
    """Accounts of the planted expansion group (by their clean codes)."""
    tool = [name for name, _ in TOOLS].index(GROUP_TECHNOLOGY)
    has_tool = (acc.tech >= 0) & (((acc.tech // 8) >> tool) & 1).astype(bool)
    return (acc.industry == INDUSTRIES.index(GROUP_INDUSTRY)) & has_tool


def plant_expansion(seed: int, acc: _Accounts, deals: _Deals, window: _Window) -> _Deals:
    """``deals`` with one follow-on won "Expansion" deal for the customers drawn to expand."""
    rng = np.random.default_rng(np.random.SeedSequence((seed, _STREAM)))
    n = len(acc)
    first = acc.customer_day
    customer = first != MISSING
    end = np.where(acc.churn_day != MISSING, np.minimum(acc.churn_day, window.days), window.days)
    room = customer & (first + 30 <= end)
    chance = np.where(in_group(acc), GROUP_RATE, REST_RATE)
    chosen = np.flatnonzero(room & (rng.random(n) < chance))
    span = np.minimum(end[chosen] - first[chosen], 365) - 30
    close = first[chosen] + 30 + np.floor(rng.random(len(chosen)) * (span + 1)).astype(np.int64)
    cycle = np.maximum(1, np.round(rng.lognormal(np.log(40), 0.4, len(chosen)))).astype(np.int64)
    amount = np.maximum(500, np.round(rng.lognormal(np.log(0.5 * BASE_AMOUNT), 0.5, len(chosen)) / 100) * 100)
    ids = _unique_ids(rng, len(chosen) + len(deals.ids))
    fresh = ids[~np.isin(ids, deals.ids)][: len(chosen)]
    extra = _Deals(
        ids=fresh,
        account=chosen,
        outcome=np.full(len(chosen), WON),
        stage=np.full(len(chosen), WON),
        create_day=close - cycle,
        create_minute=rng.integers(8 * 60, 19 * 60, len(chosen)),
        close_day=close,
        amount=amount.astype(np.int64),
        owner=acc.owner[chosen],
        pipeline=np.zeros(len(chosen), dtype=np.int64),
        kind=np.full(len(chosen), DEAL_KINDS.index("Expansion")),
    )
    merged = {k: np.concatenate([getattr(deals, k), getattr(extra, k)]) for k in vars(deals)}
    return _Deals(**merged).sorted()


def realised_expansion(accounts: pd.DataFrame, deals: pd.DataFrame, group: np.ndarray) -> dict[str, Any]:
    """Planted and realised expansion rates from the clean frames: customers, and those with a won deal closed
    after their first won deal, in the group and elsewhere."""
    won = deals[deals["Deal Stage"].eq("Closed Won")]
    close = pd.to_datetime(won["Close Date"])
    first = close.groupby(won["Associated Company"]).transform("min")
    expanded = set(won.loc[close > first, "Associated Company"])
    customers = set(won["Associated Company"])
    names = accounts["Company name"]
    is_customer, has_expanded = names.isin(customers).to_numpy(), names.isin(expanded).to_numpy()

    def side(mask: np.ndarray) -> dict[str, Any]:
        n, hits = int((is_customer & mask).sum()), int((has_expanded & mask).sum())
        return {"customers": n, "expanded": hits, "rate": round(hits / n, 4) if n else None}

    return {
        "rule": RULE,
        "planted_rate_group": GROUP_RATE,
        "planted_rate_elsewhere": REST_RATE,
        "definition": "expanded = a won deal closed after the account's first won deal (any deal, not only the "
        "planted 'Expansion' ones)",
        "group_accounts": int(group.sum()),
        "group": side(group),
        "elsewhere": side(~group),
    }

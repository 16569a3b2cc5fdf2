"""The generators: accounts and deals, prospects to score, and large frames for benchmarks."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .deals import _draw_deals
from .expansion import in_group, plant_expansion, realised_expansion
from .frames import _accounts_frame, _deals_frame
from .helpers import _streams, _Window
from .messy import _Mess
from .names import _name_key
from .outcomes import _draw_accounts, _outcomes_from_deals, _outcomes_without_deals
from .realised import _ratio, realised_rates
from .specs import _RATES, GroundTruth, planted_segments, segment_labels
from .vocab import DEFAULT_END, DEFAULT_START, MAX_UNIQUE_ACCOUNTS, PROFILES, PROSPECT_COLUMNS, Drift


def _check(n: int, what: str, *, low: int = 1, high: int | None = None) -> None:
    if not isinstance(n, int | np.integer) or n < low or (high is not None and n > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{what} must be an integer of at least {low}{upper}, got {n!r}")


def _exclusion(names: Iterable[str]) -> frozenset[str]:
    return frozenset(_name_key(n) for n in names)


_NOTES = (
    "Segment rules are evaluated on the clean values (messy=False); in the messy export some of the "
    "defining cells are placeholders, ranges or differently spelled, as in real exports.",
    "Win rate = Closed Won / (Closed Won + Closed Lost) deals; cycle = Close Date - Create Date of won "
    "deals; churn rate = accounts with a Churn Date / accounts with a Became a Customer Date.",
    "Web Technologies cells list the CRM first; 'Salesforce' and 'Microsoft Dynamics 365' are the CRM "
    "values the rules look for.",
    "EUR revenues ('€5.1 Mio') are the USD value times 1/1.08; noise columns are independent of everything.",
)


def generate_accounts_and_deals(
    n_accounts: int = 500,
    n_deals: int = 3000,
    *,
    seed: int = 7,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    drift: Drift = "none",
    messy: bool = True,
    exclude_names: Iterable[str] = (),
    expansion: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, GroundTruth]:
    """A HubSpot-style companies export and deals export with planted segments.

    Closed deals close between ``start`` and ``end``; ~12% of deals are still open at ``end``.
    ``messy=False`` gives the clean, typed frames the messy ones were made from (same seed, same
    underlying data). ``drift="shift"`` plants the "shift" profile as the new source of wins.
    ``exclude_names``: company names not to reuse (e.g. those of another file of the same set).
    ``expansion=True`` plants an expansion group (:mod:`.expansion`), recorded in ``realised["expansion"]``.
    """
    _check(n_accounts, "n_accounts", high=MAX_UNIQUE_ACCOUNTS)
    _check(n_deals, "n_deals", low=0)
    if drift not in _RATES:
        raise ValueError(f"drift must be 'none' or 'shift', got {drift!r}")
    window = _Window.parse(start, end)
    segments = planted_segments(drift)
    streams = _streams(seed)
    acc = _draw_accounts(streams, n_accounts, segments, window, exclude=_exclusion(exclude_names))
    deals = _draw_deals(streams["deals"], acc, n_deals, segments, window)
    _outcomes_from_deals(streams["outcomes"], acc, deals, segments, window)
    deals = plant_expansion(seed, acc, deals, window) if expansion else deals
    clean_accounts = _accounts_frame(acc, window, None)
    clean_deals = _deals_frame(deals, acc, window, None)
    labels = segment_labels(clean_accounts, segments)
    mess = _Mess(streams["messy"]) if messy else None
    frames = (
        (_accounts_frame(acc, window, mess), _deals_frame(deals, acc, window, mess))
        if mess is not None
        else (clean_accounts, clean_deals)
    )
    truth = GroundTruth(
        dataset="accounts_and_deals",
        seed=seed,
        parameters={"n_accounts": n_accounts, "n_deals": n_deals, "start": start, "end": end, "drift": drift},
        segments=segments,
        segment_ids=_ids_by_segment(clean_accounts, labels),
        realised=realised_rates(clean_accounts, clean_deals, labels),
        messiness=mess.counts if mess is not None else {},
        notes=_NOTES,
    )
    if expansion:  # documented beside the segments; without it the truth is as before
        truth.parameters["expansion"] = True
        truth.realised["expansion"] = realised_expansion(clean_accounts, clean_deals, in_group(acc))
    return frames[0], frames[1], truth


def _ids_by_segment(frame: pd.DataFrame, labels: pd.Series) -> dict[str, list[str]]:
    ids = frame["Record ID"].astype("int64").astype(str)
    return {name: ids[labels.eq(name)].tolist() for name in PROFILES}


def generate_prospects(
    n: int = 300, *, seed: int = 11, messy: bool = True, exclude_names: Iterable[str] = ()
) -> tuple[pd.DataFrame, GroundTruth]:
    """Accounts to score: the firmographic columns of the accounts export, no outcomes.

    The true segment of each prospect is not a column; ``GroundTruth.segment_ids`` lists the Record
    IDs per planted segment, and the segment specs give the win rate each segment has in the
    accounts export (``drift="none"``).
    """
    _check(n, "n", high=MAX_UNIQUE_ACCOUNTS)
    window = _Window.parse(DEFAULT_START, DEFAULT_END)
    segments = planted_segments("prospects")
    streams = _streams(seed)
    acc = _draw_accounts(streams, n, segments, window, exclude=_exclusion(exclude_names))
    acc.create_day = window.days - streams["outcomes"].integers(0, 181, n)
    acc.create_minute = streams["outcomes"].integers(7 * 60, 20 * 60, n)
    clean = _accounts_frame(acc, window, None, PROSPECT_COLUMNS)
    labels = segment_labels(clean, segments)
    mess = _Mess(streams["messy"]) if messy else None
    frame = clean if mess is None else _accounts_frame(acc, window, mess, PROSPECT_COLUMNS)
    counts = labels.value_counts()
    realised = {
        name: {"prospects": int(counts.get(name, 0)), "share": _ratio(counts.get(name, 0), n)} for name in PROFILES
    }
    truth = GroundTruth(
        dataset="prospects",
        seed=seed,
        parameters={"n": n},
        segments=segments,
        segment_ids=_ids_by_segment(clean, labels),
        realised=realised,
        messiness=mess.counts if mess is not None else {},
        notes=(
            "A good fit score ranks 'best' prospects first and 'churn' prospects low: "
            "their planted win rate and churn rate are those of the accounts export (drift='none').",
        ),
    )
    return frame, truth


def generate_large_accounts(n: int, *, seed: int = 1, messy: bool = True) -> pd.DataFrame:
    """A large companies export (all account columns) for benchmarks; vectorised, ~seconds for 1M rows.

    Same planted segments and shares as ``drift="none"``; without deals, P(customer) per account is
    the segment's planted win rate. Company names are not unique (the name space is ~78k).
    """
    _check(n, "n")
    window = _Window.parse(DEFAULT_START, DEFAULT_END)
    segments = planted_segments("none")
    streams = _streams(seed)
    acc = _draw_accounts(streams, n, segments, window, unique_names=False)
    _outcomes_without_deals(streams["outcomes"], acc, segments, window)
    return _accounts_frame(acc, window, _Mess(streams["messy"]) if messy else None)

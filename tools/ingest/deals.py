"""Deals (opportunities): map stages to won / lost / open, join to accounts, aggregate per account.

Deals join to accounts by id when the deal's account reference matches account ids, otherwise by
normalised company name ("ACME Corp." = "Acme Corporation" = "acme"). Deals whose account cannot
be found are counted and reported, never silently dropped from the deal table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import take

from icp_assistant.tools.core.company_keys import normalize_names
from icp_assistant.tools.core.distinct import map_distinct

Outcome = Literal["won", "lost", "open"]

WON_STAGES = {
    "won",
    "closed won",
    "closedwon",
    "close won",
    "win",
    "signed",
    "contract signed",
    "booked",
    "purchased",
    "customer",
    "closed - won",
    "true",
}
LOST_STAGES = {
    "lost",
    "closed lost",
    "closedlost",
    "close lost",
    "loss",
    "disqualified",
    "unqualified",
    "no decision",
    "no-decision",
    "dead",
    "rejected",
    "abandoned",
    "closed - lost",
    "closed no decision",
    "false",
}


def stage_outcome(stage: object) -> Outcome:
    """won / lost / open for a stage label ("Closed Won", "Lost", "Engaging"...)."""
    key = " ".join(str(stage).lower().replace("_", " ").split())
    if key in WON_STAGES or key.endswith(" won") or key.startswith("won "):
        return "won"
    if key in LOST_STAGES or key.endswith(" lost") or key.startswith("lost "):
        return "lost"
    return "open"


@dataclass
class DealJoin:
    """How deals were joined to accounts."""

    key: Literal["id", "name"]
    deals: int
    matched: int
    without_account: int
    unknown_account: int
    unknown_examples: list[str] = field(default_factory=list)
    stage_map: dict[str, str] = field(default_factory=dict)  # stage label -> won/lost/open
    outcome_counts: dict[str, int] = field(default_factory=dict)


def _texts(values: pd.Series) -> pa.Array:
    """A column as Arrow strings (as ``astype(str)`` writes them), missing cells null."""
    return pa.array(values.astype(str).array)


def _positions(keys: pd.Series, refs: pd.Series) -> np.ndarray:
    """Row position of the first key equal to each ref, -1 for none: a missing ref names no account (it never
    joins an account whose key is missing too); one hash lookup in Arrow over the whole column."""
    found = pc.index_in(_texts(refs), value_set=_texts(keys), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)


def _lookup(positions: np.ndarray, refs: pd.Series, labels: pd.Index) -> pd.Series:
    """The label at each position (missing for -1); an empty ref is never joined."""
    positions = np.where(refs.eq("").fillna(False).to_numpy(dtype=bool), -1, positions)
    return pd.Series(take(np.asarray(labels), positions, allow_fill=True), index=refs.index)


def _integer_positions(keys: pd.Series, refs: pd.Series) -> np.ndarray | None:
    """:func:`_positions` of integer references (a numpy integer column: never missing), matched as numbers: a key
    equals a reference's text exactly when it is that integer written plainly ("42", not "042" or "+42"). None when
    a key is not an integer at all (then the texts are compared)."""
    texts = _texts(keys)
    try:
        numbers = pc.cast(texts, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    plain = pc.equal(pc.cast(numbers, pa.string()), texts)  # null for a missing key
    value_set = pc.if_else(plain, numbers, pa.scalar(None, pa.int64()))
    found = pc.index_in(pa.array(refs.to_numpy(dtype=np.int64)), value_set=value_set, skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)


def _by_id(accounts: pd.DataFrame, deals: pd.DataFrame) -> tuple[pd.Series, np.ndarray] | None:
    """Each deal's account reference and the position of its account, when deals join by id: most of the references
    are account ids. A reference is text, or the number itself when the column holds integers (never empty then).
    None: join by name."""
    if "account_id" not in accounts or "deal_account" not in deals:
        return None
    column = deals["deal_account"]
    whole = isinstance(column.dtype, np.dtype) and column.dtype.kind == "i" and column.dtype.itemsize <= 8
    positions = _integer_positions(accounts["account_id"], column) if whole else None
    if positions is not None:
        refs = column
    else:
        refs = column.astype(str).where(column.notna())
        positions = _positions(accounts["account_id"], refs)
    given = refs.notna().to_numpy(dtype=bool)
    return (refs, positions) if given.any() and (positions[given] >= 0).mean() > 0.5 else None


def join_deals(
    accounts: pd.DataFrame, deals: pd.DataFrame, named: pd.Series | None = None
) -> tuple[pd.DataFrame, DealJoin]:
    """Attach ``account_key`` (the accounts' index label) and ``outcome`` to each deal: from the stage, or from
    ``named`` ('won' / 'lost' / None per deal) when the user named the outcome column."""
    deals = deals.copy(deep=False)  # columns are added, never changed in place: the caller's frame stays as it was
    stages = deals["deal_stage"] if "deal_stage" in deals else pd.Series("won", index=deals.index)
    labels = stages.dropna().astype(str).unique()
    stage_map = {label: stage_outcome(label) for label in labels}
    deals["outcome"] = map_distinct(stages, stage_map).fillna("open")  # a stage the map does not hold is open
    if named is not None:
        stage_map = {}
        deals["outcome"] = named.reindex(deals.index).astype("object").where(lambda s: s.notna(), "open")
    joined = _by_id(accounts, deals)
    key: Literal["id", "name"] = "id" if joined is not None else "name"
    if joined is None:
        names = accounts["name"] if "name" in accounts else pd.Series("", index=accounts.index)
        refs = normalize_names(deals.get("deal_account", pd.Series(None, index=deals.index, dtype="object")))
        joined = refs, _positions(normalize_names(names), refs)
    refs, positions = joined
    deals["account_key"] = _lookup(positions, refs, accounts.index)
    has_ref = refs.notna() & (refs != "")
    unknown = has_ref & deals["account_key"].isna()
    original = deals.get("deal_account", refs)
    info = DealJoin(
        key=key,
        deals=len(deals),
        matched=int(deals["account_key"].notna().sum()),
        without_account=int((~has_ref).sum()),
        unknown_account=int(unknown.sum()),
        unknown_examples=[str(v) for v in original[unknown].astype(str).unique()[:5]],
        stage_map=dict(sorted(stage_map.items())),
        outcome_counts={k: int(v) for k, v in deals["outcome"].value_counts().items()},
    )
    if "deal_created" in deals and "deal_closed" in deals:
        cycle = (deals["deal_closed"] - deals["deal_created"]).dt.days
        deals["cycle_days"] = cycle.where(cycle >= 0)
    return deals, info


def aggregate_deals(deals: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Per-account deal outcomes: counts, win rate, won value, sales cycle, first/last close.

    Deals are grouped by their account's row position (integers), so counting is a bincount and the rest are
    compiled group reductions, whatever the account keys look like."""
    keys = deals["account_key"]
    present = np.flatnonzero(keys.notna().to_numpy(dtype=bool))
    position = index.get_indexer(keys.iloc[present])
    matched, position = present[position >= 0], position[position >= 0]  # row positions of the joined deals
    out = pd.DataFrame(index=index)
    for label in ("won", "lost", "open"):
        of_label = deals["outcome"].eq(label).to_numpy(dtype=bool)[matched]
        out[f"deals_{label}"] = np.bincount(position[of_label], minlength=len(index)).astype("int64")
    closed = out["deals_won"] + out["deals_lost"]
    out["win_rate"] = (out["deals_won"] / closed).where(closed > 0)
    won = deals["outcome"].eq("won").to_numpy(dtype=bool)[matched]

    def per_account(rows: np.ndarray, reductions: dict[str, tuple[str, str]]) -> None:
        """Reduce columns over the ``rows`` of each account (grouped once), into ``out`` by account position."""
        columns = {column for column, _ in reductions.values()}
        groups = deals[sorted(columns)].iloc[matched[rows]].groupby(position[rows])
        spread: np.ndarray | None = None  # group of each account position (-1: none), the same for every reduction
        for name, (column, how) in reductions.items():
            reduced = getattr(groups[column], how)(**({"min_count": 1} if how == "sum" else {}))
            if spread is None:
                spread = reduced.index.get_indexer(range(len(index)))
            out[name] = take(reduced.to_numpy(), spread, allow_fill=True)  # as reindex fills: NaN / NaT

    won_reductions = {
        "won_value": ("deal_amount", "sum"),
        "median_cycle_days": ("cycle_days", "median"),
        "first_won": ("deal_closed", "min"),
        "last_won": ("deal_closed", "max"),
    }
    per_account(won, {name: spec for name, spec in won_reductions.items() if spec[0] in deals})
    if "deal_closed" in deals:
        per_account(np.ones(len(matched), dtype=bool), {"last_close": ("deal_closed", "max")})
    outcome_per_account = pd.Series(None, index=index, dtype="object")
    for label in ("open", "lost", "won"):  # later wins: any won deal makes the account won
        outcome_per_account = outcome_per_account.mask(out[f"deals_{label}"] > 0, label)
    out["outcome"] = outcome_per_account
    return out
